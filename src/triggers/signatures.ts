// How a webhook proves it comes from someone who holds the trigger's secret. Every comparison is
// made in constant time (crypto.timingSafeEqual over digests of equal length), so the time an answer
// takes says nothing of how much of a guessed signature was right.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The generic webhook's signature header: `sha256=<hex of HMAC-SHA256(secret, timestamp + "." + body)>`. */
export const signatureHeader = 'x-staysail-signature';
/** The generic webhook's timestamp header: unix seconds when the request was signed. */
export const timestampHeader = 'x-staysail-timestamp';
/**
 * The generic webhook's delivery id header: for a trigger without a secretRef, the same id on a retry
 * makes the same run. It is not signed, so a trigger with a secretRef ignores it.
 */
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

const sha256Form = /^sha256=[0-9a-f]{64}$/i;

/** The checks of a `sha256=<hex>` header that need no secret: it is there and well-formed. undefined when they pass. */
export function checkSha256HeaderForm(given: string | undefined, name: string): Refusal | undefined {
  if (!given) return `the request has no ${name} header`;
  if (!sha256Form.test(given)) return `the ${name} header must be sha256=<the 64 hex digits of the HMAC-SHA256>`;
  return undefined;
}

/** Checks a `sha256=<hex>` header against the HMAC of data; undefined when it matches. */
export function checkSha256Header(given: string | undefined, name: string, secret: Buffer, data: Buffer | string): Refusal | undefined {
  const form = checkSha256HeaderForm(given, name);
  if (form) return form;
  return constantTimeEqual(given!.slice('sha256='.length).toLowerCase(), hmacSha256Hex(secret, data)) ? undefined : `the ${name} header does not match the body`;
}

/**
 * The checks of the generic webhook's signature that need no secret, so they cost no Secret read: a
 * timestamp in unix seconds within the replay window of now, and a well-formed signature header.
 */
export function checkStaysailSignatureForm(headers: IncomingHttpHeaders, nowMs: number): Refusal | undefined {
  const timestamp = header(headers, timestampHeader);
  if (!timestamp) return `the request has no ${timestampHeader} header (unix seconds when it was signed)`;
  if (!/^\d{1,12}$/.test(timestamp)) return `the ${timestampHeader} header must be unix seconds, not ${JSON.stringify(timestamp.slice(0, 32))}`;
  if (Math.abs(nowMs - Number(timestamp) * 1000) > replayWindowMs) {
    return `the ${timestampHeader} header is more than ${replayWindowMs / 60_000} minutes from the operator's clock: sign each request when it is sent`;
  }
  return checkSha256HeaderForm(header(headers, signatureHeader), signatureHeader);
}

/**
 * Checks the generic webhook's signature: checkStaysailSignatureForm, then the HMAC-SHA256 of
 * `timestamp + "." + body`. undefined when the request is signed so.
 */
export function checkStaysailSignature(headers: IncomingHttpHeaders, body: Buffer, secret: Buffer, nowMs: number): Refusal | undefined {
  const form = checkStaysailSignatureForm(headers, nowMs);
  if (form) return form;
  const timestamp = header(headers, timestampHeader)!;
  return checkSha256Header(header(headers, signatureHeader), signatureHeader, secret, Buffer.concat([Buffer.from(`${timestamp}.`), body]));
}

/** The check of a shared token that needs no secret: it was sent. undefined when it was. */
export function checkTokenForm(given: string | undefined, name: string): Refusal | undefined {
  return given ? undefined : `the request has no ${name} header`;
}

/** Checks a shared token sent as is (GitLab's X-Gitlab-Token); undefined when it is the secret. */
export function checkToken(given: string | undefined, name: string, secret: Buffer): Refusal | undefined {
  return checkTokenForm(given, name) ?? (constantTimeEqual(given!, secret.toString('utf8')) ? undefined : `the ${name} header is not the trigger's secret`);
}
