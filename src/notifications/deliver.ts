// Sending what passes planned, at least once and never again after it succeeded: a pending delivery
// is tried when due; one that fails is tried again after a back-off (10 s, doubling) and given up
// after maxAttempts, which the run's Notified condition reports without failing the run. The list in
// status keeps every pending delivery and only the last of the sent and failed ones.
import type { ConditionUpdate } from '../core/conditions.ts';
import type { DeliveryRecord, Notifier, NotifierIO } from './types.ts';

export const maxAttempts = 5;
export const firstRetryMs = 10_000;
/** How many sent, and how many failed, deliveries a run keeps in status (the pending ones are all kept). */
export const keptDone = 20;

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether a delivery is to be tried now. */
export const isDue = (d: DeliveryRecord, now: number): boolean =>
  d.state === 'pending' && (d.nextAttemptTime === undefined || Date.parse(d.nextAttemptTime) <= now);

/** The delivery after an attempt: sent, or failed with the next attempt's time, or given up. */
export function afterAttempt(d: DeliveryRecord, error: string | undefined, now: number): DeliveryRecord {
  const { nextAttemptTime: _n, lastError: _e, ...rest } = d;
  const attempts = d.attempts + 1;
  if (error === undefined) return { ...rest, state: 'sent', attempts, sentTime: iso(now) };
  if (attempts >= maxAttempts) return { ...rest, state: 'failed', attempts, lastError: error };
  return { ...rest, state: 'pending', attempts, nextAttemptTime: iso(now + firstRetryMs * 2 ** (attempts - 1)), lastError: error };
}

/** The list kept: every pending delivery, the last keptDone sent and the last keptDone failed, in their order. */
export function boundDeliveries(list: DeliveryRecord[]): DeliveryRecord[] {
  const keep = new Set<DeliveryRecord>(list.filter((d) => d.state === 'pending'));
  for (const state of ['sent', 'failed'] as const) for (const d of list.filter((x) => x.state === state).slice(-keptDone)) keep.add(d);
  return list.filter((d) => keep.has(d));
}

/** How long until the next pending delivery is due (0: now); undefined when none is pending. */
export function nextDueMs(list: readonly DeliveryRecord[] | undefined, now: number): number | undefined {
  const due = (list ?? []).filter((d) => d.state === 'pending').map((d) => (d.nextAttemptTime ? Date.parse(d.nextAttemptTime) - now : 0));
  return due.length === 0 ? undefined : Math.max(0, Math.min(...due));
}

/** The Notified condition: False naming the last delivery that gave up, True once deliveries were sent and none did; none before. */
export function notifiedCondition(list: readonly DeliveryRecord[] | undefined): ConditionUpdate | undefined {
  const failed = (list ?? []).filter((d) => d.state === 'failed').at(-1);
  if (failed) {
    return { type: 'Notified', status: 'False', reason: 'DeliveryFailed',
      message: `${failed.channel} notification ${failed.notification} of ${failed.event} was not delivered after ${failed.attempts} attempts: `
        + `${failed.lastError ?? 'unknown error'}; fix its address or Secret (the run itself goes on)` };
  }
  const sent = (list ?? []).filter((d) => d.state === 'sent').length;
  return sent > 0 ? { type: 'Notified', status: 'True', reason: 'Delivered', message: 'every notification of the run so far was delivered' } : undefined;
}

/** Sends each due delivery through its channel's notifier; returns the list with what each attempt gave. */
export async function sendDue(list: DeliveryRecord[], notifiers: ReadonlyMap<string, Notifier>, io: NotifierIO,
  only: (d: DeliveryRecord) => boolean = () => true): Promise<DeliveryRecord[]> {
  const now = io.now();
  return Promise.all(list.map(async (d) => {
    if (!isDue(d, now) || !only(d)) return d;
    const notifier = notifiers.get(d.channel);
    if (!notifier) return afterAttempt(d, `no notifier for channel ${d.channel}`, now);
    try {
      await notifier.send(d, io);
      return afterAttempt(d, undefined, io.now());
    } catch (err) {
      return afterAttempt(d, (err as Error).message, io.now());
    }
  }));
}
