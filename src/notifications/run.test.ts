import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import type { KubeClient } from '../core/kube-client.ts';
import { sendBudgetMs } from './deliver.ts';
import { notificationsDueMs, outPollMs, sendDueNotifications, type RunNotificationDeps } from './run.ts';
import type { DeliveryRecord, Notifier } from './types.ts';

const t0 = Date.UTC(2026, 0, 1);
const d = (id: string, extra: Partial<DeliveryRecord> = {}): DeliveryRecord =>
  ({ id, channel: 'webhook', event: 'pipeline.failed', notification: 'Pipeline "p" spec.notifications[0]', state: 'pending', attempts: 0, message: {}, ...extra });

/** A pass's context over a stored run: status starts as a copy of what is stored, as the skeleton makes it. */
function pass(stored: DeliveryRecord[], clock: ManualClock) {
  const obj = { apiVersion: 'staysail.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'r', namespace: 'ns', uid: 'u1' }, status: { notifications: stored } };
  const ctx = { obj, status: structuredClone(obj.status), clock, setCondition: () => {}, recordEvent: () => {} };
  return ctx as unknown as Parameters<typeof sendDueNotifications>[0];
}

/** A webhook notifier that answers each send when told; counts the sends of each id. */
function heldNotifier() {
  const sends = new Map<string, number>();
  const answer: (() => void)[] = [];
  const notifier: Notifier = { channel: 'webhook', send: (x) => new Promise<void>((resolve) => { sends.set(x.id, (sends.get(x.id) ?? 0) + 1); answer.push(resolve); }) };
  return { sends, answer, notifiers: new Map([['webhook', notifier]]) };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('a run\'s sends across passes', () => {
  it('a delivery sent in a pass whose status write was refused is recorded sent by the next pass, not sent again', async () => {
    const clock = new ManualClock(t0);
    const n = heldNotifier();
    const deps: RunNotificationDeps = { client: {} as KubeClient, notifiers: n.notifiers };
    const stored = [d('a')];
    const first = pass(stored, clock);
    const sending = sendDueNotifications(first, deps);
    await tick();
    n.answer.shift()!();
    await sending;
    assert.equal(first.status.notifications![0]!.state, 'sent');
    // The write of first.status is refused (409): the next pass starts again from the stored run.
    const second = pass(stored, clock);
    await sendDueNotifications(second, deps);
    assert.deepEqual(second.status.notifications!.map((x) => [x.id, x.state, x.attempts]), [['a', 'sent', 1]]);
    assert.equal(n.sends.get('a'), 1);
    assert.equal(notificationsDueMs(second, deps), undefined);
  });

  it('a send not answered within the budget is left pending, not started again while it is out, and its result is recorded when it comes', async () => {
    const clock = new ManualClock(t0);
    const n = heldNotifier();
    const deps: RunNotificationDeps = { client: {} as KubeClient, notifiers: n.notifiers };
    const stored = [d('slow')];
    const first = pass(stored, clock);
    const sending = sendDueNotifications(first, deps);
    await tick();
    clock.advance(sendBudgetMs);
    await sending;
    assert.deepEqual(first.status.notifications!.map((x) => [x.state, x.attempts]), [['pending', 0]]);
    assert.equal(notificationsDueMs(first, deps), outPollMs, 'looked at again soon, not at once');
    await sendDueNotifications(pass(stored, clock), deps);
    assert.equal(n.sends.get('slow'), 1, 'not sent twice at once');
    n.answer.shift()!();
    await tick();
    const third = pass(stored, clock);
    await sendDueNotifications(third, deps);
    assert.deepEqual(third.status.notifications!.map((x) => [x.state, x.attempts]), [['sent', 1]]);
    assert.equal(n.sends.get('slow'), 1);
  });
});
