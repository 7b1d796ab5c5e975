// How a webhook proves it comes from someone who holds the trigger's secret. Every comparison is
// made in constant time (crypto.timingSafeEqual over digests of equal length), so the time an answer
// takes says nothing of how much of a guessed signature was right.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The generic webhook's signature header: `sha256=<hex of HMAC-SHA256(secret, timestamp + "." + body)>`. */
export const signatureHeader = 'x-staysail-signature';
/** The generic webhook's timestamp header: unix seconds when the request was signed. */
export const timestampHeader = 'x-staysail-timestamp';
/** The generic webhook's delivery id header: the same id on a retry makes the same run. */
export const deliveryHeader = 'x-staysail-delivery';
/** How far a signed request's timestamp may be from the operator's clock, either way. */
export const replayWindowMs = 5 * 60 * 1000;

/** Why a request is refused, said to its sender (never the expected signature). */
export type Refusal = string;

/** The hex HMAC-SHA256 of data under secret. */
export function hmacSha256Hex(secret: Buffer | string, data: Buffer | string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/**
 * Whether two strings are equal, compared in constant time. Both are hashed first, so strings of
 * different lengths compare in the same time as equal-length ones.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The single value of a header (the first, when it was sent more than once). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Checks a `sha256=<hex>` header against the HMAC of data; undefined when it matches. */
export function checkSha256Header(given: string | undefined, name: string, secret: Buffer, data: Buffer | string): Refusal | undefined {
  if (!given) return `the request has no ${name} header`;
  if (!given.startsWith('sha256=')) return `the ${name} header must be sha256=<hex of the HMAC-SHA256>`;
  return constantTimeEqual(given.slice('sha256='.length).toLowerCase(), hmacSha256Hex(secret, data)) ? undefined : `the ${name} header does not match the body`;
}

/**
 * Checks the generic webhook's signature: a timestamp within the replay window of now, and the
 * HMAC-SHA256 of `timestamp + "." + body`. undefined when the request is signed so.
 */
export function checkStaysailSignature(headers: IncomingHttpHeaders, body: Buffer, secret: Buffer, nowMs: number): Refusal | undefined {
  const timestamp = header(headers, timestampHeader);
  if (!timestamp) return `the request has no ${timestampHeader} header (unix seconds when it was signed)`;
  if (!/^\d{1,12}$/.test(timestamp)) return `the ${timestampHeader} header must be unix seconds, not ${JSON.stringify(timestamp.slice(0, 32))}`;
  if (Math.abs(nowMs - Number(timestamp) * 1000) > replayWindowMs) {
    return `the ${timestampHeader} header is more than ${replayWindowMs / 60_000} minutes from the operator's clock: sign each request when it is sent`;
  }
  return checkSha256Header(header(headers, signatureHeader), signatureHeader, secret, Buffer.concat([Buffer.from(`${timestamp}.`), body]));
}

/** Checks a shared token sent as is (GitLab's X-Gitlab-Token); undefined when it is the secret. */
export function checkToken(given: string | undefined, name: string, secret: Buffer): Refusal | undefined {
  if (!given) return `the request has no ${name} header`;
  return constantTimeEqual(given, secret.toString('utf8')) ? undefined : `the ${name} header is not the trigger's secret`;
}
