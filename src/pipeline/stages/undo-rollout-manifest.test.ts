import assert from 'node:assert/strict';
import type { KubeObject } from '../../core/kube-client.ts';
import { chooseRevision, rollbackTemplate, type Revision } from './undo-rollout-manifest.ts';

const rs = (revision: number): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name: `web-${revision}`, annotations: { 'deployment.kubernetes.io/revision': String(revision) } } } as KubeObject);
const revision = (n: number): Revision => ({ name: `web-${n}`, revision: n });
const name = (x: Revision | string) => (typeof x === 'string' ? x : x.name);

describe('undoRolloutManifest', () => {
  const sets = [revision(1), revision(4), revision(2), revision(5)];

  it('goes back numRevisionsBack below the current revision, or to the revision named', () => {
    const cases: [{ numRevisionsBack?: number; revision?: number }, string][] = [
      [{}, 'web-4'], [{ numRevisionsBack: 1 }, 'web-4'], [{ numRevisionsBack: 3 }, 'web-1'], [{ revision: 2 }, 'web-2'],
      [{ numRevisionsBack: 4 }, 'it has no revision 4 back from revision 5 (it has revisions 1, 2, 4, 5; older ones are kept only up to spec.revisionHistoryLimit)'],
      [{ revision: 3 }, 'it has no revision 3 (it has revisions 1, 2, 4, 5; older ones are kept only up to spec.revisionHistoryLimit)'],
      [{ revision: 5 }, 'revision 5 is the current one (it has revisions 1, 2, 4, 5)']];
    for (const [want, expected] of cases) assert.equal(name(chooseRevision(sets, 5, want)), expected, JSON.stringify(want));
    assert.equal(name(chooseRevision([revision(1)], 1, {})), 'it has no revision 1 back from revision 1 (it has revisions 1; older ones are kept only up to spec.revisionHistoryLimit)');
  });

  it('copies the pod template without the pod-template-hash label', () => {
    const got = rollbackTemplate({ ...rs(1), spec: { template: { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [] } } } } as KubeObject);
    assert.deepEqual(got, { metadata: { labels: { app: 'web' } }, spec: { containers: [] } });
  });
});
