// Typed provider errors. Providers throw these and know nothing of conditions or queues; the
// controllers decide what each means for the object (src/controllers/accounts.ts, in one place).
//   NotFound    what the call names does not exist
//   Conflict    it exists as something else (another template, someone else's object)
//   Throttled   the provider refuses calls for now; retryAfterMs when it said how long
//   Quota       a limit of the account is reached; a person may raise it
//   Invalid     the request or the account is wrong; retrying cannot fix it
//   InProgress  a long-running operation was started or is still running (a cloud's operation);
//               not a failure: look again after retryAfterMs
export type ProviderErrorKind = 'NotFound' | 'Conflict' | 'Throttled' | 'Quota' | 'Invalid' | 'InProgress';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  /** How long the provider asked to be left alone (Throttled) or expects the operation to take (InProgress). */
  readonly retryAfterMs?: number;
  constructor(kind: ProviderErrorKind, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = `${kind}Error`;
    this.kind = kind;
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export const notFound = (message: string) => new ProviderError('NotFound', message);
export const conflict = (message: string) => new ProviderError('Conflict', message);
export const invalid = (message: string) => new ProviderError('Invalid', message);
export const quota = (message: string) => new ProviderError('Quota', message);
export const throttled = (message: string, retryAfterMs?: number) =>
  new ProviderError('Throttled', message, retryAfterMs === undefined ? {} : { retryAfterMs });
export const inProgress = (message: string, retryAfterMs?: number) =>
  new ProviderError('InProgress', message, retryAfterMs === undefined ? {} : { retryAfterMs });

export const isProviderError = (err: unknown, kind?: ProviderErrorKind): err is ProviderError =>
  err instanceof ProviderError && (kind === undefined || err.kind === kind);
