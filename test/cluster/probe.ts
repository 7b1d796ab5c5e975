// Readiness probes for the components: plain HTTP(S) GETs on loopback, polled with a deadline.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export interface TlsMaterial { ca?: Buffer; cert?: Buffer; key?: Buffer; insecure?: boolean }

/** Status code of GET url, or 0 when nothing answers. */
export function httpStatus(url: string, tls: TlsMaterial = {}): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const options: RequestOptions = { method: 'GET', timeout: 3000 };
    const req = u.protocol === 'https:'
      ? httpsRequest(u, { ...options, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure })
      : httpRequest(u, options);
    req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Polls check until it returns true; throws describe() once deadlineMs has passed. */
export async function waitFor(check: () => Promise<boolean>, deadlineMs: number, describe: () => string,
  intervalMs = 250): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(describe());
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Free loopback ports, all held open at once so no two are the same. */
export async function freePorts(count: number): Promise<number[]> {
  const { createServer } = await import('node:net');
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<import('node:net').Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
