// The canary strategy end to end: the operator as a process on kwok, a real Prometheus scraping
// series the test serves per server group. A Cluster's template is edited; a baseline and a canary
// server group run beside production while each interval is judged; the canary is promoted by
// red/black or rolled back, and a person can promote or abort it through the Cluster's spec.
import assert from 'node:assert/strict';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../../cluster/binaries.ts';
import { freePorts, waitFor } from '../../cluster/probe.ts';
import { LocalPrometheus, MetricsTarget, noisy } from '../../prometheus/prometheus.ts';
import { canaryConfig, metric } from '../../support/canary-config.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { sharedCluster } from '../../support/setup.ts';

const api = 'staysail.dev/v1alpha1';
const ns = `canaries-${Date.now().toString(36)}`;
const k = (args: string[], input?: string) => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, ...args], input);
const apply = (...docs: object[]) => k(['apply', '--server-side', '--force-conflicts', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));

const cluster = (stack: string, image: string, canary: object) => ({
  apiVersion: api, kind: 'Cluster', metadata: { name: `shop-${stack}` },
  spec: { moniker: { app: 'shop', stack }, accountRef: { name: 'local' }, capacity: { min: 1, max: 4, desired: 2 },
    template: { kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image }] } } } },
    strategy: { type: 'canary', canary: { replicas: 1, ...canary } } },
});

interface Interval { interval: number; score: number; classification: string }
interface Report extends Interval { reason?: string; metrics: { name: string; classification: string; critical?: boolean }[] }
interface Status { activeServerGroup?: string; rollout?: { phase: string; message?: string; revision: number };
  canary?: { revision: number; baseline: string; canary: string; lastScore?: number; intervals: Interval[]; lastInterval?: Report; error?: string } }
const status = async (name: string) => JSON.parse(await k(['get', 'cluster', name, '-o', 'jsonpath={.status}']) || '{}') as Status;
const serverGroups = async () => (await k(['get', 'servergroups', '-o', 'jsonpath={.items[*].metadata.name}'])).split(/\s+/).filter(Boolean).sort();

/** Applies the cluster and waits for rollout `revision` to reach one of the phases; returns its status. */
async function rollout(name: string, revision: number, phases: string[], timeoutMs = 90_000): Promise<Status> {
  let last: Status = {};
  await waitFor(async () => { last = await status(name); return last.rollout?.revision === revision && phases.includes(last.rollout.phase); },
    timeoutMs, () => `cluster ${name} rollout ${revision} did not reach ${phases.join(' or ')}: ${JSON.stringify(last.rollout)}`, 250);
  return last;
}

describe('the canary strategy on kwok, against a real Prometheus', function () {
  this.timeout(240_000);
  let target: MetricsTarget;
  let prometheus: LocalPrometheus;
  let operator: OperatorProcess;

  before(async () => {
    target = await MetricsTarget.start();
    const serve = (sg: string, errors: () => number, latency: () => number, cpu: () => number) => {
      target.set('app_errors', { server_group: sg }, errors);
      target.set('app_latency', { server_group: sg }, latency);
      target.set('app_cpu', { server_group: sg }, cpu);
    };
    // shop-prod: v001 (the second version) is as good as its baseline; v002 errs three times as often.
    serve('shop-prod-baseline-v001', noisy(10, 0.2, 1), noisy(100, 0.2, 2), noisy(50, 0.2, 3));
    serve('shop-prod-canary-v001', noisy(10, 0.2, 4), noisy(100, 0.2, 5), noisy(50, 0.2, 6));
    serve('shop-prod-baseline-v002', noisy(10, 0.2, 7), noisy(100, 0.2, 8), noisy(50, 0.2, 9));
    serve('shop-prod-canary-v002', noisy(30, 0.1, 10), noisy(100, 0.2, 11), noisy(50, 0.2, 12));
    // shop-slow: the canary is no worse at errors or cpu but three times slower: half its metrics fail.
    serve('shop-slow-baseline-v001', noisy(10, 0.2, 13), noisy(100, 0.2, 14), noisy(50, 0.2, 15));
    serve('shop-slow-canary-v001', noisy(10, 0.2, 16), noisy(300, 0.1, 17), noisy(50, 0.2, 18));
    // shop-pipe: deployed by a pipeline; its canary is as good as its baseline.
    serve('shop-pipe-baseline-v001', noisy(10, 0.2, 19), noisy(100, 0.2, 20), noisy(50, 0.2, 21));
    serve('shop-pipe-canary-v001', noisy(10, 0.2, 22), noisy(100, 0.2, 23), noisy(50, 0.2, 24));
    prometheus = await LocalPrometheus.start([target.hostPort]);

    await createNamespace(ns);
    await apply({ apiVersion: api, kind: 'Account', metadata: { name: 'local' }, spec: { provider: 'kubernetes' } },
      canaryConfig('errors', prometheus.address, [metric('errors', 'errors', { critical: true })]),
      canaryConfig('speed', prometheus.address, [metric('latency', 'speed'), metric('cpu', 'speed')]));
    operator = await operatorIn(ns);
  });
  after(async () => {
    await removeNamespace(ns, operator);
    await prometheus?.stop();
    await target?.stop();
  });

  it('promotes a healthy canary, rolls back an erring one with score 0, and fails a marginal interval at once', async () => {
    const prod = { canaryConfigRef: { name: 'errors' }, interval: '8s', lifetime: '16s' };
    const slow = { canaryConfigRef: { name: 'speed' }, interval: '8s', lifetime: '24s' };
    // First deploys have no baseline to compare with: they go red/black.
    await apply(cluster('prod', 'shop:1', prod), cluster('slow', 'shop:1', slow));
    await Promise.all([rollout('shop-prod', 1, ['Succeeded']), rollout('shop-slow', 1, ['Succeeded'])]);

    await apply(cluster('prod', 'shop:2', prod), cluster('slow', 'shop:2', slow));
    await waitFor(async () => (await status('shop-prod')).rollout?.phase === 'Analyzing', 60_000, () => 'shop-prod never analysed');
    assert.ok((await serverGroups()).includes('shop-prod-baseline-v001') && (await serverGroups()).includes('shop-prod-canary-v001'),
      `the pair runs beside production: ${(await serverGroups()).join(', ')}`);
    const baselineImage = await k(['get', 'servergroup', 'shop-prod-baseline-v001', '-o', 'jsonpath={.spec.template.kubernetes.podTemplate.spec.containers[0].image}']);
    assert.equal(baselineImage, 'shop:1', 'the baseline runs the current version');

    const [promoted, slowed] = await Promise.all([rollout('shop-prod', 2, ['Succeeded', 'RolledBack', 'Failed']), rollout('shop-slow', 2, ['Succeeded', 'RolledBack', 'Failed'])]);
    assert.equal(promoted.rollout?.phase, 'Succeeded', JSON.stringify(promoted));
    assert.equal(promoted.activeServerGroup, 'shop-prod-v001');
    assert.deepEqual(promoted.canary?.intervals.map((i) => i.score), [100, 100]);
    assert.deepEqual(promoted.canary?.lastInterval?.metrics.map((m) => [m.name, m.classification]), [['errors', 'Pass']]);
    assert.equal(promoted.canary?.lastInterval?.interval, 2);
    assert.equal(slowed.rollout?.phase, 'RolledBack', JSON.stringify(slowed));
    assert.equal(slowed.activeServerGroup, 'shop-slow-v000');
    assert.deepEqual(slowed.canary?.intervals.map((i) => i.score), [50], 'the first interval at marginal ends the analysis');
    assert.match(slowed.rollout!.message!, /interval 1 of 3 scored 50, at or below the marginal threshold 50/);

    await apply(cluster('prod', 'shop:3', prod));
    const erring = await rollout('shop-prod', 3, ['Succeeded', 'RolledBack', 'Failed']);
    assert.equal(erring.rollout?.phase, 'RolledBack', JSON.stringify(erring));
    assert.equal(erring.activeServerGroup, 'shop-prod-v001', 'production never changed');
    assert.equal(erring.canary?.lastScore, 0);
    assert.deepEqual(erring.canary?.lastInterval?.metrics.map((m) => [m.name, m.classification, m.critical]), [['errors', 'High', true]]);
    assert.match(erring.rollout!.message!, /critical metric errors is High|scored 0/);

    let left: string[] = [];
    await waitFor(async () => { left = await serverGroups(); return !left.some((n) => /-(baseline|canary)-v/.test(n)); }, 30_000,
      () => `the canary pairs were not destroyed: ${left.join(', ')}`);
    const table = await k(['get', 'clusters']);
    assert.match(table, /shop-prod\s+shop-prod-v001\s+2\/2\s+RolledBack\s+0\s/);
    const events = await k(['get', 'events', '--field-selector', 'involvedObject.name=shop-prod,reason=CanaryInterval', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /shop-prod-canary-v002 interval 1 scored 0 \(Fail\)/);
  });

  it('promotes or aborts a running canary on a person\'s decision in the spec', async () => {
    const held = { canaryConfigRef: { name: 'errors' }, interval: '5m', lifetime: '10m' };
    await apply(cluster('held', 'shop:1', held));
    await rollout('shop-held', 1, ['Succeeded']);
    await apply(cluster('held', 'shop:2', held));
    await rollout('shop-held', 2, ['Analyzing']);
    // A person promotes with the CLI, as kubectl staysail promote does.
    const promote = await new Promise<{ code: number; out: string }>((resolve) => execFile(process.execPath,
      [join(repoRoot, 'bin/staysail.js'), 'promote', 'shop-held', '--kubeconfig', sharedCluster().kubeconfigPath, '-n', ns],
      (e, stdout, stderr) => resolve({ code: e ? 1 : 0, out: stdout + stderr })));
    assert.equal(promote.code, 0, promote.out);
    assert.match(promote.out, /promoting the canary of Cluster "shop-held" \(decision promote-\w+\)/);
    const promoted = await rollout('shop-held', 2, ['Succeeded', 'RolledBack', 'Failed']);
    assert.equal(promoted.rollout?.phase, 'Succeeded');
    assert.equal(promoted.activeServerGroup, 'shop-held-v001');

    await apply(cluster('held', 'shop:3', held));
    await rollout('shop-held', 3, ['Analyzing']);
    await k(['patch', 'cluster', 'shop-held', '--type=merge', '-p', '{"spec":{"canaryDecision":{"id":"a1","decision":"abort"}}}']);
    const aborted = await rollout('shop-held', 3, ['Succeeded', 'RolledBack', 'Failed']);
    assert.equal(aborted.rollout?.phase, 'RolledBack');
    assert.match(aborted.rollout!.message!, /the canary was aborted \(decision a1\)/);
    assert.equal(aborted.canary?.intervals.length ?? 0, 0, 'no interval was judged');
    assert.equal(aborted.activeServerGroup, 'shop-held-v001');
  });

  it('deploys through a pipeline\'s deploy stage with the canary strategy, and puts the scores in its outputs', async () => {
    const redblack = { ...cluster('pipe', 'shop:1', {}), spec: { ...cluster('pipe', 'shop:1', {}).spec, strategy: { type: 'redblack' } } };
    await apply(redblack);
    await rollout('shop-pipe', 1, ['Succeeded']);
    const canary = { type: 'canary', canary: { canaryConfigRef: { name: 'errors' }, replicas: 1, lifetime: '8s' } };
    await apply({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'release' }, spec: { application: 'shop',
      parameters: [{ name: 'image', required: true }],
      stages: [{ refId: 'deploy', type: 'deploy', deploy: { clusterRef: { name: 'shop-pipe' }, strategy: canary,
        template: { kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image: '${parameters.image}' }] } } } } } }] } },
    { apiVersion: api, kind: 'PipelineRun', metadata: { name: 'release-1' }, spec: { pipelineRef: { name: 'release' }, parameters: { image: 'shop:2' } } });
    let run: { status?: { conditions?: { type: string; status: string; reason: string }[]; stages?: { refId: string; outputs?: Record<string, unknown> }[] } } = {};
    await waitFor(async () => {
      run = JSON.parse(await k(['get', 'pipelinerun', 'release-1', '-o', 'json']));
      return run.status?.conditions?.some((c) => c.type === 'Succeeded' && c.status !== 'Unknown') ?? false;
    }, 90_000, () => `release-1 did not finish: ${JSON.stringify(run.status)}`);
    assert.equal(run.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason, 'Succeeded', JSON.stringify(run.status));
    assert.deepEqual(run.status?.stages?.[0]?.outputs, { cluster: 'shop-pipe', serverGroup: 'shop-pipe-v001', revision: 2, canaryScores: [100], lastScore: 100 });
    const strategy = JSON.parse(await k(['get', 'cluster', 'shop-pipe', '-o', 'jsonpath={.spec.strategy}']));
    assert.deepEqual(strategy, { ...canary, canary: { ...canary.canary, interval: '5m' } },
      'the Cluster now deploys with the canary strategy (and its defaults), without the red/black block it had');
  });

  it('tries a metric store that does not answer again, saying so, and rolls back once the deadline passes', async () => {
    const [closed] = await freePorts(1);
    await apply(canaryConfig('dark', `http://127.0.0.1:${closed}`, [metric('errors', 'errors')]));
    const dark = (image: string) => {
      const m = cluster('dark', image, { canaryConfigRef: { name: 'dark' }, lifetime: '2s' });
      return { ...m, spec: { ...m.spec, progressDeadline: '8s' } };
    };
    await apply(dark('shop:1'));
    await rollout('shop-dark', 1, ['Succeeded']);
    await apply(dark('shop:2'));
    let message = '';
    await waitFor(async () => { message = (await status('shop-dark')).rollout?.message ?? ''; return /cannot be reached: .*; trying again$/.test(message); }, 60_000,
      () => `never said the metric store was unreachable: ${message}`);
    assert.match(message, /judging shop-dark-canary-v001 \(interval 1\): metric "errors" .*Prometheus at http:\/\/127\.0\.0\.1:\d+ cannot be reached/);
    const done = await rollout('shop-dark', 2, ['Succeeded', 'RolledBack', 'Failed'], 60_000);
    assert.equal(done.rollout?.phase, 'RolledBack');
    assert.equal(done.canary?.lastScore, 0);
    assert.match(done.canary!.lastInterval!.reason ?? '', /cannot be reached/);
  });

  it('fails the analysis at once when Prometheus refuses a query, naming the query and what to fix, and rolls back', async () => {
    const typo = { ...metric('errors', 'errors'), query: 'max(app_errors{server_group="${scope}"}' };
    await apply(canaryConfig('typo', prometheus.address, [typo]));
    const typed = (image: string) => cluster('typo', image, { canaryConfigRef: { name: 'typo' }, interval: '2s', lifetime: '4s' });
    await apply(typed('shop:1'));
    await rollout('shop-typo', 1, ['Succeeded']);
    await apply(typed('shop:2'));
    const done = await rollout('shop-typo', 2, ['Succeeded', 'RolledBack', 'Failed']);
    assert.equal(done.rollout?.phase, 'RolledBack', JSON.stringify(done));
    assert.equal(done.activeServerGroup, 'shop-typo-v000');
    const refused = /interval 1 could not be judged: metric "errors" \(max\(app_errors\{server_group="shop-typo-(baseline|canary)-v001"\}\): Prometheus refused the query: bad_data: .*; fix the query in CanaryConfig "typo" \(spec\.metrics\)/;
    assert.match(done.rollout!.message!, new RegExp(`rolled back to shop-typo-v000: canary analysis failed: ${refused.source}`));
    assert.match(done.canary?.error ?? '', refused);
    assert.deepEqual(done.canary?.intervals, [], 'a refused query is not a score');
    assert.equal(done.canary?.lastScore, undefined);
    const events = await k(['get', 'events', '--field-selector', 'involvedObject.name=shop-typo,reason=CanaryInterval', '-o', 'jsonpath={.items[*].type} {.items[*].message}']);
    assert.match(events, /^Warning Cluster "shop-typo" rollout 2: shop-typo-canary-v001 interval 1 could not be judged: /);
  });

  it('starts no canary when its CanaryConfig does not exist, and says so', async () => {
    const missing = (image: string) => cluster('lost', image, { canaryConfigRef: { name: 'absent' }, lifetime: '2s' });
    await apply(missing('shop:1'));
    await rollout('shop-lost', 1, ['Succeeded']);
    await apply(missing('shop:2'));
    const done = await rollout('shop-lost', 2, ['Succeeded', 'RolledBack', 'Failed']);
    assert.equal(done.rollout?.phase, 'RolledBack');
    assert.match(done.rollout!.message!, new RegExp(`no canary started: CanaryConfig "absent" \\(spec\\.strategy\\.canary\\.canaryConfigRef\\) does not exist in namespace "${ns}"`));
    assert.ok(!(await serverGroups()).some((n) => n.startsWith('shop-lost-baseline') || n.startsWith('shop-lost-canary')), 'no pair was made');
  });
});

