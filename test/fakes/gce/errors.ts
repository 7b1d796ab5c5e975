// Errors in the shape Compute's REST front end answers (and google-gax parses into GoogleError:
// code, message, status, errors[].reason/domain): {"error":{"code":404,"message":"The resource
// 'projects/p/global/instanceTemplates/x' was not found","status":"NOT_FOUND","errors":[{"message":
// ...,"domain":"global","reason":"notFound"}]}}. Messages follow the real ones where known.

const statusOf: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION', 413: 'INVALID_ARGUMENT', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
};
const reasonOf: Record<number, string> = {
  400: 'invalid', 401: 'authError', 403: 'forbidden', 404: 'notFound', 409: 'alreadyExists', 412: 'conditionNotMet',
  413: 'invalid', 429: 'rateLimitExceeded', 500: 'backendError', 501: 'notImplemented', 503: 'backendError',
};

/** An HTTP error the fake answers with Google's error JSON. */
export class GoogleApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly extra: { field?: string; retryAfterS?: number };

  constructor(code: number, message: string, reason?: string, extra: { field?: string; retryAfterS?: number } = {}) {
    super(message);
    this.code = code;
    this.reason = reason ?? reasonOf[code] ?? 'unknown';
    this.extra = extra;
  }

  /** The response body. */
  body(): unknown {
    const details = this.extra.field && this.code === 400
      ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: this.extra.field, description: this.message }] }]
      : undefined;
    return { error: { code: this.code, message: this.message, status: statusOf[this.code] ?? 'UNKNOWN',
      errors: [{ message: this.message, domain: 'global', reason: this.reason }], ...(details ? { details } : {}) } };
  }
}

/** 400 INVALID_ARGUMENT naming the field. */
export const invalid = (message: string, field?: string): GoogleApiError =>
  new GoogleApiError(400, message, 'invalid', field ? { field } : {});

/** 400 for a field's value, as Compute words it. */
export const invalidField = (field: string, value: unknown, why: string): GoogleApiError =>
  new GoogleApiError(400, `Invalid value for field '${field}': '${typeof value === 'string' ? value : JSON.stringify(value ?? '')}'. ${why}`, 'invalid', { field });

/** 404 for a resource path (projects/p/global/instanceTemplates/x). */
export const notFound = (path: string): GoogleApiError => new GoogleApiError(404, `The resource '${path}' was not found`);

/** 409 for an insert whose name is taken. */
export const alreadyExists = (path: string): GoogleApiError => new GoogleApiError(409, `The resource '${path}' already exists`);

/** 400 resourceInUseByAnotherResource: a delete of something another resource names. */
export const inUse = (kind: string, path: string, by: string): GoogleApiError =>
  new GoogleApiError(400, `The ${kind} resource '${path}' is already being used by '${by}'`, 'resourceInUseByAnotherResource');

/** 412 conditionNotMet for a missing or stale fingerprint. */
export const staleFingerprint = (): GoogleApiError =>
  new GoogleApiError(412, 'Supplied fingerprint does not match current metadata fingerprint.', 'conditionNotMet');

/** Words Compute puts in an operation's httpErrorMessage for a status. */
export const httpErrorMessage = (status: number): string =>
  ({ 400: 'BAD REQUEST', 403: 'FORBIDDEN', 404: 'NOT FOUND', 409: 'CONFLICT', 412: 'PRECONDITION FAILED', 429: 'TOO MANY REQUESTS',
    500: 'INTERNAL SERVER ERROR', 503: 'SERVICE UNAVAILABLE' } as Record<number, string>)[status] ?? 'ERROR';
