import assert from 'node:assert/strict';
import type { KubeObject } from '../../../core/kube-client.ts';
import { jobCompletion } from './jobs.ts';

const job = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { completions: 2 }, status } as KubeObject);

describe('Job completion', () => {
  it('is Complete only on the Complete condition, Failed on the Failed one, and Running however healthy before', () => {
    assert.deepEqual(jobCompletion(job({ startTime: 't', active: 1, succeeded: 1 })), { state: 'Running', message: 'succeeded: 1/2, active: 1, failed: 0' });
    assert.deepEqual(jobCompletion(job({})), { state: 'Running', message: 'succeeded: 0/2, active: 0, failed: 0' });
    assert.deepEqual(jobCompletion(job({ succeeded: 2, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] })),
      { state: 'Complete' });
    assert.deepEqual(jobCompletion(job({ failed: 1, conditions: [{ type: 'Failed', status: 'True', message: 'Job has reached the specified backoff limit' }] })),
      { state: 'Failed', message: 'Job has reached the specified backoff limit (succeeded: 0/2, active: 0, failed: 1)' });
    assert.equal(jobCompletion(job({ conditions: [{ type: 'Complete', status: 'False' }] })).state, 'Running');
  });
});
