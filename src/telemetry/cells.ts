/**
 * Counters and histograms for the per-message path, exposed through a prom-client registry.
 *
 * Why not prom-client's own Counter and Histogram here: they validate and hash the label object on every
 * inc/observe, even through a `labels()` child, and the gateway records several values per message (the
 * message, its latency, one latency per stage). These keep one cell per label set, found once by key;
 * recording is then an add and a bucket search. prom-client still does the exposition (the registry reads
 * these through the same `get()` its own metrics implement), the default process metrics and the gauges.
 */
/** What a prom-client registry reads from a metric at scrape time. */
export interface Exposition {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
}

export interface CounterCell {
  inc(by?: number): void;
}

export interface HistogramCell {
  observe(value: number): void;
}

abstract class Cells<L extends string, C> {
  /** Every cell, for the exposition. */
  protected readonly cells: Array<{ labels: Record<L, string>; cell: C }> = [];
  /** Lookup by label values, one Map level per label: no key string is built per message. */
  private tree = new Map<string, unknown>();

  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly L[],
  ) {}

  /** The cell for these label values (in `labelNames` order), created on first use. */
  at(...values: string[]): C {
    let level = this.tree;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const v = values[i] ?? '';
      let child = level.get(v) as Map<string, unknown> | undefined;
      if (!child) level.set(v, (child = new Map()));
      level = child;
    }
    const leaf = values[last] ?? '';
    let cell = level.get(leaf) as C | undefined;
    if (cell === undefined) {
      const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, values[i] ?? ''])) as Record<L, string>;
      cell = this.create();
      this.cells.push({ labels, cell });
      level.set(leaf, cell);
    }
    return cell;
  }

  reset(): void {
    this.cells.length = 0;
    this.tree = new Map();
  }

  protected abstract create(): C;
}

export class FastCounter<L extends string> extends Cells<L, CounterCell & { value: number }> {
  readonly type = 'counter';
  readonly aggregator = 'sum' as const;

  protected create(): CounterCell & { value: number } {
    return {
      value: 0,
      inc(by = 1) {
        this.value += by;
      },
    };
  }

  get(): Exposition {
    const values = this.cells.map(({ labels, cell }) => ({ labels, value: cell.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

class Buckets implements HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    this.sum += value;
    this.count++;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

export class FastHistogram<L extends string> extends Cells<L, Buckets> {
  readonly type = 'histogram';
  readonly aggregator = 'sum' as const;

  constructor(name: string, help: string, labelNames: readonly L[], private readonly bounds: readonly number[]) {
    super(name, help, labelNames);
  }

  protected create(): Buckets {
    return new Buckets(this.bounds);
  }

  /** Prometheus buckets are cumulative, with a final `+Inf` equal to the count. */
  get(): Exposition {
    const values: Exposition['values'] = [];
    for (const { labels, cell } of this.cells.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += cell.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: this.bounds[i]! }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cell.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: cell.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: cell.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
