// The operator's probe endpoints: /healthz (the process is alive) and /readyz (every readiness check
// passes). Each check is a named function; a failing one is listed in the response body.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Check = () => boolean | Promise<boolean>;

export interface HealthServer {
  /** The address actually bound, e.g. 127.0.0.1:8081 (useful when the port asked for was 0). */
  readonly address: string;
  close(): Promise<void>;
}

export interface HealthChecks { healthz: Record<string, Check>; readyz: Record<string, Check> }

async function runChecks(checks: Record<string, Check>): Promise<{ ok: boolean; body: string }> {
  const lines: string[] = [];
  let ok = true;
  for (const [name, check] of Object.entries(checks)) {
    let passed: boolean;
    try { passed = await check(); } catch { passed = false; }
    ok &&= passed;
    lines.push(`[${passed ? '+' : '-'}]${name} ${passed ? 'ok' : 'failed'}`);
  }
  lines.push(ok ? 'ok' : 'check failed');
  return { ok, body: `${lines.join('\n')}\n` };
}

/** Parses host:port (":8081" means every interface). */
export function parseAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`address "${addr}" must be host:port, e.g. 127.0.0.1:8081 or :8081`);
  }
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

export async function startHealthServer(addr: string, checks: HealthChecks): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const set = path === '/healthz' || path === '/livez' ? checks.healthz : path === '/readyz' ? checks.readyz : undefined;
    if (!set || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    void runChecks(set).then(({ ok, body }) => res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(body));
  });
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
