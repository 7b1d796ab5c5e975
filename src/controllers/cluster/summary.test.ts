import assert from 'node:assert/strict';
import type { ObservedServerGroup, RolloutRecord } from '../../strategies/types.ts';
import { progressOf, readyCondition } from './summary.ts';

const g = (name: string, healthy: number, extra: Partial<ObservedServerGroup> = {}): ObservedServerGroup =>
  ({ name, sequence: 0, createdAt: '', enabled: true, capacity: { min: 2, max: 2, desired: 2 }, healthy, templateHash: 'h', ...extra });
const rollout = (phase: RolloutRecord['phase'], message?: string): RolloutRecord => ({ phase, revision: 2, templateHash: 'h', ...(message ? { message } : {}) });

describe('the Cluster\'s Ready condition', () => {
  it('says whether the active server group serves, and when it is not the template or a new one cannot come up, why', () => {
    const rolledBack = 'rolled back to shop-v000 on request undo-1; the template (web=shop:2) is not deployed: to deploy it again, run kubectl staysail retry shop';
    const cases: [Parameters<typeof readyCondition>[0], string, string, string][] = [
      [{ active: g('shop-v001', 2), needed: 2, rollout: rollout('Succeeded', 'shop-v001 is live') }, 'True', 'Serving', 'shop-v001 serves with 2 of 2 instances healthy'],
      [{ active: g('shop-v000', 2), needed: 2, rollout: rollout('RolledBack', rolledBack) }, 'True', 'Serving', `shop-v000 serves with 2 of 2 instances healthy; ${rolledBack}`],
      [{ active: g('shop-v000', 2), needed: 2, rollout: rollout('Progressing', 'waiting'), rolling: g('shop-v001', 0, { problem: { message: 'cannot reach the provider: ECONNREFUSED', permanent: false } }) },
        'True', 'Serving', 'shop-v000 serves with 2 of 2 instances healthy; shop-v001 is not coming up: cannot reach the provider: ECONNREFUSED'],
      [{ active: g('shop-v000', 1, { capacity: { min: 1, max: 1, desired: 1 } }), needed: 1, rollout: rollout('Succeeded') }, 'True', 'Serving', 'shop-v000 serves with 1 of 1 instance healthy'],
      [{ active: g('shop-v000', 1, { problem: { message: 'the provider is throttling requests', permanent: false } }), needed: 2, rollout: rollout('Succeeded') },
        'False', 'Unhealthy', 'shop-v000 has 1 of 2 instances healthy; the provider is throttling requests'],
      [{ needed: 0, rollout: rollout('Progressing') }, 'False', 'NoActiveServerGroup', 'no server group is enabled yet'],
      [{ needed: 0, rollout: rollout('Failed', 'shop-v000 failed: ReplicaSet.apps "shop-v000" is invalid'), rolling: g('shop-v000', 0, { problem: { message: 'invalid', permanent: true } }) },
        'False', 'NoActiveServerGroup', 'no server group is enabled yet; shop-v000 failed: ReplicaSet.apps "shop-v000" is invalid'],
    ];
    for (const [facts, status, reason, message] of cases) {
      assert.deepEqual(readyCondition(facts), { type: 'Ready', status, reason, message });
    }
  });
});

describe('what kstatus reads of a Cluster (Reconciling, Stalled)', () => {
  it('is Reconciling while work goes on, Stalled after a rollout failed or rolled back on its own, neither once done', () => {
    const rolledBack = 'rolled back to shop-v000: shop-v001 has 0 of 2 healthy instances needed after 5s; the template is not deployed';
    const cases: [Parameters<typeof progressOf>[0], ReturnType<typeof progressOf>][] = [
      [{ rollout: rollout('Progressing', 'creating shop-v001'), kind: 'rollout', resized: true },
        { reconciling: { reason: 'RollingOut', message: 'rollout 2: creating shop-v001' } }],
      [{ rollout: rollout('Analyzing', 'interval 1 of 3'), kind: 'rollout', resized: false },
        { reconciling: { reason: 'Analyzing', message: 'rollout 2: interval 1 of 3' } }],
      [{ rollout: rollout('Progressing', 'rolling back: shop-v001 has 0 of 2 healthy instances'), kind: 'rollback', resized: true },
        { reconciling: { reason: 'RollingBack', message: 'rollout 2: rolling back: shop-v001 has 0 of 2 healthy instances' } }],
      [{ rollout: rollout('RolledBack', rolledBack), kind: 'rollback', resized: false }, { stalled: { reason: 'RolledBack', message: `rollout 2: ${rolledBack}` } }],
      [{ rollout: rollout('Failed', 'shop-v001 failed'), kind: 'rollout', resized: false }, { stalled: { reason: 'RolloutFailed', message: 'rollout 2: shop-v001 failed' } }],
      // A failure outweighs a server group still settling.
      [{ rollout: rollout('Failed', 'shop-v001 failed'), kind: 'rollout', resized: false, liveSettling: 'scaling' },
        { stalled: { reason: 'RolloutFailed', message: 'rollout 2: shop-v001 failed' } }],
      [{ rollout: rollout('RolledBack', 'rolled back to shop-v000 on request undo-1'), kind: 'manual rollback', resized: false }, {}],
      [{ rollout: rollout('Succeeded', 'shop-v001 is live'), kind: 'rollout', resized: false }, {}],
      [{ rollout: { ...rollout('Succeeded'), newServerGroup: 'shop-v001' }, kind: 'rollout', resized: true },
        { reconciling: { reason: 'Scaling', message: 'resizing shop-v001' } }],
      [{ rollout: rollout('Succeeded'), kind: 'rollout', resized: false, liveSettling: 'ServerGroup "shop-v001": 2 of 4 instances healthy' },
        { reconciling: { reason: 'Scaling', message: 'ServerGroup "shop-v001": 2 of 4 instances healthy' } }],
    ];
    for (const [facts, want] of cases) assert.deepEqual(progressOf(facts), want, JSON.stringify(facts));
  });
});
