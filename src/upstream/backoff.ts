/** Exponential backoff with full jitter, so replicas restarting the same upstream do not stampede. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly maxAttempts: number,
  ) {}

  /** The next delay, or undefined when the attempts are spent. */
  next(): number | undefined {
    if (this.attempt >= this.maxAttempts) return undefined;
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
