import assert from 'node:assert/strict';
import { goldenObjects } from '../../../test/golden/kstatus/objects.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { computeStatus, scheduleWindowMs } from './kstatus.ts';

// The golden objects are checked against kstatus itself in test/integration/manifests/kstatus-agrees.test.ts.

describe('kstatus', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  for (const g of goldenObjects()) {
    it(`reads ${g.case} as ${g.status}`, () => {
      const got = computeStatus(g.object, now);
      assert.equal(got.status, g.status, got.message);
      if (g.message !== undefined) assert.equal(got.message, g.message);
    });
  }

  it('gives an unschedulable pod the schedule window before it fails', () => {
    const pod = (createdAgoMs: number): KubeObject => ({ apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', creationTimestamp: new Date(now - createdAgoMs).toISOString() },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no node' }] } });
    assert.equal(computeStatus(pod(scheduleWindowMs - 1000), now).status, 'InProgress');
    assert.deepEqual(computeStatus(pod(scheduleWindowMs + 1000), now), { status: 'Failed', message: 'Pod could not be scheduled: no node' });
  });

  it('takes a Deployment without progressDeadlineSeconds as progressing, and one with it only once its new ReplicaSet is available', () => {
    const d = (spec: Record<string, unknown>, reason?: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', generation: 1 }, spec: { replicas: 1, ...spec },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1,
        conditions: [{ type: 'Available', status: 'True' }, ...(reason ? [{ type: 'Progressing', status: 'True', reason }] : [])] } });
    assert.equal(computeStatus(d({}), now).status, 'Current');
    assert.deepEqual(computeStatus(d({ progressDeadlineSeconds: 60 }, 'ReplicaSetUpdated'), now), { status: 'InProgress', message: 'ReplicaSet not Available' });
    assert.equal(computeStatus(d({ progressDeadlineSeconds: 60 }, 'NewReplicaSetAvailable'), now).status, 'Current');
  });
});
