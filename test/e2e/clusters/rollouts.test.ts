// Deploy strategies end to end on kwok, with the operator as a process: a Cluster's template is
// edited (as GitOps would) and the strategy moves traffic between ReplicaSets behind a Service.
import assert from 'node:assert/strict';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';
import { stringify } from 'yaml';
import { waitFor } from '../../cluster/probe.ts';
import { kubectl, kubectlOk } from '../../support/kubectl.ts';
import { sharedCluster } from '../../support/setup.ts';

const api = 'staysail.dev/v1alpha1';
const ns = `rollouts-${Date.now().toString(36)}`;
const k = (args: string[], input?: string) => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, ...args], input);
// As a GitOps tool applies: server-side, taking the fields it sends (a deploy stage may have set them last).
const apply = (...docs: object[]) => k(['apply', '--server-side', '--force-conflicts', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));

const podTemplate = (image: string, extra: object = {}) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }], ...extra } } } });
const cluster = (stack: string, image: string, strategy: object, extra: object = {}) => ({
  apiVersion: api, kind: 'Cluster', metadata: { name: `shop-${stack}` },
  spec: { moniker: { app: 'shop', stack }, accountRef: { name: 'local' }, capacity: { min: 1, max: 6, desired: 2 },
    loadBalancerRefs: [{ name: `lb-${stack}` }], template: podTemplate(image), strategy, ...extra },
});
const lb = (stack: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name: `lb-${stack}` },
  spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });

interface ClusterStatus { activeServerGroup?: string; rollout?: { phase: string; message?: string; revision: number; step?: number; strategy?: string; stepsHash?: string } }
const status = async (name: string) => JSON.parse(await k(['get', 'cluster', name, '-o', 'jsonpath={.status}']) || '{}') as ClusterStatus;
const readyEndpoints = async (service: string): Promise<string[]> => {
  const out = await k(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${service}`, '-o', 'json']);
  return (JSON.parse(out).items as { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[])
    .flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)).sort();
};
/** EndpointSlices follow pod readiness asynchronously: waits until the Service serves every one of the desired 2 pods. */
const servingAll = async (service: string): Promise<string[]> => {
  let now: string[] = [];
  await waitFor(async () => (now = await readyEndpoints(service)).length === 2, 30_000, () => `${service} serves ${now.length} of 2 pods: ${now.join(', ')}`);
  return now;
};
const replicaSets = async () => (await k(['get', 'replicasets', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.replicas} {end}'])).trim().split(/\s+/).filter(Boolean).sort();

/** Applies the cluster, then waits for its next rollout to reach phase while sampling the Service's ready endpoints. */
async function rollTo(manifest: { metadata: { name: string } }, service: string, phase: string, timeoutMs = 60_000): Promise<string[][]> {
  const name = manifest.metadata.name;
  const before = (await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'cluster', name])).code === 0 ? (await status(name)).rollout?.revision ?? 0 : 0;
  await apply(manifest);
  const samples: string[][] = [];
  await waitFor(async () => {
    samples.push(await readyEndpoints(service));
    const r = (await status(name)).rollout;
    return (r?.revision ?? 0) > before && r?.phase === phase;
  }, timeoutMs, () => `cluster ${name} never reached ${phase} in a new rollout`, 100);
  samples.push(await readyEndpoints(service));
  return samples;
}

describe('deploy strategies on kwok, with the operator as a process', function () {
  this.timeout(240_000);
  withLocalAccountAndOperator(ns);

  it('redblack: v1 -> v2 switches endpoints without a moment of none; old disabled, scaled down; maxRemaining holds', async () => {
    const strategy = { type: 'redblack', redBlack: { maxRemainingServerGroups: 2, scaleDown: true } };
    await apply(lb('rb'));
    await rollTo(cluster('rb', 'shop:1', strategy), 'lb-rb', 'Succeeded');
    const v1 = await servingAll('lb-rb');

    const samples = await rollTo(cluster('rb', 'shop:2', strategy), 'lb-rb', 'Succeeded');
    assert.ok(samples.every((s) => s.length > 0), 'a moment with no ready endpoint');
    // EndpointSlices follow pod labels asynchronously: the Service settles on v2's pods alone.
    let v2: string[] = [];
    await waitFor(async () => { v2 = await readyEndpoints('lb-rb'); return v2.length === 2 && v2.every((ip) => !v1.includes(ip)); }, 30_000,
      () => `the Service did not settle on v2's pods: ${v2.join(', ')}`);
    assert.equal((await status('shop-rb')).activeServerGroup, 'shop-rb-v001');
    await waitFor(async () => (await replicaSets()).join(' ') === 'shop-rb-v000=0 shop-rb-v001=2', 30_000, () => 'v000 was not scaled down');

    await rollTo(cluster('rb', 'shop:3', strategy), 'lb-rb', 'Succeeded');
    await waitFor(async () => (await replicaSets()).filter((r) => r.startsWith('shop-rb-')).join(' ') === 'shop-rb-v001=0 shop-rb-v002=2', 30_000,
      () => 'maxRemainingServerGroups 2 did not hold');
  });

  it('highlander: the old ReplicaSets are removed', async () => {
    await apply(lb('hl'));
    await rollTo(cluster('hl', 'shop:1', { type: 'highlander' }), 'lb-hl', 'Succeeded');
    const samples = await rollTo(cluster('hl', 'shop:2', { type: 'highlander' }), 'lb-hl', 'Succeeded');
    assert.ok(samples.every((s) => s.length > 0), 'a moment with no ready endpoint');
    await waitFor(async () => (await replicaSets()).filter((r) => r.startsWith('shop-hl-')).join(' ') === 'shop-hl-v001=2', 30_000,
      () => 'the old ReplicaSet was not removed');
  });

  it('rollingredblack: ready endpoints never drop below the desired count', async () => {
    const strategy = { type: 'rollingredblack', rollingRedBlack: { targetPercentages: [50, 100], delayBeforeCleanup: '2s', scaleDown: true } };
    await apply(lb('rr'));
    await rollTo(cluster('rr', 'shop:1', strategy), 'lb-rr', 'Succeeded');
    const samples = await rollTo(cluster('rr', 'shop:2', strategy), 'lb-rr', 'Succeeded');
    assert.ok(samples.every((s) => s.length >= 2), `ready endpoints fell below 2: ${JSON.stringify(samples.map((s) => s.length))}`);
    assert.ok(samples.some((s) => s.length > 2), 'old and new served together during the steps');
    await waitFor(async () => (await replicaSets()).filter((r) => r.startsWith('shop-rr-')).join(' ') === 'shop-rr-v000=0 shop-rr-v001=2', 30_000,
      () => 'the old server group was not scaled down');
  });

  it('rolls back a rollout whose pods never become Ready; traffic never leaves v1', async () => {
    const strategy = { type: 'redblack' };
    await apply(lb('bad'));
    await rollTo(cluster('bad', 'shop:1', strategy, { progressDeadline: '5s' }), 'lb-bad', 'Succeeded');
    const v1 = await servingAll('lb-bad');
    const broken = cluster('bad', 'shop:2', strategy, { progressDeadline: '5s' }) as { spec: { template: unknown } };
    broken.spec.template = podTemplate('shop:2', { nodeSelector: { 'no-such-node': 'true' } }); // never scheduled, never Ready
    const samples = await rollTo(broken as never, 'lb-bad', 'RolledBack');
    assert.ok(samples.every((s) => JSON.stringify(s) === JSON.stringify(v1)), 'traffic left v1');
    const st = await status('shop-bad');
    assert.equal(st.activeServerGroup, 'shop-bad-v000');
    assert.match(st.rollout!.message!, /rolled back to shop-bad-v000: shop-bad-v001 has 0 of 2 healthy instances needed after 5s/);
    const ready = JSON.parse(await k(['get', 'cluster', 'shop-bad', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")]}']));
    assert.equal(ready.status, 'True', 'the cluster still serves from v1');
  });

  it('a change of strategy during a rollout ends it, traffic back on v1, and rolls the template out again from the new strategy\'s first step', async () => {
    const waiting = { type: 'redblack', redBlack: { delayBeforeCleanup: '1h' } };
    await apply(lb('sw'));
    await rollTo(cluster('sw', 'shop:1', waiting), 'lb-sw', 'Succeeded');
    await apply(cluster('sw', 'shop:2', waiting));
    let st: ClusterStatus = {};
    await waitFor(async () => { st = await status('shop-sw'); return st.rollout?.revision === 2 && st.rollout.step === 5; }, 60_000,
      () => `rollout 2 never waited before cleanup: ${JSON.stringify(st.rollout)}`);
    assert.equal(st.rollout?.strategy, 'redblack', 'the rollout keeps the strategy it was planned with');
    assert.match(st.rollout?.stepsHash ?? '', /^[0-9a-f]{8}$/, 'and a hash of its steps');
    assert.match(st.rollout!.message!, /waiting 3600s before cleanup/);

    // The same template, another strategy: highlander's step 5 would be past its end ("Succeeded" with v000 still serving).
    const samples = await rollTo(cluster('sw', 'shop:2', { type: 'highlander' }), 'lb-sw', 'Succeeded');
    assert.ok(samples.every((x) => x.length > 0), 'a moment with no ready endpoint');
    st = await status('shop-sw');
    assert.equal(st.rollout?.revision, 3);
    assert.equal(st.rollout?.strategy, 'highlander');
    assert.equal(st.activeServerGroup, 'shop-sw-v002', 'the template was rolled out again as a new server group');
    let left = '';
    await waitFor(async () => { left = (await replicaSets()).filter((r) => r.startsWith('shop-sw-')).join(' '); return left === 'shop-sw-v002=2'; }, 30_000,
      () => `highlander did not remove the others: ${left}`);
    const events = await k(['get', 'events', '--field-selector', 'involvedObject.name=shop-sw', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    assert.match(events, /RolloutSuperseded: Cluster "shop-sw" rollout 2 is superseded: spec\.strategy changed from redblack to highlander/);
    assert.match(events, /RolloutDisable: Cluster "shop-sw" rollout 2: disable shop-sw-v001/, 'v001 left traffic before the new rollout');
  });

  it('deploys through a pipeline\'s deploy stage with the same engine, then by editing the Cluster', async () => {
    const strategy = { type: 'redblack', redBlack: { scaleDown: true } };
    await apply(lb('pl'));
    // The Cluster's template has a field the stage's lacks: the stage's template replaces it whole.
    const first = cluster('pl', 'shop:1', strategy);
    first.spec.template = podTemplate('shop:1', { terminationGracePeriodSeconds: 5 });
    await rollTo(first, 'lb-pl', 'Succeeded');
    await apply({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'release' }, spec: { application: 'shop',
      parameters: [{ name: 'image', required: true }],
      stages: [{ refId: 'deploy', type: 'deploy', deploy: { clusterRef: { name: 'shop-pl' }, template: podTemplate('${parameters.image}') } }] } },
    { apiVersion: api, kind: 'PipelineRun', metadata: { name: 'release-1' }, spec: { pipelineRef: { name: 'release' }, parameters: { image: 'shop:2' } } });
    let run: { status?: { stages?: { status: string; outputs?: Record<string, unknown> }[]; conditions?: { type: string; reason: string }[] } } = {};
    await waitFor(async () => {
      run = JSON.parse(await k(['get', 'pipelinerun', 'release-1', '-o', 'json']));
      return run.status?.conditions?.some((c) => c.type === 'Succeeded' && c.reason !== 'Running') ?? false;
    }, 60_000, () => `the release did not finish: ${JSON.stringify(run.status)}`);
    assert.equal(run.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason, 'Succeeded');
    assert.deepEqual(run.status?.stages?.[0]?.outputs, { cluster: 'shop-pl', serverGroup: 'shop-pl-v001', revision: 2 });
    const image = await k(['get', 'replicaset', 'shop-pl-v001', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    assert.equal(image, 'shop:2');
    assert.equal(await k(['get', 'replicaset', 'shop-pl-v001', '-o', 'jsonpath={.spec.template.spec.terminationGracePeriodSeconds}']), '30');
    assert.equal((await status('shop-pl')).activeServerGroup, 'shop-pl-v001');

    // GitOps edits the same Cluster: the same engine rolls out v002.
    await rollTo(cluster('pl', 'shop:3', strategy), 'lb-pl', 'Succeeded');
    assert.equal((await status('shop-pl')).activeServerGroup, 'shop-pl-v002');
  });

  it('rolls back on request (spec.rollback): the previous server group serves again, until the template changes', async () => {
    const strategy = { type: 'redblack', redBlack: { scaleDown: true } };
    await apply(lb('undo'));
    await rollTo(cluster('undo', 'shop:1', strategy), 'lb-undo', 'Succeeded');
    await rollTo(cluster('undo', 'shop:2', strategy), 'lb-undo', 'Succeeded');
    const samples = await rollTo(cluster('undo', 'shop:2', strategy, { rollback: { id: 'undo-1' } }), 'lb-undo', 'RolledBack');
    assert.ok(samples.every((s) => s.length > 0), 'a moment with no ready endpoint');
    const st = await status('shop-undo');
    assert.equal(st.activeServerGroup, 'shop-undo-v000');
    assert.match(st.rollout!.message!, /rolled back to shop-undo-v000 on request undo-1/);
    let now: string[] = [];
    let v000: string[] = [];
    await waitFor(async () => {
      now = await readyEndpoints('lb-undo');
      v000 = (await k(['get', 'pods', '-l', 'staysail.dev/server-group=shop-undo-v000', '-o', 'jsonpath={.items[*].status.podIP}'])).trim().split(/\s+/).sort();
      return now.length === 2 && JSON.stringify(now) === JSON.stringify(v000);
    }, 30_000, () => `the Service serves ${now.join(', ')}, not v000's pods ${v000.join(', ')}`);
    await rollTo(cluster('undo', 'shop:3', strategy, { rollback: { id: 'undo-1' } }), 'lb-undo', 'Succeeded');
    assert.equal((await status('shop-undo')).activeServerGroup, 'shop-undo-v002');
  });

  it('rollingredblack runs a validation pipeline after each step, and rolls back when one fails', async () => {
    await apply({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'validate' }, spec: { application: 'shop',
      concurrency: { maxConcurrentRuns: 0 },
      parameters: [{ name: 'deployedServerGroup' }, { name: 'sourceServerGroup' }, { name: 'percentageComplete', type: 'integer' }],
      stages: [{ refId: 'check', type: 'checkPreconditions', checkPreconditions: { preconditions: [
        { expression: '${parameters.deployedServerGroup != "shop-val-v001" || parameters.percentageComplete < 100}', message: 'v001 fails at 100%' }] } }] } });
    const strategy = { type: 'rollingredblack', rollingRedBlack: { targetPercentages: [50], validationPipelineRef: { name: 'validate' } } };
    await apply(lb('val'));
    await rollTo(cluster('val', 'shop:1', strategy), 'lb-val', 'Succeeded');
    const v1 = await servingAll('lb-val');
    await rollTo(cluster('val', 'shop:2', strategy), 'lb-val', 'RolledBack');
    const st = await status('shop-val');
    assert.match(st.rollout!.message!, /rolled back to shop-val-v000: the validation pipeline failed at 100%/);
    const runs = JSON.parse(await k(['get', 'pipelineruns', '-l', 'staysail.dev/cluster=shop-val,staysail.dev/rollout=2', '-o', 'json'])).items as
      { metadata: { labels: Record<string, string> }; spec: { parameters: Record<string, unknown> }; status: { conditions: { type: string; reason: string }[] } }[];
    const byStep = Object.fromEntries(runs.map((r) => [r.metadata.labels['staysail.dev/step']!, r] as const));
    assert.deepEqual(byStep['50']!.spec.parameters, { deployedServerGroup: 'shop-val-v001', sourceServerGroup: 'shop-val-v000', percentageComplete: 50 });
    assert.equal(byStep['50']!.status.conditions.find((c) => c.type === 'Succeeded')?.reason, 'Succeeded');
    assert.equal(byStep['100']!.status.conditions.find((c) => c.type === 'Succeeded')?.reason, 'Failed');
    let now: string[] = [];
    await waitFor(async () => { now = await readyEndpoints('lb-val'); return JSON.stringify(now) === JSON.stringify(v1); }, 30_000,
      () => `traffic is not back on v1: ${now.join(', ')}`);
  });
});
