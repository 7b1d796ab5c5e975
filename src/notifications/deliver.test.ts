import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { afterAttempt, boundDeliveries, droppedError, keptDone, maxAttempts, maxPending, nextDueMs, notifiedCondition, sendBudgetMs, sendDue } from './deliver.ts';
import type { DeliveryRecord, Notifier, NotifierIO } from './types.ts';

const t0 = Date.UTC(2026, 0, 1);
const d = (id: string, extra: Partial<DeliveryRecord> = {}): DeliveryRecord =>
  ({ id, channel: 'webhook', event: 'pipeline.failed', notification: 'Pipeline "p" spec.notifications[0]', state: 'pending', attempts: 0, message: {}, ...extra });

describe('delivery bookkeeping', () => {
  it('a failing delivery is retried after 10 s, doubling, and given up after 5 attempts; a success is sent once', () => {
    let x = d('a');
    const waits: number[] = [];
    for (let i = 1; i < maxAttempts; i++) {
      x = afterAttempt(x, 'answered 500', t0);
      assert.equal(x.state, 'pending');
      waits.push(Date.parse(x.nextAttemptTime!) - t0);
    }
    assert.deepEqual(waits, [10_000, 20_000, 40_000, 80_000]);
    const gaveUp = afterAttempt(x, 'answered 500', t0);
    assert.deepEqual({ state: gaveUp.state, attempts: gaveUp.attempts, lastError: gaveUp.lastError, next: gaveUp.nextAttemptTime },
      { state: 'failed', attempts: 5, lastError: 'answered 500', next: undefined });
    const sent = afterAttempt(x, undefined, t0);
    assert.deepEqual({ state: sent.state, attempts: sent.attempts, sentTime: sent.sentTime, lastError: sent.lastError }, { state: 'sent', attempts: 5, sentTime: new Date(t0).toISOString(), lastError: undefined });
  });

  it('keeps the pending deliveries (fewer than maxPending here) and the last sent and failed ones, in order', () => {
    const list = [...Array.from({ length: keptDone + 3 }, (_, i) => d(`s${i}`, { state: 'sent' })), d('p1'), d('f1', { state: 'failed' }), d('p2')];
    const kept = boundDeliveries(list).map((x) => x.id);
    assert.equal(kept.length, keptDone + 3);
    assert.deepEqual(kept.slice(0, 2), ['s3', 's4']);
    assert.deepEqual(kept.slice(-3), ['p1', 'f1', 'p2']);
  });

  it('the next pass is due now for a new delivery, after its back-off for a retry, never when none is pending', () => {
    assert.equal(nextDueMs([d('a', { state: 'sent' })], t0), undefined);
    assert.equal(nextDueMs(undefined, t0), undefined);
    assert.equal(nextDueMs([d('a', { nextAttemptTime: new Date(t0 + 20_000).toISOString() })], t0), 20_000);
    assert.equal(nextDueMs([d('a', { nextAttemptTime: new Date(t0 + 20_000).toISOString() }), d('b')], t0), 0);
    assert.equal(nextDueMs([d('a', { nextAttemptTime: new Date(t0 - 5).toISOString() })], t0), 0);
  });

  it('Notified is False naming the channel, notification and error of one that gave up, True once sent, absent before', () => {
    assert.equal(notifiedCondition([d('a')]), undefined);
    assert.equal(notifiedCondition([d('a', { state: 'sent' })])?.status, 'True');
    const c = notifiedCondition([d('a', { state: 'sent' }), d('b', { state: 'failed', attempts: 5, lastError: 'webhook h answered 503' })]);
    assert.deepEqual({ status: c?.status, reason: c?.reason }, { status: 'False', reason: 'DeliveryFailed' });
    assert.match(c!.message, /^webhook notification Pipeline "p" spec\.notifications\[0\] of pipeline\.failed was not delivered after 5 attempts: webhook h answered 503; fix/);
  });

  it('sends what is due, records each result, and leaves what is not due or already sent alone', async () => {
    const sent: string[] = [];
    const notifier: Notifier = { channel: 'webhook', async send(x) { sent.push(x.id); if (x.id === 'bad') throw new Error('refused'); } };
    const io = { now: () => t0 } as NotifierIO;
    const later = new Date(t0 + 1000).toISOString();
    const out = await sendDue([d('new'), d('bad'), d('later', { nextAttemptTime: later }), d('done', { state: 'sent', attempts: 1 })], new Map([['webhook', notifier]]), io);
    assert.deepEqual(sent.sort(), ['bad', 'new']);
    assert.deepEqual(out.map((x) => [x.id, x.state, x.attempts, x.lastError]),
      [['new', 'sent', 1, undefined], ['bad', 'pending', 1, 'refused'], ['later', 'pending', 0, undefined], ['done', 'sent', 1, undefined]]);
  });

  it('keeps at most maxPending pending deliveries: the oldest past it are failed as dropped, and Notified says so', () => {
    const list = [d('s0', { state: 'sent' }), ...Array.from({ length: maxPending + 3 }, (_, i) => d(`p${i}`, { attempts: 1, nextAttemptTime: new Date(t0).toISOString() }))];
    const kept = boundDeliveries(list);
    assert.equal(kept.filter((x) => x.state === 'pending').length, maxPending);
    assert.deepEqual(kept.filter((x) => x.state === 'failed').map((x) => [x.id, x.lastError, x.nextAttemptTime]),
      [['p0', droppedError, undefined], ['p1', droppedError, undefined], ['p2', droppedError, undefined]]);
    assert.equal(kept.find((x) => x.state === 'pending')?.id, 'p3');
    assert.equal(boundDeliveries(kept).filter((x) => x.state === 'failed').length, 3, 'bounding again drops nothing more');
    const c = notifiedCondition(kept);
    assert.equal(c?.reason, 'DeliveryFailed');
    assert.match(c!.message, /spec\.notifications\[0\] of pipeline\.failed was dropped unsent: more than 100 deliveries of the run were pending; fix/);
  });

  it('sends a few at once, starts none once the budget is spent, and returns at the budget leaving what was not answered pending', async () => {
    const clock = new ManualClock(t0);
    const started: string[] = [];
    const answer = new Map<string, () => void>();
    let most = 0;
    const notifier: Notifier = { channel: 'webhook', send: (x) => new Promise<void>((resolve) => {
      started.push(x.id);
      answer.set(x.id, () => { answer.delete(x.id); resolve(); });
      most = Math.max(most, answer.size);
    }) };
    const tick = () => new Promise((r) => setImmediate(r));
    const late = new Map<string, Promise<DeliveryRecord>>();
    let returned = false;
    const pass = sendDue(['a', 'b', 'c', 'd', 'e'].map((id) => d(id)), new Map([['webhook', notifier]]), { now: () => clock.now() } as NotifierIO,
      { parallel: 2, setTimer: (ms, fn) => clock.setTimer(ms, fn), late: (id, after) => late.set(id, after) }).finally(() => { returned = true; });
    await tick();
    assert.deepEqual(started, ['a', 'b']);
    clock.advance(1000);
    answer.get('a')!();
    await tick();
    assert.deepEqual(started, ['a', 'b', 'c']);
    clock.advance(sendBudgetMs - 1001);
    await tick();
    assert.equal(returned, false);
    clock.advance(1); // b and c never answer: the pass goes on at the budget
    const out = await pass;
    assert.deepEqual(out.map((x) => [x.id, x.state, x.attempts]), [['a', 'sent', 1], ['b', 'pending', 0], ['c', 'pending', 0], ['d', 'pending', 0], ['e', 'pending', 0]]);
    assert.deepEqual([...late.keys()], ['b', 'c']);
    answer.get('b')!();
    answer.get('c')!();
    assert.equal((await late.get('b'))?.state, 'sent');
    await tick();
    assert.deepEqual(started, ['a', 'b', 'c'], 'nothing starts after the budget');
    assert.equal(most, 2);
  });
});
