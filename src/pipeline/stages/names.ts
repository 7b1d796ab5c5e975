// Deterministic names for what stages create, so a pass repeated after a crash finds what the first
// one made instead of making it again.
import { createHash } from 'node:crypto';

/** <run>-<refId>[-<attempt>], lower-cased, at most 63 characters (a hash keeps long names unique). */
export function childName(run: string, refId: string, attempt = 1): string {
  const base = `${run}-${refId}${attempt > 1 ? `-${attempt}` : ''}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (base.length <= 63) return base;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}
