// The operator's probe endpoints: /healthz (the process is alive) and /readyz (every readiness check
// passes). Each check is a named function; a failing one is listed in the response body.
import { serve, type RunningServer } from './http-server.ts';

export type Check = () => boolean | Promise<boolean>;

export type HealthServer = RunningServer;

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

export function startHealthServer(addr: string, checks: HealthChecks): Promise<HealthServer> {
  return serve(addr, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const set = path === '/healthz' || path === '/livez' ? checks.healthz : path === '/readyz' ? checks.readyz : undefined;
    if (!set || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    void runChecks(set).then(({ ok, body }) => res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(body));
  });
}
