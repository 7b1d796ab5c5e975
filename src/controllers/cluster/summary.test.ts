import assert from 'node:assert/strict';
import type { ObservedServerGroup, RolloutRecord } from '../../strategies/types.ts';
import { readyCondition } from './summary.ts';

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
