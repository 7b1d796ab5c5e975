// The one error taxonomy, interpreted in one place (the controller loop):
//   TerminalError   the object is wrong in a way retrying cannot fix: record it in status, do not retry
//   WaitingError    something the object needs is not there yet: record it, check again after a delay
//   anything else   transient: retry with per-key back-off
// ApiError carries a failed Kubernetes API call's status; isTransientApiError says which are worth retrying.

export class TerminalError extends Error {
  /** CamelCase reason for the condition. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'TerminalError';
    this.reason = reason;
  }
}

export class WaitingError extends Error {
  readonly reason: string;
  readonly retryAfterMs: number;
  constructor(reason: string, message: string, retryAfterMs = 30_000) {
    super(message);
    this.name = 'WaitingError';
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/** A Kubernetes API call that failed: HTTP status, the Status reason and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: unknown;
  constructor(status: number, reason: string, message: string, body?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.body = body;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
/** A write refused because the object changed since it was read (409 Conflict, not AlreadyExists). */
export const isStaleWrite = (err: unknown): boolean => isConflict(err) && (err as ApiError).reason !== 'AlreadyExists';
export const isGone = (err: unknown): boolean => err instanceof ApiError && err.status === 410;

/** Throttling, server errors and conflicts pass with time; validation and permission errors do not. */
export function isTransientApiError(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return err.status === 409 || err.status === 429 || err.status >= 500;
}
