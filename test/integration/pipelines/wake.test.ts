// What a stage waits on wakes its run through a watch: a Job, a child run and a Cluster's rollout
// move their stage on within moments of finishing, not at the stage's fallback poll (30 s).
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { registerControllers } from '../../../src/controllers/index.ts';
import { realClock } from '../../../src/core/clock.ts';
import type { KubeObject, ResourceType } from '../../../src/core/kube-client.ts';
import type { Manager } from '../../../src/core/manager.ts';
import { fallbackPollMs } from '../../../src/pipeline/stages/children.ts';
import { jobResource } from '../../../src/pipeline/stages/index.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { ProviderRegistry } from '../../../src/providers/registry.ts';
import { waitFor } from '../../cluster/probe.ts';
import { createNamespace, removeNamespace } from '../../support/namespace.ts';
import { testManager } from '../core/manager-harness.ts';

interface StageRecord { refId: string; status: string; endTime?: string; message?: string }
type Run = KubeObject<unknown, { stages?: StageRecord[]; conditions?: { type: string; status: string; reason: string }[] }>;
type Job = KubeObject<unknown, { conditions?: { type: string; status: string }[] }>;
type Cluster = KubeObject<unknown, { rollout?: { phase: string; revision: number } }>;

/** How soon after what it waits on is done a stage must end: well under the fallback poll. */
const promptMs = 3000;
const podTemplate = (image: string) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image }] } } } });

describe('what a stage waits on wakes its run', function () {
  this.timeout(180_000);
  const ns = `wake-${Date.now().toString(36)}`;
  let manager: Manager;

  before(async () => {
    assert.ok(fallbackPollMs >= 30_000, 'the test tells a watch from the fallback poll only if the poll is slow');
    await createNamespace(ns);
    manager = testManager(ns);
    registerControllers(manager, new ProviderRegistry().register(new KubernetesProvider(manager.client, realClock)));
    await manager.start();
  });
  after(async () => {
    await manager?.stop();
    await removeNamespace(ns);
  });

  const create = (rt: ResourceType, name: string, spec: object) => manager.client.create(rt, { metadata: { name, namespace: ns }, spec });
  const getRun = (name: string) => manager.client.get<Run>(resources.pipelineRun, ns, name);
  const stage = (r: Run, refId: string) => r.status?.stages?.find((s) => s.refId === refId);

  /** Polls until done() holds, returning when it was first seen; then the stage's end, measured from that moment. */
  async function endAfter(what: string, done: () => Promise<boolean>, run: string, refId: string): Promise<number> {
    let seen = 0;
    await waitFor(async () => { if (await done()) seen = Date.now(); return seen > 0; }, 60_000, () => `${what} never finished`, 100);
    let r: Run | undefined;
    await waitFor(async () => { r = await getRun(run); return !!stage(r, refId)?.endTime; }, fallbackPollMs * 2,
      () => `stage ${refId} never ended: ${JSON.stringify(r?.status)}`, 100);
    return Date.parse(stage(r!, refId)!.endTime!) - seen;
  }

  // The child waits longer than the Job runs, so nothing of the child's wakes the run when the Job completes.
  it('a Job and a child run: each stage ends within moments of its Job or child finishing', async () => {
    await create(resources.pipeline, 'child', { application: 'shop', stages: [{ refId: 'pause', type: 'wait', wait: { duration: '15s' } }] });
    await create(resources.pipeline, 'parent', { application: 'shop', concurrency: { maxConcurrentRuns: 0 }, stages: [
      { refId: 'build', type: 'runJob', runJob: { jobTemplate: { template: { metadata: { annotations: { 'test.staysail.dev/run-duration': '3s' } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'tool:1' }] } } } } },
      { refId: 'smoke', type: 'pipeline', pipeline: { pipelineRef: { name: 'child' } } },
    ] });
    await create(resources.pipelineRun, 'parent-1', { pipelineRef: { name: 'parent' } });

    const [job, child] = await Promise.all([
      endAfter('Job parent-1-build', async () => {
        const j = await manager.client.get<Job>(jobResource, ns, 'parent-1-build').catch(() => undefined);
        return j?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ?? false;
      }, 'parent-1', 'build'),
      endAfter('PipelineRun parent-1-smoke', async () => {
        const c = await getRun('parent-1-smoke').catch(() => undefined);
        return c?.status?.conditions?.some((x) => x.type === 'Succeeded' && x.status === 'True') ?? false;
      }, 'parent-1', 'smoke'),
    ]);
    assert.ok(job < promptMs, `the build stage ended ${job} ms after its Job completed`);
    assert.ok(child < promptMs, `the smoke stage ended ${child} ms after its child run succeeded`);
    const r = await getRun('parent-1');
    assert.deepEqual([stage(r, 'build')?.status, stage(r, 'smoke')?.status], ['SUCCEEDED', 'SUCCEEDED']);
  });

  it('a Cluster: the deploy stage ends within moments of its rollout succeeding', async () => {
    await create(resources.account, 'local', { provider: 'kubernetes' });
    await create(resources.cluster, 'shop-wake', { moniker: { app: 'shop', stack: 'wake' }, accountRef: { name: 'local' },
      capacity: { min: 1, max: 1, desired: 1 }, template: podTemplate('shop:1'), strategy: { type: 'redblack' } });
    const rollout = async () => (await manager.client.get<Cluster>(resources.cluster, ns, 'shop-wake')).status?.rollout;
    await waitFor(async () => (await rollout())?.phase === 'Succeeded', 60_000, () => 'the first rollout never succeeded');
    const first = (await rollout())!.revision;

    await create(resources.pipeline, 'release', { application: 'shop', stages: [
      { refId: 'deploy', type: 'deploy', deploy: { clusterRef: { name: 'shop-wake' }, template: podTemplate('shop:2') } }] });
    await create(resources.pipelineRun, 'release-1', { pipelineRef: { name: 'release' } });
    const late = await endAfter('the rollout of shop:2', async () => {
      const r = await rollout();
      return (r?.revision ?? 0) > first && r?.phase === 'Succeeded';
    }, 'release-1', 'deploy');
    assert.ok(late < promptMs, `the deploy stage ended ${late} ms after the rollout succeeded`);
    assert.equal(stage(await getRun('release-1'), 'deploy')?.status, 'SUCCEEDED');
  });
});
