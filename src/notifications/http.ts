// One POST of a notification: a JSON body, a time limit, and an error that says what answered (never
// the URL itself when it is a secret, as a Slack incoming-webhook URL is).
export const postTimeoutMs = 10_000;

/** POSTs body to url; resolves on a 2xx answer, else throws naming the receiver (as `who`) and its answer. */
export async function postJson(url: string, body: string, headers: Record<string, string>, who: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'user-agent': 'staysail-notifications', ...headers },
      signal: AbortSignal.timeout(postTimeoutMs), redirect: 'error' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${postTimeoutMs / 1000} s` : cause?.code ?? cause?.message ?? (err as Error).message;
    throw new Error(`${who} could not be reached: ${why}`, { cause: err });
  }
  const text = (await res.text().catch(() => '')).slice(0, 200).trim();
  if (!res.ok) throw new Error(`${who} answered ${res.status}${text ? `: ${text}` : ''}`);
}

/** The address as a URL the channel may POST to (http or https), or an error naming the notification. */
export function httpUrl(address: string | undefined, what: string): string {
  let url: URL;
  try { url = new URL(address ?? ''); } catch { throw new Error(`${what} is not a URL: ${JSON.stringify(address ?? '')}; give an http or https URL`); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${what} must be an http or https URL, not ${url.protocol}`);
  return url.toString();
}
