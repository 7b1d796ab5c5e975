// The API server refuses what trafficManagement, the undo, restart, enable and disable stages, and an
// Account's manifest kinds cannot act on, naming the field and the fix (a server-side dry run).
import assert from 'node:assert/strict';
import { installCrds } from '../../support/crds.ts';
import { kubectl } from '../../support/kubectl.ts';
import { sharedCluster } from '../../support/setup.ts';

const api = 'staysail.dev/v1alpha1';
const pipeline = (stages: unknown[]) => ({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'p' }, spec: { application: 'demo', stages } });
const account = { name: 'local' };
const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web' }, spec: {} };
const deploy = (block: Record<string, unknown>) => pipeline([{ refId: 'deploy', type: 'deployManifest', deployManifest: { accountRef: account, manifests: [rs], ...block } }]);
const targeted = (type: string, kind: string, extra: Record<string, unknown> = {}) =>
  pipeline([{ refId: 's', type, [type]: { accountRef: account, target: { apiVersion: 'apps/v1', kind, name: 'web' }, ...extra } }]);
const kinds = (manifests: Record<string, unknown>) => ({ apiVersion: api, kind: 'Account', metadata: { name: 'a' }, spec: { provider: 'kubernetes', kubernetes: { manifests } } });

const cases: { name: string; doc: unknown; error: RegExp }[] = [
  { name: 'trafficManagement enabled without options', doc: deploy({ trafficManagement: { enabled: true } }),
    error: /trafficManagement\.options: Invalid value: .*trafficManagement.enabled needs options.services/ },
  { name: 'a dark deploy with a strategy', doc: deploy({ trafficManagement: { enabled: true, options: { services: ['web'], enableTraffic: false, strategy: 'redblack' } } }),
    error: /options\.strategy: Invalid value: .*a dark deploy \(enableTraffic false\) takes no traffic/ },
  { name: 'a strategy without waitForStable', doc: deploy({ waitForStable: false, trafficManagement: { enabled: true, options: { services: ['web'], strategy: 'highlander' } } }),
    error: /deployManifest\.trafficManagement: Invalid value: .*needs waitForStable true/ },
  { name: 'an unknown strategy', doc: deploy({ trafficManagement: { enabled: true, options: { services: ['web'], strategy: 'canary' } } }),
    error: /options\.strategy: Unsupported value: "canary"/ },
  { name: 'undoRolloutManifest of a ReplicaSet', doc: targeted('undoRolloutManifest', 'ReplicaSet'), error: /undoRolloutManifest rolls back a Deployment, StatefulSet or DaemonSet/ },
  { name: 'undoRolloutManifest with both numRevisionsBack and revision', doc: targeted('undoRolloutManifest', 'Deployment', { numRevisionsBack: 1, revision: 2 }),
    error: /set numRevisionsBack or revision, not both/ },
  { name: 'rollingRestartManifest of a ReplicaSet', doc: targeted('rollingRestartManifest', 'ReplicaSet'), error: /rollingRestartManifest restarts a Deployment, StatefulSet or DaemonSet/ },
  { name: 'enableManifest of a Deployment', doc: targeted('enableManifest', 'Deployment'), error: /enableManifest moves traffic of a ReplicaSet \(apiVersion apps\/v1\) only/ },
  { name: 'disableManifest of a Deployment', doc: targeted('disableManifest', 'Deployment'), error: /disableManifest moves traffic of a ReplicaSet/ },
  { name: 'an Account with a kind both allowed and omitted', doc: kinds({ kinds: ['Secret', 'ConfigMap'], omitKinds: ['Secret'] }),
    error: /manifests\.omitKinds: Invalid value: .*a kind is in both kinds and omitKinds/ },
  { name: 'an Account with a kind not spelled as a manifest spells it', doc: kinds({ kinds: ['deployments'] }), error: /use a kind as a manifest spells it/ },
];

describe('the API server on trafficManagement, the rollout and traffic stages, and an Account\'s manifest kinds', function () {
  this.timeout(60_000);
  before(() => installCrds(sharedCluster().kubeconfigPath));
  const dryRun = (doc: unknown) => kubectl(sharedCluster().kubeconfigPath, ['apply', '--server-side', '--dry-run=server', '-f', '-'], JSON.stringify(doc));

  it('accepts each stage and an Account listing kinds', async () => {
    for (const doc of [deploy({ trafficManagement: { enabled: true, options: { services: ['web'], strategy: 'bluegreen' } } }),
      deploy({ trafficManagement: { enabled: true, options: { services: ['web'], enableTraffic: false } } }),
      targeted('undoRolloutManifest', 'Deployment', { revision: 3 }), targeted('undoRolloutManifest', 'StatefulSet'), targeted('rollingRestartManifest', 'DaemonSet'), targeted('enableManifest', 'ReplicaSet'),
      targeted('disableManifest', 'ReplicaSet'), kinds({ kinds: ['ClusterRole', 'Deployment'], omitKinds: ['Secret'] })]) {
      const r = await dryRun(doc);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const r = await dryRun(c.doc);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, c.error);
    });
  }
});
