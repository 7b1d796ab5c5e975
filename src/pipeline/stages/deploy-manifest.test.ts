// deployManifest's decisions over passes on a manual clock, against an in-memory ManifestProvider
// whose objects' statuses the test sets (the real provider's are in test/integration/manifests).
import assert from 'node:assert/strict';
import type { StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import { ManualClock } from '../../core/clock.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { ApiError, isTransientApiError } from '../../core/errors.ts';
import { invalid } from '../../providers/errors.ts';
import type { ManifestProvider, ManifestRef, ManifestStatus, Provider } from '../../providers/interfaces.ts';
import { deployManifestStage } from './deploy-manifest.ts';
import type { StageOutcome, StageRun } from './stage-type.ts';

/** Objects by kind/namespace/name; apply stores them, status is what `statuses` says (InProgress by default). */
class MemoryManifests implements ManifestProvider {
  readonly objects = new Map<string, KubeObject>();
  readonly statuses = new Map<string, ManifestStatus>();
  applies = 0;
  /** What apply and status throw, when set: the way to the API server failing, or its refusal. */
  failure?: unknown;
  private key = (kind: string, ns: string | undefined, name: string) => `${kind}/${ns}/${name}`;
  async apply(_a: unknown, _l: unknown, manifests: KubeObject[]) {
    this.applies++;
    if (this.failure) throw this.failure;
    for (const m of manifests) if (m.kind === 'ClusterRole') throw invalid(`ClusterRole "${m.metadata.name}" is cluster-scoped`);
    for (const m of manifests) this.objects.set(this.key(m.kind!, m.metadata.namespace, m.metadata.name), m);
    return manifests;
  }
  async delete(_a: unknown, _l: unknown, r: ManifestRef) { this.objects.delete(this.key(r.kind, r.namespace, r.name)); }
  async patch(): Promise<KubeObject> { throw new Error('not used'); }
  async scale() { throw new Error('not used'); }
  async status(_a: unknown, _l: unknown, r: ManifestRef) {
    if (this.failure) throw this.failure;
    return this.statuses.get(`${r.kind}/${r.name}`) ?? { status: 'InProgress' as const, message: 'Available: 0/2' };
  }
  async read(_a: unknown, _l: unknown, r: ManifestRef) { return this.objects.get(this.key(r.kind, r.namespace, r.name)); }
  async list(_a: unknown, l: { namespace?: string }, kind: { kind: string }, selector: string) {
    const [k, v] = selector.split('=');
    return [...this.objects.values()].filter((o) => o.kind === kind.kind && o.metadata.namespace === l.namespace && o.metadata.labels?.[k!] === v);
  }
}

const manifests = (color: string) => [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { color } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { volumes: [{ name: 'c', configMap: { name: 'cfg' } }] } } } }];

describe('deployManifest stage', () => {
  let clock: ManualClock;
  let mp: MemoryManifests;
  beforeEach(() => { clock = new ManualClock(); mp = new MemoryManifests(); });

  const record = (): StageRecord => ({ refId: 'deploy', type: 'deployManifest', status: 'RUNNING', startTime: new Date(clock.now()).toISOString() } as StageRecord);
  const stageRun = (block: Record<string, unknown>, r: StageRecord, provider: Partial<Provider> = { name: 'kubernetes', manifests: mp }, timeout?: string) => ({
    run: { metadata: { name: 'release-1', namespace: 'shop' } }, stage: { refId: 'deploy', type: 'deployManifest', ...(timeout ? { timeout } : {}) },
    config: { accountRef: { name: 'local' }, ...block }, record: r, scope: {}, clock,
    resolveAccount: () => ({ account: { name: 'local', namespace: 'shop', spec: { provider: 'kubernetes' } }, provider }),
  }) as unknown as StageRun;
  /** A pass, its state kept in the record as the run controller keeps it. */
  const pass = async (block: Record<string, unknown>, r: StageRecord, timeout?: string): Promise<StageOutcome> => {
    const outcome = await deployManifestStage.execute(stageRun(block, r, undefined, timeout));
    if (outcome.state) r.state = outcome.state;
    return outcome;
  };

  it('applies once, then only looks, until every object is Current', async () => {
    const r = record();
    assert.equal((await pass({ manifests: manifests('blue') }, r)).status, 'RUNNING');
    clock.advance(2000);
    const waiting = await pass({ manifests: manifests('blue') }, r);
    assert.deepEqual([waiting.status, waiting.message], ['RUNNING', 'waiting for ConfigMap "shop/cfg-v000" (Available: 0/2), Deployment "shop/web" (Available: 0/2)']);
    mp.statuses.set('ConfigMap/cfg-v000', { status: 'Current', message: 'ok' });
    mp.statuses.set('Deployment/web', { status: 'Current', message: 'ok' });
    const done = await pass({ manifests: manifests('blue') }, r);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(mp.applies, 1, 'later passes do not apply again');
  });

  it('fails, naming the first Failed object with its own message, keeping the outputs', async () => {
    const r = record();
    await pass({ manifests: manifests('blue') }, r);
    mp.statuses.set('Deployment/web', { status: 'Failed', message: 'Progress deadline exceeded' });
    const failed = await pass({ manifests: manifests('blue') }, r);
    assert.deepEqual([failed.status, failed.message], ['FAILED', 'deployManifest "deploy": Deployment "shop/web" failed: Progress deadline exceeded']);
    assert.deepEqual((failed.outputs as { deployedNames: string[] }).deployedNames, ['configMap cfg-v000', 'deployment web']);
  });

  it('fails just before its timeout, naming what is not yet Current', async () => {
    const r = record();
    await pass({ manifests: manifests('blue') }, r, '10s');
    mp.statuses.set('ConfigMap/cfg-v000', { status: 'Current', message: 'ok' });
    clock.advance(5000);
    assert.equal((await pass({ manifests: manifests('blue') }, r, '10s')).status, 'RUNNING');
    clock.advance(4000);
    const out = await pass({ manifests: manifests('blue') }, r, '10s');
    assert.deepEqual([out.status, out.message], ['FAILED', 'deployManifest "deploy": not stable after 10s: Deployment "shop/web" (Available: 0/2)']);
  });

  it('succeeds in one pass without waitForStable, and prunes past maxVersionHistory', async () => {
    for (const color of ['a', 'b', 'c']) assert.equal((await pass({ manifests: manifests(color), waitForStable: false, maxVersionHistory: 2 }, record())).status, 'SUCCEEDED');
    const names = [...mp.objects.values()].filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name).sort();
    assert.deepEqual(names, ['cfg-v001', 'cfg-v002']);
  });

  it('prunes each family by its own kind when a ConfigMap and a Secret share a base name', async () => {
    const both = (n: string) => [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { n } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app' }, stringData: { n } }];
    for (const n of ['1', '2']) assert.equal((await pass({ manifests: both(n), waitForStable: false, maxVersionHistory: 1 }, record())).status, 'SUCCEEDED');
    const names = [...mp.objects.values()].map((o) => `${o.kind} ${o.metadata.name}`).sort();
    assert.deepEqual(names, ['ConfigMap app-v001', 'Secret app-v001']);
  });

  it('throws a cluster out of reach, mid-apply or mid-wait, as a transient error to retry, and fails on a 403 naming the object and verb', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    const unreachable = (err: unknown) => err instanceof ApiError && isTransientApiError(err)
      && /^deployManifest "deploy": the cluster's API server could not be reached: fetch failed \(ECONNREFUSED\)$/.test(err.message);
    mp.failure = new TypeError('fetch failed', { cause: refused });
    await assert.rejects(pass({ manifests: manifests('blue') }, record()), unreachable, 'mid-apply');
    mp.failure = undefined;
    const r = record();
    assert.equal((await pass({ manifests: manifests('blue') }, r)).status, 'RUNNING');
    mp.failure = new TypeError('fetch failed', { cause: refused });
    await assert.rejects(pass({ manifests: manifests('blue') }, r), unreachable, 'mid-wait');
    const forbidden = 'configmaps "cfg-v000" is forbidden: User "system:serviceaccount:shop:deployer" cannot patch resource "configmaps" in the namespace "shop"';
    mp.failure = new ApiError(403, 'Forbidden', forbidden);
    const out = await pass({ manifests: manifests('blue') }, record());
    assert.deepEqual([out.status, 'final' in out && out.final, out.message], ['FAILED', true, `deployManifest "deploy": ${forbidden}`]);
  });

  it('waits beyond Current until a Job is Complete, fails naming one that Failed, and one still running at its timeout', async () => {
    const job = (name: string) => [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { completions: 1 } }];
    const setJob = (name: string, status: Record<string, unknown>) => { mp.objects.get(`Job/shop/${name}`)!.status = status; };
    const r = record();
    await pass({ manifests: job('migrate') }, r, '10s');
    mp.statuses.set('Job/migrate', { status: 'Current', message: 'Job in progress. success:0, active: 1, failed: 0' });
    setJob('migrate', { active: 1 });
    const running = await pass({ manifests: job('migrate') }, r, '10s');
    assert.deepEqual([running.status, running.message], ['RUNNING', 'waiting for Job "shop/migrate" (succeeded: 0/1, active: 1, failed: 0) to complete']);
    setJob('migrate', { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
    assert.equal((await pass({ manifests: job('migrate') }, r, '10s')).status, 'SUCCEEDED');

    const f = record();
    await pass({ manifests: job('broken') }, f);
    mp.statuses.set('Job/broken', { status: 'Current', message: 'running' });
    setJob('broken', { failed: 1, conditions: [{ type: 'Failed', status: 'True', message: 'Job has reached the specified backoff limit' }] });
    const failed = await pass({ manifests: job('broken') }, f);
    assert.deepEqual([failed.status, failed.message], ['FAILED',
      'deployManifest "deploy": Job "shop/broken" failed: Job has reached the specified backoff limit (succeeded: 0/1, active: 0, failed: 1)']);

    const slow = record();
    await pass({ manifests: job('slow') }, slow, '10s');
    mp.statuses.set('Job/slow', { status: 'Current', message: 'running' });
    setJob('slow', { active: 1 });
    clock.advance(9500);
    const late = await pass({ manifests: job('slow') }, slow, '10s');
    assert.deepEqual([late.status, late.message], ['FAILED', 'deployManifest "deploy": not complete after 10s: Job "shop/slow" (succeeded: 0/1, active: 1, failed: 0)']);
  });

  it('fails without a retry when a manifest is refused, or the Account cannot apply manifests', async () => {
    const refused = await pass({ manifests: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' } }] }, record());
    assert.deepEqual([refused.status, refused.message, 'final' in refused && refused.final], ['FAILED', 'deployManifest "deploy": ClusterRole "x" is cluster-scoped', true]);
    const aws = await deployManifestStage.execute(stageRun({ manifests: manifests('a') }, record(), { name: 'aws' }));
    assert.equal(aws.status, 'FAILED');
    assert.match(aws.message ?? '', /Account "local" has provider aws, which cannot act on Kubernetes manifests; name a Kubernetes Account in deployManifest.accountRef/);
  });
});
