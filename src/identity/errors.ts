/** Why authentication failed, in RFC 6750 terms, with the HTTP status the agent gets. */
export type AuthErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

export class AuthFailure extends Error {
  constructor(
    readonly code: AuthErrorCode,
    /** Safe to show the agent: never contains the token or key. */
    readonly description: string,
    readonly status: 400 | 401 | 403 | 503 = code === 'temporarily_unavailable' ? 503 : 401,
  ) {
    super(description);
    this.name = 'AuthFailure';
  }
}
