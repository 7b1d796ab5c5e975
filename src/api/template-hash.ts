// A stable hash of a server group template: the same template always hashes the same, whatever the
// order of its keys, so a changed template (and only that) starts a rollout.
import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(template))).digest('hex').slice(0, 16);
}
