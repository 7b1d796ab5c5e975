// AWS errors, mapped once into the providers' typed errors (src/providers/errors.ts). The SDK names
// an error by its AWS code (err.name); the HTTP status and fault tell server trouble apart.
import { conflict, inProgress, invalid, isProviderError, notFound, quota, throttled, type ProviderError } from '../errors.ts';

interface AwsSdkError extends Error {
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** Matches these codes, with or without the Exception or Fault the SDKs of some services append (ELBv2's ResourceInUseException). */
const codes = (...names: string[]) => (code: string) => names.includes(code.replace(/(Exception|Fault)$/, ''));
const credentialsHint = '; check the Account\'s credentials (spec.aws.credentialsSecretRef, or the operator\'s own AWS identity)';

/** AWS codes and what they mean, first match wins: throttling before quotas, NotFound before Invalid (InvalidGroup.NotFound). */
const rules: { matches: (code: string) => boolean; becomes: (message: string) => ProviderError }[] = [
  { matches: codes('Throttling', 'Throttled', 'RequestLimitExceeded', 'RequestThrottled', 'TooManyRequests', 'SlowDown', 'PriorRequestNotComplete',
    'EC2Throttled'), becomes: (m) => throttled(m) },
  { matches: (c) => /NotFound|^NoSuchEntity$/.test(c), becomes: notFound },
  { matches: (c) => /AlreadyExists|\.Duplicate$|^Duplicate/.test(c), becomes: conflict },
  { matches: (c) => /LimitExceeded|^TooMany|^InsufficientInstanceCapacity$/.test(c), becomes: quota },
  { matches: codes('ResourceInUse', 'DependencyViolation', 'ScalingActivityInProgress', 'IncorrectState'),
    becomes: (m) => inProgress(m, 5_000) },
  { matches: codes('UnrecognizedClient', 'InvalidClientTokenId', 'AuthFailure', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidAccessKeyId',
    'MissingAuthenticationToken'), becomes: (m) => invalid(`${m}${credentialsHint}`) },
  { matches: (c) => /^AccessDenied|^Unauthorized/.test(c), becomes: (m) => invalid(`${m}; grant the Account's AWS identity this permission`) },
  { matches: (c) => /^Invalid|^Validation|^MissingParameter$|^Unsupported/.test(c), becomes: invalid },
];

/**
 * The AWS code of an error AWS answered with, or undefined for anything else: the SDK puts $metadata
 * on every error it rethrows, a refused connection or a timeout included, but only an answer has an
 * HTTP status (or a fault).
 */
export function awsCode(err: unknown): string | undefined {
  const e = err as AwsSdkError;
  return err instanceof Error && (e.$metadata?.httpStatusCode !== undefined || e.$fault !== undefined) ? e.name : undefined;
}

/**
 * The typed error an AWS error means, its message naming what was asked (what) and carrying AWS's
 * own. A server fault stays an error to retry with back-off; anything that is not an AWS error (no
 * answer at all, a bug) is returned as it is.
 */
export function typedAwsError(what: string, err: unknown): unknown {
  if (isProviderError(err)) return err;
  const code = awsCode(err);
  if (!code) return err;
  const e = err as AwsSdkError;
  const message = `${what}: AWS ${code}: ${e.message}`;
  if (e.$retryable?.throttling) return throttled(message);
  const rule = rules.find((r) => r.matches(code));
  if (rule) return rule.becomes(message);
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500) return new Error(`${what}: AWS failed: ${code}: ${e.message}`, { cause: err });
  return invalid(message);
}

/** Runs an AWS call, throwing its failure as a typed error (see typedAwsError). */
export async function aws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw typedAwsError(what, err);
  }
}

/** The call's result, or undefined when AWS says what it names does not exist. */
export async function awsOrAbsent<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await aws(what, call);
  } catch (err) {
    if (isProviderError(err, 'NotFound')) return undefined;
    throw err;
  }
}
