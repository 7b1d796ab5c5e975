import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KubeObject } from '../../../core/kube-client.ts';
import { contentHash, familyKey, isVersioned, planPrune, planVersions, type VersionFacts } from './versioning.ts';

const configMap = (name: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(annotations ? { annotations } : {}) }, data } as KubeObject);
const secret = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { token: 't' } } as KubeObject);
const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: {
  selector: { matchLabels: { app: 'web' } },
  template: { metadata: { labels: { app: 'web' } }, spec: {
    imagePullSecrets: [{ name: 'registry' }],
    volumes: [{ name: 'config', configMap: { name: 'web-config' } }, { name: 'other', configMap: { name: 'not-deployed-here' } },
      { name: 'all', projected: { sources: [{ configMap: { name: 'web-config' } }, { secret: { name: 'web-secret' } }] } },
      { name: 'creds', secret: { secretName: 'web-secret' } }],
    initContainers: [{ name: 'init', image: 'busybox', envFrom: [{ configMapRef: { name: 'web-config' } }] }],
    containers: [{ name: 'web', image: 'shop/web:v1', envFrom: [{ secretRef: { name: 'web-secret' } }],
      env: [{ name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'color' } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'token' } } }, { name: 'PLAIN', value: 'x' }] }] } } } } as KubeObject;

/** An existing version as the API server holds it, made from manifest m by an earlier deploy. */
const stored = (m: KubeObject, facts: VersionFacts = { existing: {} }) => planVersions([m], facts).manifests[0]!;

describe('manifest versioning', () => {
  it('versions ConfigMaps, Secrets and bare ReplicaSets, and honours the annotation either way', () => {
    assert.equal(isVersioned(configMap('a', {})), true);
    assert.equal(isVersioned(secret('a')), true);
    assert.equal(isVersioned(deployment), false);
    assert.equal(isVersioned(configMap('a', {}, { 'strategy.staysail.dev/versioned': 'false' })), false);
    assert.equal(isVersioned({ ...deployment, metadata: { name: 'web', annotations: { 'strategy.staysail.dev/versioned': 'true' } } }), true);
    assert.equal(isVersioned({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'x', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u' }] } }), false,
      'a ReplicaSet a Deployment owns is not a bare one');
  });

  it('hashes content, not the name or key order', () => {
    assert.equal(contentHash(configMap('a', { x: '1', y: '2' })), contentHash({ ...configMap('b', { y: '2', x: '1' }) }));
    assert.notEqual(contentHash(configMap('a', { x: '1' })), contentHash(configMap('a', { x: '2' })));
  });

  it('deploys new, changed and unchanged manifests as the golden file says', () => {
    const first = planVersions([configMap('web-config', { color: 'blue' }), secret('web-secret'), secret('registry'), deployment], { existing: {} });
    const v0 = first.manifests.filter((m) => m.kind !== 'Deployment');
    const existing = (kind: string, base: string) => v0.filter((m) => m.kind === kind && m.metadata.labels?.['artifact.staysail.dev/name'] === base);
    const facts: VersionFacts = { existing: { [familyKey('ConfigMap', undefined, 'web-config')]: existing('ConfigMap', 'web-config'),
      [familyKey('Secret', undefined, 'web-secret')]: existing('Secret', 'web-secret'), [familyKey('Secret', undefined, 'registry')]: existing('Secret', 'registry') } };
    const second = planVersions([configMap('web-config', { color: 'green' }), secret('web-secret'), secret('registry'), deployment], facts);
    const text = stringify({ first, second }, { aliasDuplicateObjects: false });
    const golden = new URL('../../../../test/golden/manifests/versioning.yaml', import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'), 'run UPDATE_GOLDEN=1 npm run test:unit to accept a deliberate change');
    assert.deepEqual(second.versions.map((v) => `${v.name}${v.reused ? ' (reused)' : ''}`),
      ['web-config-v001', 'web-secret-v000 (reused)', 'registry-v000 (reused)']);
  });

  it('reuses an older version of the same content rather than making a new one', () => {
    const blue = stored(configMap('c', { color: 'blue' }));
    const green = stored(configMap('c', { color: 'green' }), { existing: { [familyKey('ConfigMap', undefined, 'c')]: [blue] } });
    const plan = planVersions([configMap('c', { color: 'blue' })], { existing: { [familyKey('ConfigMap', undefined, 'c')]: [blue, green] } });
    assert.equal(green.metadata.name, 'c-v001');
    assert.deepEqual(plan.versions.map((v) => [v.name, v.reused]), [['c-v000', true]]);
  });

  it('keeps a version already chosen (a stage resumed after applying), whatever now exists', () => {
    const v1 = stored(configMap('c', { color: 'green' }), { existing: {}, chosen: { [familyKey('ConfigMap', undefined, 'c')]: 1 } });
    const plan = planVersions([configMap('c', { color: 'green' })], { existing: { [familyKey('ConfigMap', undefined, 'c')]: [v1] },
      chosen: { [familyKey('ConfigMap', undefined, 'c')]: 1 } });
    assert.deepEqual(plan.versions.map((v) => v.name), ['c-v001']);
    assert.equal(plan.manifests[0]!.metadata.name, 'c-v001');
  });

  it('versions a bare ReplicaSet after rewriting it, so a new ConfigMap version makes a new ReplicaSet version', () => {
    const rs = (): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'worker' },
      spec: { template: { spec: { volumes: [{ name: 'c', configMap: { name: 'c' } }], containers: [{ name: 'w', image: 'w' }] } } } } as KubeObject);
    const one = planVersions([configMap('c', { a: '1' }), rs()], { existing: {} });
    const facts = (plan: typeof one): VersionFacts => ({ existing: Object.fromEntries(plan.versions.map((v, i) => [familyKey(v.kind, undefined, v.baseName), [plan.manifests[i]!]])) });
    const same = planVersions([configMap('c', { a: '1' }), rs()], facts(one));
    const changed = planVersions([configMap('c', { a: '2' }), rs()], facts(one));
    assert.deepEqual(same.versions.map((v) => [v.name, v.reused]), [['c-v000', true], ['worker-v000', true]]);
    assert.deepEqual(changed.versions.map((v) => [v.name, v.reused]), [['c-v001', false], ['worker-v001', false]]);
    assert.equal((changed.manifests[1]!.spec as { template: { spec: { volumes: { configMap: { name: string } }[] } } }).template.spec.volumes[0]!.configMap.name, 'c-v001');
  });

  it('rewrites a pod spec\'s references to the versions deployed in its own namespace only', () => {
    const inNs = (m: KubeObject, namespace: string): KubeObject => ({ ...m, metadata: { ...m.metadata, namespace } });
    const older = stored(inNs(configMap('cfg', { n: 'old' }), 'b'));
    const user = (namespace: string) => inNs({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { template: { spec: { volumes: [{ name: 'c', configMap: { name: 'cfg' } }], containers: [{ name: 'w', image: 'w' }] } } } } as KubeObject, namespace);
    const volume = (m: KubeObject) => (m.spec as { template: { spec: { volumes: { configMap: { name: string } }[] } } }).template.spec.volumes[0]!.configMap.name;
    const plan = planVersions([inNs(configMap('cfg', { n: 'a' }), 'a'), inNs(configMap('cfg', { n: 'b' }), 'b'), user('a'), user('b'), user('c')],
      { existing: { [familyKey('ConfigMap', 'b', 'cfg')]: [older] } });
    assert.deepEqual(plan.versions.map((v) => `${v.namespace}/${v.name}`), ['a/cfg-v000', 'b/cfg-v001']);
    assert.deepEqual(plan.manifests.slice(2).map(volume), ['cfg-v000', 'cfg-v001', 'cfg'], 'namespace c deployed no cfg');
  });

  it('deploys under its own name with skipVersioning or the opt-out annotation', () => {
    assert.equal(planVersions([configMap('c', {})], { existing: {} }, { skipVersioning: true }).manifests[0]!.metadata.name, 'c');
    const plan = planVersions([configMap('c', {}, { 'strategy.staysail.dev/versioned': 'false' }), deployment], { existing: {} });
    assert.equal(plan.manifests[0]!.metadata.name, 'c');
    assert.deepEqual(plan.versions, []);
  });

  it('prunes all but maxVersionHistory versions of each family deployed, never the one deployed, and keeps all without it', () => {
    const family = [0, 1, 2, 3].map((n) => stored(configMap('c', { n: String(n) }), { existing: {}, chosen: { [familyKey('ConfigMap', undefined, 'c')]: n } }));
    const existing = { [familyKey('ConfigMap', undefined, 'c')]: family };
    const deployed = [{ kind: 'ConfigMap', baseName: 'c', name: 'c-v003', sequence: 3, reused: false }];
    assert.deepEqual(planPrune(deployed, existing, 2).map((d) => d.object.metadata.name), ['c-v001', 'c-v000']);
    assert.deepEqual(planPrune(deployed, existing, 1).map((d) => d.object.metadata.name), ['c-v002', 'c-v001', 'c-v000']);
    assert.deepEqual(planPrune(deployed, existing, undefined), []);
    const reusedOld = [{ kind: 'ConfigMap', baseName: 'c', name: 'c-v000', sequence: 0, reused: true }];
    assert.deepEqual(planPrune(reusedOld, existing, 2).map((d) => d.object.metadata.name), [], 'versions above the one deployed are a newer run\'s');
  });

  it('never prunes a version above the one deployed (a newer run\'s), nor the deployed one', () => {
    const family = [0, 1, 2, 3, 4].map((n) => stored(configMap('c', { n: String(n) }), { existing: {}, chosen: { [familyKey('ConfigMap', undefined, 'c')]: n } }));
    const existing = { [familyKey('ConfigMap', undefined, 'c')]: family };
    const deployed = [{ kind: 'ConfigMap', baseName: 'c', name: 'c-v002', sequence: 2, reused: false }];
    assert.deepEqual(planPrune(deployed, existing, 1).map((d) => d.object.metadata.name), ['c-v001', 'c-v000']);
    assert.deepEqual(planPrune(deployed, existing, 2).map((d) => d.object.metadata.name), ['c-v000']);
  });
});
