// One POST of a notification: a JSON body, a time limit, and an error that says what answered (never
// the URL itself when it is a secret, as a Slack incoming-webhook URL is: then errors name only the
// Secret and key it came from, and say no more of a failed connection than its error code).
export const postTimeoutMs = 10_000;

/** Where a POST goes: `who` names the receiver in errors; `secret` when the URL came from a Secret. */
export interface Receiver { who: string; secret?: boolean }

/** Why a POST got no answer, in words that hold no URL when it is a secret. */
function unreachable(err: unknown, url: string, secret: boolean): string {
  if ((err as Error).name === 'TimeoutError') return `no answer within ${postTimeoutMs / 1000} s`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  // undici's messages may hold the URL (a URL with credentials, a bad redirect): not said of a secret one.
  return secret ? 'the connection failed' : scrub(cause?.message ?? (err as Error).message, url);
}

const scrub = (text: string, url: string) => text.split(url).join('<url>');

/** POSTs body to url; resolves on a 2xx answer, else throws naming the receiver and its answer. */
export async function postJson(url: string, body: string, headers: Record<string, string>, to: Receiver | string): Promise<void> {
  const { who, secret = false } = typeof to === 'string' ? { who: to } : to;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'user-agent': 'staysail-notifications', ...headers },
      signal: AbortSignal.timeout(postTimeoutMs), redirect: 'error' });
  } catch (err) {
    throw new Error(`${who} could not be reached: ${unreachable(err, url, secret)}`, { cause: err });
  }
  const text = scrub((await res.text().catch(() => '')).slice(0, 200).trim(), url);
  if (!res.ok) throw new Error(`${who} answered ${res.status}${text ? `: ${text}` : ''}`);
}

/**
 * The address as a URL the channel may POST to (http or https), or an error naming `what`; with
 * secret (the address came from a Secret, which `what` names) the error does not repeat the address.
 */
export function httpUrl(address: string | undefined, what: string, secret = false): string {
  let url: URL;
  try { url = new URL(address ?? ''); } catch {
    throw new Error(secret ? `${what} is not a URL; put an http or https URL there` : `${what} is not a URL: ${JSON.stringify(address ?? '')}; give an http or https URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(secret ? `${what} must be an http or https URL` : `${what} must be an http or https URL, not ${url.protocol}`);
  }
  return url.toString();
}
