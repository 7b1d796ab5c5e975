// A listener on host:port serving a router, with timeouts so that a slow or idle client cannot hold
// a connection: headers must arrive within headersMs and the whole request within requestMs (else
// 408 and the socket is closed); an idle keep-alive connection is closed after idleMs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from './router.ts';

export interface RunningServer {
  /** The address actually bound, e.g. 127.0.0.1:8081 (useful when the port asked for was 0). */
  readonly address: string;
  close(): Promise<void>;
}

export interface ServerTimeouts { headersMs: number; requestMs: number; idleMs: number }

export const defaultTimeouts: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, idleMs: 5_000 };

/** Parses host:port (":8081" means every interface). */
export function parseAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || addr.slice(i + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`address "${addr}" must be host:port, e.g. 127.0.0.1:8081 or :8081`);
  }
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

export async function serve(addr: string, router: Router, timeouts: ServerTimeouts = defaultTimeouts): Promise<RunningServer> {
  const { headersMs, requestMs, idleMs } = timeouts;
  if (headersMs > requestMs) throw new Error(`the headers timeout (${headersMs} ms) must not exceed the request timeout (${requestMs} ms)`);
  const server = createServer({
    headersTimeout: headersMs, requestTimeout: requestMs, keepAliveTimeout: idleMs,
    // node checks the two request timeouts on this period (30 s by default, longer than they are).
    connectionsCheckingInterval: Math.max(10, Math.min(headersMs, 1000) / 4),
  }, router.listener);
  const { host, port } = parseAddress(addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
