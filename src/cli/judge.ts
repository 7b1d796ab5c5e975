// `staysail judge --config FILE --baseline FILE --canary FILE`: the canary judge offline, so a
// CanaryConfig can be tried on recorded series before it is trusted. Prints one JSON object; exits
// 0 for Pass, 1 for Marginal or Fail, 2 for bad input (naming the file and field).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import type { CanaryConfigSpec } from '../api/v1alpha1/canary-config.ts';
import { specProblems } from '../api/validate.ts';
import { judge } from '../canary/judge/judge.ts';

export class InputError extends Error {}

const usage = 'usage: staysail judge --config CANARYCONFIG.yaml --baseline SERIES.json --canary SERIES.json';

function read(file: string, what: string): string {
  try { return readFileSync(file, 'utf8'); } catch (err) { throw new InputError(`${file}: cannot read the ${what}: ${(err as Error).message}`); }
}

export function readConfig(file: string): CanaryConfigSpec {
  let doc: unknown;
  try { doc = parse(read(file, 'CanaryConfig')); } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${file}: not YAML or JSON: ${(err as Error).message}`);
  }
  const manifest = doc as { kind?: string; spec?: unknown };
  if (!manifest || typeof manifest !== 'object' || manifest.kind !== 'CanaryConfig') throw new InputError(`${file}: kind must be CanaryConfig`);
  const problems = specProblems('CanaryConfig', manifest.spec);
  if (problems.length) throw new InputError(`${file}: ${problems.join('; ')}`);
  return manifest.spec as CanaryConfigSpec;
}

export function readSeries(file: string, what: string): Record<string, number[]> {
  let doc: unknown;
  try { doc = JSON.parse(read(file, what)); } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${file}: not JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${file}: must be a JSON object mapping metric names to arrays of numbers`);
  for (const [name, values] of Object.entries(doc)) {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'number' && v !== null)) {
      throw new InputError(`${file}: field "${name}" must be an array of numbers (null for a missing value)`);
    }
  }
  return Object.fromEntries(Object.entries(doc as Record<string, (number | null)[]>).map(([k, v]) => [k, v.map((x) => (x === null ? NaN : x))]));
}

const finite = (v: number | undefined) => (v === undefined || Number.isFinite(v) ? v : null);

/** Runs the command; returns the exit code. */
export function judgeCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string' }, baseline: { type: 'string' }, canary: { type: 'string' } }, strict: true }));
  } catch (e) {
    err(`${(e as Error).message}\n${usage}`);
    return 2;
  }
  if (!values.config || !values.baseline || !values.canary) { err(usage); return 2; }
  try {
    const config = readConfig(values.config);
    const result = judge(config, readSeries(values.baseline, 'baseline series'), readSeries(values.canary, 'canary series'));
    out(JSON.stringify({
      score: result.score, classification: result.classification, reason: result.reason,
      metrics: result.metrics.map((m) => ({
        name: m.name, group: m.group, classification: m.classification, critical: m.critical, reason: m.reason,
        ...(m.interval ? { interval: { lower: finite(m.interval.lower), upper: finite(m.interval.upper) } } : {}),
        ...(m.estimate !== undefined ? { estimate: finite(m.estimate) } : {}),
        ...(m.effectSize ? { effectSize: { measure: m.effectSize.measure, value: finite(m.effectSize.value) } } : {}),
      })),
    }, null, 2));
    return result.classification === 'Pass' ? 0 : 1;
  } catch (e) {
    if (e instanceof InputError) { err(e.message); return 2; }
    throw e;
  }
}
