// Typed provider errors. Providers throw these and know nothing of conditions or queues; the
// controllers decide what each means for the object.
export type ProviderErrorKind = 'NotFound' | 'Conflict' | 'Throttled' | 'Quota' | 'Invalid';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  constructor(kind: ProviderErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = `${kind}Error`;
    this.kind = kind;
  }
}

export const notFound = (message: string) => new ProviderError('NotFound', message);
export const conflict = (message: string) => new ProviderError('Conflict', message);
export const invalid = (message: string) => new ProviderError('Invalid', message);

export const isProviderError = (err: unknown, kind?: ProviderErrorKind): err is ProviderError =>
  err instanceof ProviderError && (kind === undefined || err.kind === kind);
