// The server-group and cluster stages against the API server, with every controller running in the
// test process: once over the Kubernetes provider (ReplicaSets on kwok) and once over the fake
// provider standing in for it. Stages act on a Cluster's server groups through its spec.requests (or
// its spec.capacity, for the live one), never on the ServerGroups; a standalone ServerGroup is
// changed directly by server-side apply.
import assert from 'node:assert/strict';
import { templateHash } from '../../../src/api/template-hash.ts';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { registerControllers } from '../../../src/controllers/index.ts';
import { realClock } from '../../../src/core/clock.ts';
import type { KubeObject } from '../../../src/core/kube-client.ts';
import type { Manager } from '../../../src/core/manager.ts';
import { FakeProvider } from '../../../src/providers/fake/fake-provider.ts';
import type { Provider } from '../../../src/providers/interfaces.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { ProviderRegistry } from '../../../src/providers/registry.ts';
import { waitFor } from '../../cluster/probe.ts';
import { createNamespace, removeNamespace } from '../../support/namespace.ts';
import { testManager } from '../core/manager-harness.ts';
import type { StageRecord as StageRecordOf } from '../../../src/api/v1alpha1/pipeline-run.ts';
import type { StageOutcome, StageRun, StageType } from '../../../src/pipeline/stages/stage-type.ts';
import { destroyServerGroupStage, enableServerGroupStage, resizeServerGroupStage, rollbackClusterStage } from '../../../src/pipeline/stages/server-groups/index.ts';

interface StageRecord { refId: string; status: string; message?: string; outputs?: Record<string, unknown> }
type Run = KubeObject<unknown, { stages?: StageRecord[]; conditions?: { type: string; status: string; reason: string; message: string }[] }>;
interface Listed { name: string; enabled: boolean; desiredReplicas: number; readyReplicas: number }
type Cluster = KubeObject<{ capacity: { desired: number }; requests?: { id: string }[]; rollback?: { id: string } },
  { rollout?: { phase: string; revision: number; newServerGroup?: string }; serverGroups?: Listed[]; activeServerGroup?: string;
    requests?: { id: string; action: string; result: string; message: string; time?: string }[] }>;
type ServerGroup = KubeObject<{ enabled: boolean; capacity: { desired: number } }, { enabled?: boolean; readyReplicas?: number; disabledPercentage?: number }>;

/** A request id without the hash that ends it. */
const readable = (id: string) => id.replace(/-[0-9a-f]{8}$/, '');
const podTemplate = (image: string, extra: object = {}) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image }], ...extra } } } });

/** Each world's provider, and how it makes a template that never becomes healthy (a bad release). */
const worlds: { name: string; provider: (m: Manager) => Provider; neverHealthy: (p: Provider, image: string) => Record<string, unknown>;
  /** Whether it can take part of a server group out of traffic. */
  partial: boolean }[] = [
  { name: 'the Kubernetes provider', provider: (m) => new KubernetesProvider(m.client, realClock), partial: true,
    neverHealthy: (_, image) => podTemplate(image, { nodeSelector: { 'no-such-node': 'true' } }) },
  { name: 'the fake provider', provider: () => new FakeProvider({ clock: realClock }), partial: false,
    neverHealthy: (p, image) => { const t = podTemplate(image); (p as FakeProvider).markUnhealthy(templateHash(t)); return t; } },
];

for (const world of worlds) {
  describe(`the server-group and cluster stages, through ${world.name}`, function () {
    this.timeout(240_000);
    const ns = `sgstages-${world.name.includes('fake') ? 'fake' : 'kube'}-${Date.now().toString(36)}`;
    let manager: Manager;
    let provider: Provider;

    before(async () => {
      await createNamespace(ns);
      manager = testManager(ns);
      provider = world.provider(manager);
      // The fake stands in for the kubernetes provider: same Account, same templates, server groups in memory.
      registerControllers(manager, new ProviderRegistry().register(provider, 'kubernetes'));
      await manager.start();
      await manager.client.create(resources.account, { metadata: { name: 'local', namespace: ns }, spec: { provider: 'kubernetes' } });
    });
    after(async () => {
      await manager?.stop();
      await removeNamespace(ns);
    });

    const getCluster = (name: string) => manager.client.get<Cluster>(resources.cluster, ns, name);
    const listed = async (name: string) => ((await getCluster(name)).status?.serverGroups ?? []).map((g) => `${g.name}:${g.enabled ? 'on' : 'off'}:${g.desiredReplicas}`);
    async function rolledOut(name: string, revision: number): Promise<Cluster> {
      let c: Cluster | undefined;
      await waitFor(async () => { c = await getCluster(name); return c.status?.rollout?.revision === revision && c.status.rollout.phase === 'Succeeded'; }, 90_000,
        () => `Cluster ${name} did not finish rollout ${revision}: ${JSON.stringify(c?.status?.rollout)}`, 200);
      return c!;
    }
    // The whole template is replaced: a merge would keep fields of the one before (a nodeSelector).
    const setImage = (name: string, image: string) => manager.client.jsonPatch(resources.cluster, ns, name, [{ op: 'replace', path: '/spec/template', value: podTemplate(image) }]);
    async function runPipeline(name: string, stages: object[]): Promise<Run> {
      await manager.client.create(resources.pipeline, { metadata: { name, namespace: ns }, spec: { application: 'shop', stages } });
      await manager.client.create(resources.pipelineRun, { metadata: { name: `${name}-1`, namespace: ns }, spec: { pipelineRef: { name } } });
      let r: Run | undefined;
      await waitFor(async () => {
        r = await manager.client.get<Run>(resources.pipelineRun, ns, `${name}-1`);
        return (r.status?.conditions?.find((x) => x.type === 'Succeeded')?.status ?? 'Unknown') !== 'Unknown';
      }, 180_000, () => `run ${name}-1 did not finish: ${JSON.stringify(r?.status?.stages?.map((s) => [s.refId, s.status, s.message]))}`, 250);
      return r!;
    }
    const stageOf = (r: Run, refId: string) => r.status!.stages!.find((s) => s.refId === refId)!;
    /** One pass of a stage type as the run controller makes it, with the record so far. */
    const passOf = (type: StageType, block: Record<string, unknown>, record: StageRecordOf, timeout?: string) => ({
      run: { metadata: { name: 'direct-1', namespace: ns, uid: `uid-${record.refId}` } }, stage: { refId: record.refId, type: type.type, ...(timeout ? { timeout } : {}) },
      config: block, record, scope: {} as StageRun['scope'], clock: realClock, client: manager.client,
      resolveAccount: () => { throw new Error('the server-group stages reach no Account'); },
      log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as StageRun['log'],
    }) as unknown as StageRun;
    /**
     * Runs a stage pass after pass, each pass made twice with the same record, as after a crash
     * between its action and saving its state; at most 200 passes.
     */
    async function repeatedPasses(type: StageType, refId: string, block: Record<string, unknown>): Promise<StageOutcome> {
      const record = { refId, type: type.type, status: 'RUNNING', startTime: new Date().toISOString() } as StageRecordOf;
      for (let i = 0; i < 200; i++) {
        await type.execute(passOf(type, block, { ...record }));
        const outcome = await type.execute(passOf(type, block, record));
        if (outcome.status !== 'RUNNING') return outcome;
        if (outcome.state) record.state = outcome.state;
        await new Promise((r) => setTimeout(r, Math.min(outcome.pollAfterMs, 300)));
      }
      throw new Error(`${type.type} "${refId}" never finished`);
    }
    const chain = (stages: object[]) => stages.map((s, i) => (i ? { ...s, requisiteStageRefIds: [(stages[i - 1] as { refId: string }).refId] } : s));

    it('acts on a Cluster\'s server groups through its requests, refuses to leave it with nothing enabled, and the Cluster rolls out as before', async () => {
      await manager.client.create(resources.cluster, { metadata: { name: 'shop-ops', namespace: ns }, spec: { moniker: { app: 'shop', stack: 'ops' },
        accountRef: { name: 'local' }, capacity: { min: 1, max: 4, desired: 2 }, template: podTemplate('shop:1'), strategy: { type: 'redblack' } } });
      await rolledOut('shop-ops', 1);
      await setImage('shop-ops', 'shop:2');
      await rolledOut('shop-ops', 2);
      assert.deepEqual(await listed('shop-ops'), ['shop-ops-v001:on:2', 'shop-ops-v000:off:2']);

      const ref = { clusterRef: { name: 'shop-ops' } };
      const r = await runPipeline('ops', chain([
        { refId: 'en', type: 'enableServerGroup', enableServerGroup: { ...ref, target: 'previous' } },
        { refId: 'dis', type: 'disableServerGroup', disableServerGroup: { ...ref, target: 'previous' } },
        { refId: 'rsz', type: 'resizeServerGroup', resizeServerGroup: { ...ref, target: 'previous', capacity: { min: 0, max: 2, desired: 1 } } },
        { refId: 'grow', type: 'resizeServerGroup', resizeServerGroup: { ...ref, target: 'newest', scale: { direction: 'up', count: 1 } } },
        { refId: 'part', type: 'disableServerGroup', failurePolicy: 'continue', disableServerGroup: { ...ref, target: 'newest', desiredPercentage: 34 } },
        { refId: 'all', type: 'enableServerGroup', enableServerGroup: { ...ref, target: 'newest' } },
        { refId: 'only', type: 'disableServerGroup', failurePolicy: 'continue', disableServerGroup: { ...ref, target: 'newest' } },
        { refId: 'find', type: 'findImageFromCluster', findImageFromCluster: ref },
        { refId: 'use', type: 'evaluateVariables', evaluateVariables: { variables: [{ key: 'found', value: '${stages.find.outputs.images.web}' }] } },
        { refId: 'down', type: 'scaleDownCluster', scaleDownCluster: { ...ref, remainingFullSizeServerGroups: 1 } },
        { refId: 'gone', type: 'destroyServerGroup', destroyServerGroup: { ...ref, target: 'oldest' } },
      ]));
      const said = r.status!.stages!.map((s) => `${s.refId} ${s.status}`);
      assert.deepEqual(said, ['en SUCCEEDED', 'dis SUCCEEDED', 'rsz SUCCEEDED', 'grow SUCCEEDED', `part ${world.partial ? 'SUCCEEDED' : 'FAILED_CONTINUE'}`, 'all SUCCEEDED',
        'only FAILED_CONTINUE', 'find SUCCEEDED', 'use SUCCEEDED',
        'down SUCCEEDED', 'gone SUCCEEDED'], JSON.stringify(r.status!.stages!.map((s) => [s.refId, s.message])));
      assert.deepEqual(stageOf(r, 'rsz').outputs?.capacity, { min: 0, max: 2, desired: 1 });
      assert.equal(stageOf(r, 'grow').outputs?.serverGroup, 'shop-ops-v001');
      assert.match(stageOf(r, 'only').message!, /^disableServerGroup "only": Cluster "shop-ops" refused request ops-1-only-[0-9a-f]{8}: disabling shop-ops-v001 would leave the cluster with no enabled server group/);
      assert.deepEqual([stageOf(r, 'find').outputs?.image, stageOf(r, 'find').outputs?.serverGroup, stageOf(r, 'use').outputs?.found], ['shop:2', 'shop-ops-v001', 'shop:2']);
      assert.deepEqual(stageOf(r, 'gone').outputs?.serverGroup, 'shop-ops-v000');
      // A share of the live server group (34% of 3: one instance) left traffic where the provider can; enabling it put all of it back.
      if (!world.partial) assert.match(stageOf(r, 'part').message!, /desiredPercentage 34 cannot be carried out on shop-ops-v001: its provider cannot/);
      assert.equal((await manager.client.get<ServerGroup>(resources.serverGroup, ns, 'shop-ops-v001')).status?.disabledPercentage ?? 0, 0);

      // The live server group grew through spec.capacity, so the Cluster keeps it; the previous one was resized, scaled down, then destroyed.
      const c = await getCluster('shop-ops');
      assert.equal(c.spec!.capacity.desired, 3);
      assert.deepEqual(await listed('shop-ops'), ['shop-ops-v001:on:3']);
      // Ids read as the run, the stage and the attempt, ended by a hash of the run's uid and the stage's refId and attempt.
      assert.ok(c.status!.requests!.every((x) => /^ops-1-[a-z]+-[0-9a-f]{8}$/.test(x.id)), JSON.stringify(c.status!.requests!.map((x) => x.id)));
      assert.deepEqual(c.status!.requests!.map((x) => `${readable(x.id)} ${x.action} ${x.result}`),
        ['ops-1-en enable Done', 'ops-1-dis disable Done', 'ops-1-rsz resize Done', 'ops-1-part disable Done', 'ops-1-all enable Done', 'ops-1-only disable Refused', 'ops-1-down scaleDown Done', 'ops-1-gone destroy Done']);

      // Each request is told by an Event of its own, never as a step of a rollout.
      const events = (await manager.client.list<KubeObject & { reason?: string; message?: string }>(
        { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true }, ns)).items.filter((e) => e.message?.includes('shop-ops'));
      assert.ok(events.some((e) => e.reason === 'RequestRefused' && /request ops-1-only-[0-9a-f]{8} \(disable\): disabling shop-ops-v001 would leave/.test(e.message!)),
        events.map((e) => `${e.reason}: ${e.message}`).join('\n'));
      assert.ok(!events.some((e) => e.reason?.startsWith('Rollout') && /shop-ops-v000 to 1|resize shop-ops-v000 to 0/.test(e.message ?? '')), 'a request was told as a rollout step');

      // A later template change rolls out as before, at the capacity the stage set.
      await setImage('shop-ops', 'shop:3');
      await rolledOut('shop-ops', 3);
      await waitFor(async () => (await listed('shop-ops'))[0] === 'shop-ops-v002:on:3', 30_000, () => 'v002 did not come up at 3');

      // rollbackCluster returns to the newest older server group running another image, at the current capacity.
      const back = await runPipeline('back', [{ refId: 'undo', type: 'rollbackCluster', rollbackCluster: ref }]);
      assert.deepEqual([stageOf(back, 'undo').status, stageOf(back, 'undo').outputs?.serverGroup, stageOf(back, 'undo').outputs?.previousServerGroup],
        ['SUCCEEDED', 'shop-ops-v001', 'shop-ops-v002'], stageOf(back, 'undo').message);
      const rolled = await getCluster('shop-ops');
      assert.deepEqual([rolled.status?.rollout?.phase, rolled.status?.activeServerGroup], ['RolledBack', 'shop-ops-v001']);
      assert.deepEqual(await listed('shop-ops'), ['shop-ops-v002:off:3', 'shop-ops-v001:on:3']);

      // After the rollback the bad v002 is the newest, disabled; v001 is live. The cluster-wide stages act on v002, never on v001.
      const clean = await runPipeline('clean', chain([
        { refId: 'down', type: 'scaleDownCluster', scaleDownCluster: { ...ref, remainingFullSizeServerGroups: 1 } },
        { refId: 'shrink', type: 'shrinkCluster', shrinkCluster: { ...ref, shrinkToSize: 1 } },
      ]));
      assert.deepEqual(clean.status!.stages!.map((s) => `${s.refId} ${s.status} ${JSON.stringify(s.outputs?.serverGroups)}`),
        ['down SUCCEEDED ["shop-ops-v002"]', 'shrink SUCCEEDED ["shop-ops-v002"]'], JSON.stringify(clean.status!.stages!.map((s) => s.message)));
      assert.deepEqual(await listed('shop-ops'), ['shop-ops-v001:on:3']);
      assert.deepEqual((await getCluster('shop-ops')).status?.activeServerGroup, 'shop-ops-v001');

      // rollbackCluster with failIfRollingOut, each pass made twice (a crash after writing spec.rollback): it follows its own
      // rollback rather than failing on it, and reports the target it chose first.
      // The rollback was revision 4: the template change is 5.
      await setImage('shop-ops', 'shop:4');
      await rolledOut('shop-ops', 5);
      await waitFor(async () => /^shop-ops-v00[23]:on:3$/.test((await listed('shop-ops'))[0] ?? ''), 30_000, () => 'the new server group did not come up at 3');
      const again = await repeatedPasses(rollbackClusterStage, 'undo-again', { ...ref, failIfRollingOut: true });
      assert.deepEqual([again.status, again.outputs?.serverGroup], ['SUCCEEDED', 'shop-ops-v001'], again.message);

      // Two resizes of the live server group by +1 at once, the second having worked out its capacity before the first sent its own: both count.
      const grow = { ...ref, serverGroup: 'shop-ops-v001', scale: { direction: 'up', count: 1 } };
      const second = { refId: 'grow-b', type: 'resizeServerGroup', status: 'RUNNING', startTime: new Date().toISOString() } as StageRecordOf;
      const first = await resizeServerGroupStage.execute(passOf(resizeServerGroupStage, grow, second));
      second.state = first.state;
      assert.deepEqual((first.state?.capacity as { desired: number }).desired, 4);
      const a = await repeatedPasses(resizeServerGroupStage, 'grow-a', grow);
      assert.deepEqual([a.status, (a.outputs?.capacity as { desired: number }).desired], ['SUCCEEDED', 4], a.message);
      let b: StageOutcome | undefined;
      for (let i = 0; i < 200 && b?.status !== 'SUCCEEDED' && b?.status !== 'FAILED'; i++) {
        b = await resizeServerGroupStage.execute(passOf(resizeServerGroupStage, grow, second));
        if (b.state) second.state = b.state;
        if (b.status === 'RUNNING') await new Promise((r) => setTimeout(r, Math.min((b as { pollAfterMs: number }).pollAfterMs, 300)));
      }
      assert.deepEqual([b?.status, (b?.outputs?.capacity as { desired: number }).desired], ['SUCCEEDED', 5], b?.message);
      assert.equal((await getCluster('shop-ops')).spec!.capacity.desired, 5);
    });

    it('shrinkCluster and disableCluster keep the newest; a stage on a Cluster rolling out waits for it, or fails at once with failIfRollingOut', async () => {
      await manager.client.create(resources.cluster, { metadata: { name: 'shop-many', namespace: ns }, spec: { moniker: { app: 'shop', stack: 'many' },
        accountRef: { name: 'local' }, capacity: { min: 1, max: 2, desired: 1 }, template: podTemplate('shop:1'), strategy: { type: 'none' } } });
      await rolledOut('shop-many', 1);
      for (const [i, image] of ['shop:2', 'shop:3'].entries()) {
        await setImage('shop-many', image);
        await rolledOut('shop-many', i + 2);
      }
      assert.deepEqual(await listed('shop-many'), ['shop-many-v002:on:1', 'shop-many-v001:on:1', 'shop-many-v000:on:1']);
      const ref = { clusterRef: { name: 'shop-many' } };
      const r = await runPipeline('many', chain([
        { refId: 'off', type: 'disableCluster', disableCluster: { ...ref, remainingEnabledServerGroups: 2 } },
        { refId: 'shrink', type: 'shrinkCluster', shrinkCluster: { ...ref, shrinkToSize: 2 } },
        { refId: 'up', type: 'resizeServerGroup', resizeServerGroup: { ...ref, target: 'previous', scale: { direction: 'up', count: 1 } } },
      ]));
      assert.deepEqual(r.status!.stages!.map((s) => `${s.refId} ${s.status} ${JSON.stringify(s.outputs?.serverGroups ?? s.outputs?.serverGroup)}`),
        ['off SUCCEEDED ["shop-many-v000"]', 'shrink SUCCEEDED ["shop-many-v000"]', 'up SUCCEEDED "shop-many-v001"'], JSON.stringify(r.status!.stages!.map((s) => s.message)));
      assert.deepEqual(await listed('shop-many'), ['shop-many-v002:on:1', 'shop-many-v001:on:2']);
      // The count became an exact capacity when the stage asked: planned again, the request resizes to the same, not once more.
      const up = (await getCluster('shop-many')).spec!.requests!.find((x) => readable(x.id) === 'many-1-up') as Record<string, unknown> | undefined;
      assert.deepEqual([up?.capacity, up?.scale], [{ min: 1, max: 2, desired: 2 }, undefined], JSON.stringify(up));

      // A template that never becomes healthy keeps rollout 4 Progressing for the test's length.
      await manager.client.mergePatch(resources.cluster, ns, 'shop-many', { spec: { progressDeadline: '1h' } });
      await manager.client.mergePatch(resources.cluster, ns, 'shop-many', { spec: { template: world.neverHealthy(provider, 'shop:4') } });
      await waitFor(async () => (await getCluster('shop-many')).status?.rollout?.revision === 4, 30_000, () => 'rollout 4 did not start');
      const busy = await runPipeline('busy', [
        { refId: 'now', type: 'disableCluster', failurePolicy: 'continue', disableCluster: { ...ref, failIfRollingOut: true } },
        { refId: 'wait', type: 'enableServerGroup', failurePolicy: 'continue', timeout: '6s', enableServerGroup: { ...ref, target: 'oldest' } },
      ]);
      assert.match(stageOf(busy, 'now').message!, /^disableCluster "now": Cluster "shop-many" has rollout 4 in progress \(Progressing: .*\); failIfRollingOut is set/);
      assert.match(stageOf(busy, 'wait').message!, /^enableServerGroup "wait": Cluster "shop-many" has rollout 4 in progress \(Progressing.*\), and it did not end within the stage's timeout/);
      assert.deepEqual((await getCluster('shop-many')).spec!.requests!.map((x) => readable(x.id)), ['many-1-off', 'many-1-shrink', 'many-1-up'], 'neither stage of the busy run asked');

      // A request the Cluster has not handled goes with its stage: on the stage's timeout, and on its cancel (the run canceled).
      const asked = (await getCluster('shop-many')).spec!.requests!;
      await manager.client.mergePatch(resources.cluster, ns, 'shop-many', { spec: { requests: [...asked,
        { id: 'late-1', action: 'enable', target: 'oldest' }, { id: 'canceled-1', action: 'enable', target: 'oldest' }] } });
      const waited = (refId: string, id: string, startTime: string) =>
        ({ refId, type: 'enableServerGroup', status: 'RUNNING', startTime, state: { cluster: 'shop-many', watchCluster: true, requested: id } }) as unknown as StageRecordOf;
      const late = await enableServerGroupStage.execute(passOf(enableServerGroupStage, { ...ref, target: 'oldest' }, waited('late', 'late-1', new Date(Date.now() - 60_000).toISOString()), '10s'));
      assert.match(late.status === 'FAILED' ? late.message : JSON.stringify(late), /did not end within the stage's timeout.*; request late-1 was taken back$/);
      await enableServerGroupStage.cancel!(passOf(enableServerGroupStage, { ...ref, target: 'oldest' }, waited('cxl', 'canceled-1', new Date().toISOString())));
      assert.deepEqual((await getCluster('shop-many')).spec!.requests!.map((x) => readable(x.id)), ['many-1-off', 'many-1-shrink', 'many-1-up']);
      // So does a rollbackCluster's spec.rollback the Cluster has not started.
      await manager.client.mergePatch(resources.cluster, ns, 'shop-many', { spec: { rollback: { id: 'rb-1', toServerGroup: 'shop-many-v001' } } });
      await rollbackClusterStage.cancel!(passOf(rollbackClusterStage, ref, { ...waited('rb', 'rb-1', new Date().toISOString()), type: 'rollbackCluster' }));
      assert.equal((await getCluster('shop-many')).spec!.rollback, undefined);

      // A request written while the rollout runs waits for it: handled only once a healthy template has been rolled out after it.
      const standing = (await getCluster('shop-many')).spec!.requests!;
      await manager.client.mergePatch(resources.cluster, ns, 'shop-many', { spec: { requests: [...standing, { id: 'by-hand-1', action: 'disable', target: 'oldest' }] } });
      const fixedAt = Date.now();
      await setImage('shop-many', 'shop:5');
      const done = await rolledOut('shop-many', 5);
      let record: { id: string; result: string; message: string; time?: string } | undefined;
      await waitFor(async () => !!(record = (await getCluster('shop-many')).status?.requests?.find((x) => x.id === 'by-hand-1')), 30_000, () => 'by-hand-1 was never handled');
      assert.ok(Date.parse(record!.time!) >= fixedAt, `by-hand-1 was handled at ${record!.time}, during rollout 4 (fixed at ${new Date(fixedAt).toISOString()})`);
      assert.equal(record!.result, 'Done', record!.message);
      assert.equal(done.status?.rollout?.newServerGroup, 'shop-many-v004');
      assert.deepEqual((await getCluster('shop-many')).status!.requests!.filter((x) => x.id === 'late-1' || x.id === 'canceled-1'), [], 'a request taken back was carried out');
    });

    it('changes a ServerGroup with no Cluster directly, by server-side apply under its own field manager', async () => {
      await manager.client.create(resources.serverGroup, { metadata: { name: 'solo-v000', namespace: ns }, spec: { moniker: { app: 'solo', sequence: 0 },
        accountRef: { name: 'local' }, template: podTemplate('solo:1'), capacity: { min: 0, max: 4, desired: 1 }, enabled: false } });
      const ref = { serverGroupRef: { name: 'solo-v000' } };
      const r = await runPipeline('solo', chain([
        { refId: 'on', type: 'enableServerGroup', enableServerGroup: ref },
        { refId: 'up', type: 'resizeServerGroup', resizeServerGroup: { ...ref, scale: { direction: 'up', percentage: 100 } } },
        { refId: 'half', type: 'disableServerGroup', failurePolicy: 'continue', disableServerGroup: { ...ref, desiredPercentage: 50 } },
      ]));
      assert.deepEqual(r.status!.stages!.map((s) => `${s.refId} ${s.status}`), ['on SUCCEEDED', 'up SUCCEEDED', `half ${world.partial ? 'SUCCEEDED' : 'FAILED_CONTINUE'}`],
        stageOf(r, 'half').message);
      const sg = await manager.client.get<ServerGroup>(resources.serverGroup, ns, 'solo-v000');
      assert.deepEqual([sg.spec!.enabled, sg.spec!.capacity.desired, sg.status?.enabled, sg.status?.readyReplicas], [true, 2, true, 2]);
      if (world.partial) assert.equal(sg.status?.disabledPercentage, 50, 'half of it is out of traffic, the rest serves');
      else assert.match(stageOf(r, 'half').message!, /^disableServerGroup "half": desiredPercentage 50 cannot be carried out on solo-v000: its provider cannot take part of a server group out of traffic \(ServerGroup "solo-v000" sets spec.disabledPercentage/);
      const managers = ((sg.metadata.managedFields ?? []) as { manager: string }[]).map((f) => f.manager);
      assert.ok(managers.includes('staysail-enableServerGroup') && managers.includes('staysail-resizeServerGroup'), managers.join(', '));

      // destroyServerGroup, each pass made twice (a crash after the delete, before its state was saved): the ServerGroup is gone, and that is success.
      const gone = await repeatedPasses(destroyServerGroupStage, 'gone', ref);
      assert.deepEqual([gone.status, gone.message], ['SUCCEEDED', 'ServerGroup "solo-v000" is gone']);
      await assert.rejects(manager.client.get(resources.serverGroup, ns, 'solo-v000'), /not ?found/i);
    });
  });
}
