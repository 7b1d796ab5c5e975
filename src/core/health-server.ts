// The operator's probe routes: /healthz and /livez (the process is alive), /readyz (every readiness
// check passes). Each check is a named function; the body lists every check and whether it passed.
import { text, type Router } from './router.ts';

export type Check = () => boolean | Promise<boolean>;

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

/** Registers /healthz, /livez and /readyz on router: 200 when every check passes, else 503. */
export function registerHealthRoutes(router: Router, checks: HealthChecks): void {
  const probe = (set: Record<string, Check>) => async () => {
    const { ok, body } = await runChecks(set);
    return text(body, ok ? 200 : 503);
  };
  router.get('/healthz', probe(checks.healthz)).get('/livez', probe(checks.healthz)).get('/readyz', probe(checks.readyz));
}
