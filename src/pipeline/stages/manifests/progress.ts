// Where a manifest stage's objects stand, as the stage's outcome: the first object that Failed fails
// it with that object's own message; all Current is done; otherwise it waits, naming the objects not
// yet Current, and near its timeout fails naming them (the run's own timeout would only say "timed out").
import { formatDuration } from '../../../api/duration.ts';
import type { ManifestRef, ManifestStatus } from '../../../providers/interfaces.ts';

/** How often a manifest stage looks at its objects: nothing wakes it when they change. */
export const manifestPollMs = 2_000;
/** How long before the stage's timeout it gives up itself, so that it can say which objects were not ready. */
export const timeoutMarginMs = 1_000;

export const refName = (r: ManifestRef) => `${r.kind} "${r.namespace ? `${r.namespace}/` : ''}${r.name}"`;

export type Progress =
  | { done: true }
  | { done: false; failed: true; message: string }
  | { done: false; failed: false; message: string; pollAfterMs: number };

/**
 * What the statuses (one per ref, in order) come to, elapsedMs into a stage that times out after
 * timeoutMs (undefined: never).
 */
export function planProgress(refs: ManifestRef[], statuses: ManifestStatus[], elapsedMs: number, timeoutMs: number | undefined): Progress {
  const failedAt = statuses.findIndex((s) => s.status === 'Failed');
  if (failedAt >= 0) return { done: false, failed: true, message: `${refName(refs[failedAt]!)} failed: ${statuses[failedAt]!.message}` };
  const waiting = refs.map((r, i) => ({ r, s: statuses[i]! })).filter(({ s }) => s.status !== 'Current');
  if (waiting.length === 0) return { done: true };
  const named = waiting.map(({ r, s }) => `${refName(r)} (${s.message})`).join(', ');
  if (timeoutMs !== undefined && elapsedMs >= timeoutMs - timeoutMarginMs) {
    return { done: false, failed: true, message: `not stable after ${formatDuration(timeoutMs)}: ${named}` };
  }
  const left = timeoutMs === undefined ? Infinity : timeoutMs - timeoutMarginMs - elapsedMs;
  return { done: false, failed: false, message: `waiting for ${named}`, pollAfterMs: Math.max(0, Math.min(manifestPollMs, left)) };
}
