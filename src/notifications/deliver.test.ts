import assert from 'node:assert/strict';
import { afterAttempt, boundDeliveries, keptDone, maxAttempts, nextDueMs, notifiedCondition, sendDue } from './deliver.ts';
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

  it('keeps every pending delivery and the last sent and failed ones, in order', () => {
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
});
