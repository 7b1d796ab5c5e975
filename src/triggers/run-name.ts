// The name of a run a trigger event starts (every trigger type names its runs here): derived from the event alone, so every replica and every
// pass after a restart names the same run, and a second create of it is a no-op.
import { createHash } from 'node:crypto';

/** Longest run name: a run's name is also a label value on what it makes. */
export const maxRunNameLength = 63;

/**
 * <pipeline>-<trigger>-<event>-<pair>, lower-case, where <pair> is a digest of the pipeline and the
 * trigger apart: names may hold hyphens, so Pipeline "deploy" with trigger "nightly-db" and Pipeline
 * "deploy-nightly" with trigger "db" would otherwise name their runs alike. When longer than 63
 * characters the <pipeline>-<trigger> part is cut.
 */
export function triggerRunName(pipeline: string, trigger: string, event: string): string {
  const base = `${pipeline}-${trigger}`.toLowerCase();
  const pair = createHash('sha256').update(`${pipeline}\0${trigger}`).digest('hex').slice(0, 6);
  const tail = `${event.toLowerCase()}-${pair}`;
  const whole = `${base}-${tail}`;
  if (whole.length <= maxRunNameLength) return whole;
  const room = maxRunNameLength - tail.length - 1;
  const cut = base.slice(0, Math.max(0, room)).replace(/[-.]+$/, '');
  return cut ? `${cut}-${tail}` : tail;
}

/** A scheduled time as yyyymmddhhmm in UTC (a local time can occur twice). */
export const minuteStamp = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, '');

/** A short, stable digest of an event's identity (an upstream run's uid, a webhook delivery). */
export const eventDigest = (id: string): string => createHash('sha256').update(id).digest('hex').slice(0, 10);
