import assert from 'node:assert/strict';
import type { StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { owningRun } from './children.ts';
import { runsDeployingTo } from './deploy.ts';

type Run = KubeObject<unknown, { stages?: StageRecord[] }>;

const runWith = (name: string, namespace: string, ...stages: Partial<StageRecord>[]): Run =>
  ({ metadata: { name, namespace }, status: { stages: stages.map((s) => ({ refId: 'deploy', type: 'deploy', status: 'RUNNING', ...s }) as StageRecord) } });
const cacheOf = (runs: Run[]) => ({ list: (ns?: string) => runs.filter((r) => !ns || r.metadata.namespace === ns) }) as unknown as ObjectCache<Run>;
const cluster = (name: string, namespace = 'shop'): KubeObject => ({ metadata: { name, namespace } });

describe('runsDeployingTo', () => {
  const runs = cacheOf([
    runWith('release-1', 'shop', { state: { cluster: 'shop-prod' } }),
    runWith('release-2', 'shop', { state: { cluster: 'shop-prod' }, status: 'SUCCEEDED' }),
    runWith('release-3', 'shop', { state: { cluster: 'shop-staging' } }, { refId: 'prod', state: { cluster: 'shop-prod' } }),
    runWith('other-1', 'other', { state: { cluster: 'shop-prod' } }),
    runWith('job-1', 'shop', { type: 'runJob', state: { cluster: 'shop-prod' } }),
    runWith('idle-1', 'shop'),
  ]);
  const cases: [string, KubeObject, string[]][] = [
    ['the runs whose running deploy stage targets the Cluster, in its namespace', cluster('shop-prod'), ['shop/release-1', 'shop/release-3']],
    ['one run per Cluster its deploy stages target', cluster('shop-staging'), ['shop/release-3']],
    ['none for a Cluster no running deploy stage targets', cluster('shop-test'), []],
  ];
  for (const [name, c, want] of cases) it(name, () => assert.deepEqual(runsDeployingTo(runs)(c), want));
});

describe('owningRun', () => {
  const owner = (kind: string, name: string, controller?: boolean) => ({ apiVersion: 'x', kind, name, uid: 'u', ...(controller === undefined ? {} : { controller }) });
  it('is the PipelineRun that controls the child', () => {
    assert.deepEqual(owningRun({ metadata: { name: 'release-1-build', namespace: 'shop', ownerReferences: [owner('PipelineRun', 'release-1', true)] } }),
      ['shop/release-1']);
  });
  it('is none for what no run controls', () => {
    assert.deepEqual(owningRun({ metadata: { name: 'j', namespace: 'shop', ownerReferences: [owner('Cluster', 'c', true), owner('PipelineRun', 'r')] } }), []);
    assert.deepEqual(owningRun({ metadata: { name: 'j', namespace: 'shop' } }), []);
  });
});
