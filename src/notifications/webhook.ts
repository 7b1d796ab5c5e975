// The generic webhook: POST the message as JSON (docs/notifications/webhook.md) to the notification's
// address, signed as the webhook trigger checks signatures when secretRef is set: X-Staysail-Signature
// is sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>, X-Staysail-Timestamp the unix seconds
// it was signed at, and X-Staysail-Delivery the delivery's id, the same on every attempt.
import { deliveryHeader, hmacSha256Hex, signatureHeader, timestampHeader } from '../triggers/signatures.ts';
import { httpUrl, postJson } from './http.ts';
import { messageOf, type DeliveryRecord, type Notifier } from './types.ts';

/** The Secret key that holds the signing secret when secretRef names none (as for the webhook trigger). */
export const webhookSecretKey = 'secret';

/** The body posted: the delivery's id and its message. */
export const webhookBody = (d: DeliveryRecord): string => JSON.stringify({ id: d.id, ...messageOf(d) });

/** The headers of a webhook delivery: its id and event, and the signature when there is a secret. */
export function webhookHeaders(d: DeliveryRecord, body: string, secret: Buffer | undefined, nowMs: number): Record<string, string> {
  const headers: Record<string, string> = { [deliveryHeader]: d.id, 'x-staysail-event': d.event };
  if (!secret) return headers;
  const timestamp = String(Math.floor(nowMs / 1000));
  return { ...headers, [timestampHeader]: timestamp, [signatureHeader]: `sha256=${hmacSha256Hex(secret, `${timestamp}.${body}`)}` };
}

export const webhookNotifier: Notifier = {
  channel: 'webhook',
  async send(d, io) {
    const url = httpUrl(d.address, `webhook notification ${d.notification}: address`);
    const secret = d.secretRef ? await io.secret(d, webhookSecretKey, 'the signing secret') : undefined;
    const body = webhookBody(d);
    await postJson(url, body, webhookHeaders(d, body, secret, io.now()), `webhook ${new URL(url).host}`);
  },
};
