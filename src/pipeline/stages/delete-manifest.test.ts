// deleteManifest's decisions against an in-memory ManifestProvider (the real provider's are in
// test/integration/manifests): what it lists, what it deletes, and what it refuses.
import assert from 'node:assert/strict';
import { Value } from 'typebox/value';
import { deleteManifestBlock } from '../../api/v1alpha1/stages/delete-manifest.ts';
import type { StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import { ManualClock } from '../../core/clock.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { conflict } from '../../providers/errors.ts';
import type { ManifestProvider, ManifestRef } from '../../providers/interfaces.ts';
import { deleteManifestStage } from './delete-manifest.ts';
import type { StageOutcome, StageRun } from './stage-type.ts';

/**
 * ConfigMaps by name; list matches one label (an empty selector matches every object, as the API
 * server's); delete refuses an object with a controller, as the real provider refuses a Staysail kind's.
 */
class MemoryManifests implements ManifestProvider {
  readonly objects = new Map<string, KubeObject>();
  readonly selectors: string[] = [];
  async apply(): Promise<KubeObject[]> { throw new Error('not used'); }
  async delete(_a: unknown, _l: unknown, r: ManifestRef) {
    const writer = this.objects.get(r.name)?.metadata.ownerReferences?.find((o) => o.controller);
    if (writer) throw conflict(`ConfigMap "shop/${r.name}" is controlled by ${writer.kind} "${writer.name}", which writes it; change the ${writer.kind} instead of deleting the object`);
    this.objects.delete(r.name);
  }
  async patch(): Promise<KubeObject> { throw new Error('not used'); }
  async scale() { throw new Error('not used'); }
  async status(): Promise<never> { throw new Error('not used'); }
  async read(_a: unknown, _l: unknown, r: ManifestRef) { return this.objects.get(r.name); }
  async list(_a: unknown, _l: unknown, _k: unknown, selector: string) {
    this.selectors.push(selector);
    const [k, v] = selector.split('=');
    return [...this.objects.values()].filter((o) => selector === '' || o.metadata.labels?.[k!] === v);
  }
}

const configMap = (name: string, labels: Record<string, string> = {}, extra: Partial<KubeObject['metadata']> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', labels, ...extra } } as KubeObject);

describe('deleteManifest stage', () => {
  let mp: MemoryManifests;
  beforeEach(() => {
    mp = new MemoryManifests();
    for (const o of [configMap('a', { tier: 'drop' }), configMap('b', { tier: 'keep' })]) mp.objects.set(o.metadata.name, o);
  });

  const pass = (block: Record<string, unknown>): Promise<StageOutcome> => {
    const clock = new ManualClock();
    const record = { refId: 'del', type: 'deleteManifest', status: 'RUNNING', startTime: new Date(clock.now()).toISOString() } as StageRecord;
    return deleteManifestStage.execute({
      run: { metadata: { name: 'release-1', namespace: 'shop' } }, stage: { refId: 'del', type: 'deleteManifest' },
      config: { accountRef: { name: 'local' }, apiVersion: 'v1', kind: 'ConfigMap', ...block }, record, scope: {}, clock,
      resolveAccount: () => ({ account: { name: 'local', namespace: 'shop', spec: { provider: 'kubernetes' } }, provider: { name: 'kubernetes', manifests: mp } }),
    } as unknown as StageRun);
  };

  it('deletes by selector only what it selects', async () => {
    const out = await pass({ labelSelector: 'tier=drop' });
    assert.deepEqual([out.status, out.message], ['SUCCEEDED', 'deleted ConfigMap "shop/a"']);
    assert.deepEqual([...mp.objects.keys()], ['b']);
  });

  it('fails, naming both fields, when the name and the selector came out empty, and never lists with an empty selector', async () => {
    for (const block of [{ name: '' }, { labelSelector: '' }, { name: '', labelSelector: '' }]) {
      const out = await pass(block);
      assert.equal(out.status, 'FAILED');
      assert.equal('final' in out && out.final, true);
      assert.match(out.message ?? '', /^deleteManifest "del": deleteManifest\.name and deleteManifest\.labelSelector are both empty after evaluation/);
    }
    assert.deepEqual(mp.selectors, []);
    assert.deepEqual([...mp.objects.keys()].sort(), ['a', 'b']);
  });

  it('leaves, and names, what a selector matches that a Staysail kind controls; by name it fails', async () => {
    const owned = configMap('owned', { tier: 'drop' }, { ownerReferences: [{ apiVersion: 'staysail.dev/v1alpha1', kind: 'ServerGroup', name: 'shop-prod-v001', uid: 'u', controller: true }] });
    mp.objects.set('owned', owned);
    const bySelector = await pass({ labelSelector: 'tier=drop' });
    assert.deepEqual([bySelector.status, bySelector.message], ['SUCCEEDED',
      'deleted ConfigMap "shop/a"; left ConfigMap "shop/owned": controlled by a Staysail kind, which writes it (change that object instead)']);
    assert.deepEqual([...mp.objects.keys()].sort(), ['b', 'owned']);
    const byName = await pass({ name: 'owned' });
    assert.deepEqual([byName.status, 'final' in byName && byName.final, byName.message], ['FAILED', true,
      'deleteManifest "del": ConfigMap "shop/owned" is controlled by ServerGroup "shop-prod-v001", which writes it; change the ServerGroup instead of deleting the object']);
  });

  it('is refused by its schema with an empty name or selector written out', () => {
    const block = { accountRef: { name: 'local' }, apiVersion: 'v1', kind: 'ConfigMap', cascade: 'background' };
    assert.equal(Value.Check(deleteManifestBlock, { ...block, name: 'a' }), true);
    assert.equal(Value.Check(deleteManifestBlock, { ...block, name: '' }), false);
    assert.equal(Value.Check(deleteManifestBlock, { ...block, labelSelector: '' }), false);
  });
});
