// Sending what passes planned, at least once and never again after it succeeded: a pending delivery
// is tried when due; one that fails is tried again after a back-off (10 s, doubling) and given up
// after maxAttempts, which the run's Notified condition reports without failing the run. The list in
// status keeps at most maxPending pending deliveries (past that the oldest are dropped as failed, so a
// dead receiver cannot grow the run past what its status may hold) and only the last of the sent and
// failed ones. A pass sends at most sendParallel at a time and waits for them at most sendBudgetMs.
import type { Clock } from '../core/clock.ts';
import type { ConditionUpdate } from '../core/conditions.ts';
import type { DeliveryRecord, Notifier, NotifierIO } from './types.ts';

export const maxAttempts = 5;
export const firstRetryMs = 10_000;
/** How many sent, and how many failed, deliveries a run keeps in status. */
export const keptDone = 20;
/** How many pending deliveries a run keeps in status; past it the oldest are marked failed with droppedError. */
export const maxPending = 100;
export const droppedError = 'dropped: too many deliveries pending';
/** How long a pass waits for its sends before the run's own work goes on; what is not done by then stays pending. */
export const sendBudgetMs = 5_000;
/** How many deliveries a pass sends at once. */
export const sendParallel = 4;

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

/** The list kept, in its order: the last maxPending pending deliveries (older ones become failed, dropped), the last keptDone sent and failed. */
export function boundDeliveries(given: DeliveryRecord[]): DeliveryRecord[] {
  const pending = given.filter((d) => d.state === 'pending');
  const dropped = new Set(pending.slice(0, Math.max(0, pending.length - maxPending)));
  const list = given.map((d): DeliveryRecord => {
    if (!dropped.has(d)) return d;
    const { nextAttemptTime: _n, ...rest } = d;
    return { ...rest, state: 'failed', lastError: droppedError };
  });
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
    const what = `${failed.channel} notification ${failed.notification} of ${failed.event}`;
    const message = failed.lastError === droppedError
      ? `${what} was dropped unsent: more than ${maxPending} deliveries of the run were pending; fix the address or Secret of the notifications that keep failing (the run itself goes on)`
      : `${what} was not delivered after ${failed.attempts} attempts: ${failed.lastError ?? 'unknown error'}; fix its address or Secret (the run itself goes on)`;
    return { type: 'Notified', status: 'False', reason: 'DeliveryFailed', message };
  }
  const sent = (list ?? []).filter((d) => d.state === 'sent').length;
  return sent > 0 ? { type: 'Notified', status: 'True', reason: 'Delivered', message: 'every notification of the run so far was delivered' } : undefined;
}

export interface SendOptions {
  /** Which due deliveries to send (all by default). */
  only?: (d: DeliveryRecord) => boolean;
  /** How long to wait for the sends (sendBudgetMs): none starts after it, and one still out then is left pending and given to late. */
  budgetMs?: number;
  /** How many to send at once (sendParallel). */
  parallel?: number;
  /** The timer that ends the budget; without it the sends under way are waited for. */
  setTimer?: Clock['setTimer'];
  /** Takes each send still out when the budget ran out: the delivery as it will be after that attempt. */
  late?: (id: string, after: Promise<DeliveryRecord>) => void;
}

/** One attempt of a delivery through its channel's notifier: the delivery after it. */
async function attempt(d: DeliveryRecord, notifiers: ReadonlyMap<string, Notifier>, io: NotifierIO): Promise<DeliveryRecord> {
  const notifier = notifiers.get(d.channel);
  if (!notifier) return afterAttempt(d, `no notifier for channel ${d.channel}`, io.now());
  try {
    await notifier.send(d, io);
    return afterAttempt(d, undefined, io.now());
  } catch (err) {
    return afterAttempt(d, (err as Error).message, io.now());
  }
}

/**
 * Sends the due deliveries, sendParallel at a time, within the budget; returns the list with what
 * each finished attempt gave. Those not started, and those not answered, within the budget stay as
 * they were (pending and due), so the caller comes back soon and the run's work does not wait.
 */
export async function sendDue(list: DeliveryRecord[], notifiers: ReadonlyMap<string, Notifier>, io: NotifierIO, opts: SendOptions = {}): Promise<DeliveryRecord[]> {
  const started = io.now();
  const budgetMs = opts.budgetMs ?? sendBudgetMs;
  const queue = list.filter((d) => isDue(d, started) && (opts.only ?? (() => true))(d));
  const done = new Map<string, DeliveryRecord>();
  const out = new Map<string, Promise<DeliveryRecord>>();
  let over = false;
  const lane = async () => {
    for (let d = queue.shift(); d && !over && io.now() - started < budgetMs; d = queue.shift()) {
      const id = d.id;
      const after = attempt(d, notifiers, io);
      out.set(id, after);
      done.set(id, await after);
      out.delete(id);
    }
  };
  const lanes = Promise.all(Array.from({ length: Math.max(1, opts.parallel ?? sendParallel) }, lane));
  let timer: { cancel(): void } | undefined;
  const budget = new Promise<void>((resolve) => { timer = opts.setTimer?.(budgetMs, resolve); });
  await Promise.race([lanes, budget]);
  over = true;
  timer?.cancel();
  for (const [id, after] of out) opts.late?.(id, after);
  return list.map((d) => done.get(d.id) ?? d);
}
