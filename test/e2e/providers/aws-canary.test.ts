// The canary and none strategies on AWS end to end, with the operator as a process, moto as AWS and a
// real Prometheus scraping series the test serves per server group (and region, which is ${location}
// on a cloud). A canary's baseline and canary Auto Scaling groups run beside production in its target
// group while each interval is judged; a good one is promoted by red/black and a bad one rolled back,
// the pair deleted in moto either way. With none, a new template's group joins the old one.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { LocalPrometheus, MetricsTarget, noisy } from '../../prometheus/prometheus.ts';
import { region } from '../../support/aws-world.ts';
import { canaryConfig, metric } from '../../support/canary-config.ts';
import { awsSuite, cluster, loadBalancer, securityGroup, servedBy, targetGroupOf, type Group } from './aws-harness.ts';

// Short intervals keep a test near a minute; at one-second resolution an interval still has 8 points a side.
const canary = { type: 'canary', canary: { canaryConfigRef: { name: 'errors' }, replicas: 1, interval: '8s', lifetime: '16s' } };

interface Interval { interval: number; score: number; classification: string }
interface CanaryStatus { revision: number; baseline: string; canary: string; lastScore?: number; intervals: Interval[];
  lastInterval?: { metrics: { name: string; classification: string; critical?: boolean }[] } }
interface Status { activeServerGroup?: string; rollout?: { phase: string; message?: string; revision: number };
  serverGroups?: { name: string; enabled: boolean; role?: string }[]; canary?: CanaryStatus }

describe('the canary and none strategies on AWS, with the operator as a process, moto and a real Prometheus', function () {
  this.timeout(240_000);
  const s = awsSuite('aws-canary');
  let target: MetricsTarget;
  let prometheus: LocalPrometheus;
  const status = async (name: string) => JSON.parse(await s.k(['get', 'cluster', name, '-o', 'jsonpath={.status}']) || '{}') as Status;

  before(async function () {
    this.timeout(60_000);
    target = await MetricsTarget.start();
    const serve = (sg: string, errors: () => number) => target.set('app_errors', { server_group: sg, region }, errors);
    // shop-good's canary errs as often as its baseline; shop-bad's three times as often.
    serve('shop-good-baseline-v001', noisy(10, 0.2, 1));
    serve('shop-good-canary-v001', noisy(10, 0.2, 4));
    serve('shop-bad-baseline-v001', noisy(10, 0.2, 7));
    serve('shop-bad-canary-v001', noisy(30, 0.1, 10));
    prometheus = await LocalPrometheus.start([target.hostPort]);
    const errors = { ...metric('errors', 'errors', { critical: true }), query: 'max(app_errors{server_group="${scope}",region="${location}"})' };
    await s.apply(canaryConfig('errors', prometheus.address, [errors]));
  });
  after(async () => {
    await prometheus?.stop();
    await target?.stop();
  });

  /** Auto Scaling groups and launch templates of a cluster (its pair included) in moto. */
  const madeFor = async (stack: string) => [...(await s.view.groups()).filter((g) => g.name.startsWith(`shop-${stack}-`)).map((g) => `group ${g.name}`),
    ...(await s.view.launchTemplates(`shop-${stack}-`)).map((t) => `template ${t.name}`)];

  /** Waits for the cluster's Auto Scaling groups and launch templates in moto to be exactly these. */
  async function leaves(stack: string, want: string[]): Promise<void> {
    let left: string[] = [];
    await waitFor(async () => (left = await madeFor(stack)).join() === want.join(), 30_000, () => `shop-${stack} left ${left.join(', ')}; wanted ${want.join(', ')}`);
  }

  /** While the pair is judged: both Auto Scaling groups at the canary size, running their versions, serving beside production. */
  async function pairServesBesideProduction(stack: string, tgArn: string): Promise<void> {
    const [baseline, canaryGroup] = [`shop-${stack}-baseline-v001`, `shop-${stack}-canary-v001`];
    const served = await servedBy(s, tgArn, `shop-${stack}-v000`, baseline, canaryGroup);
    assert.equal(served.length, 4, `production's 2 and the pair's 2 instances do not all serve: ${served.join(', ')}`);
    for (const [name, version] of [[baseline, '1'], [canaryGroup, '2']] as const) {
      const g = (await s.view.group(name))!;
      assert.deepEqual([g.min, g.max, g.desired, g.inService.length], [1, 1, 1, 1], `${name} is not at the canary size: ${JSON.stringify(g)}`);
      for (const [id, tags] of await s.view.instanceTags(g.inService)) assert.equal(tags.version, version, `instance ${id} of ${name} runs version ${tags.version}`);
    }
    const roles = (await status(`shop-${stack}`)).serverGroups?.filter((g) => g.role).map((g) => `${g.name}:${g.role}:${g.enabled}`).sort();
    assert.deepEqual(roles, [`${baseline}:baseline:true`, `${canaryGroup}:canary:true`]);
  }

  it('promotes a good canary: its pair serves beside production while judged, then v001 takes the target group and the pair is deleted', async () => {
    await s.apply(loadBalancer('lb-good'), securityGroup('fw-good'));
    // A first deploy has no baseline to compare with: it goes red/black.
    await s.rollTo(cluster('good', '1', { strategy: canary }), 'Succeeded');
    const tg = await targetGroupOf(s, 'lb-good');
    const v000 = await servedBy(s, tg.arn, 'shop-good-v000');

    const before = (await status('shop-good')).rollout!.revision;
    await s.apply(cluster('good', '2', { strategy: canary }));
    await s.rolloutAfter('shop-good', before, 'Analyzing');
    await pairServesBesideProduction('good', tg.arn);

    const samples: string[][] = [];
    const done = await s.rolloutAfter('shop-good', before, 'Succeeded', async () => { samples.push(await s.view.healthyTargets(tg.arn)); });
    const promoted = await status('shop-good');
    assert.equal(promoted.activeServerGroup, 'shop-good-v001', JSON.stringify(done));
    assert.deepEqual(promoted.canary?.intervals.map((i) => i.score), [100, 100], JSON.stringify(promoted.canary));
    assert.deepEqual(promoted.canary?.lastInterval?.metrics.map((m) => [m.name, m.classification]), [['errors', 'Pass']]);
    assert.ok(samples.every((t) => t.length > 0), `a moment with no healthy target: ${JSON.stringify(samples.map((t) => t.length))}`);
    const v001 = await servedBy(s, tg.arn, 'shop-good-v001');
    assert.equal(v001.length, 2);
    assert.ok(v001.every((id) => !v000.includes(id)));
    for (const [id, tags] of await s.view.instanceTags(v001)) assert.equal(tags.version, '2', `instance ${id} of shop-good-v001 runs version ${tags.version}`);
    const old = (await s.view.group('shop-good-v000'))!;
    assert.ok(old.suspended.includes('AddToLoadBalancer'), `shop-good-v000 may join load balancers again: suspended ${old.suspended.join(', ')}`);
    assert.deepEqual(old.targetGroups, [], 'shop-good-v000 is still attached to a target group');
    await leaves('good', ['group shop-good-v000', 'group shop-good-v001', 'template shop-good-v000', 'template shop-good-v001']);
  });

  it('rolls back a bad canary: production serves throughout, and the pair\'s Auto Scaling groups and launch templates are deleted', async () => {
    await s.apply(loadBalancer('lb-bad'), securityGroup('fw-bad'));
    await s.rollTo(cluster('bad', '1', { strategy: canary }), 'Succeeded');
    const tg = await targetGroupOf(s, 'lb-bad');
    const v000 = await servedBy(s, tg.arn, 'shop-bad-v000');

    const before = (await status('shop-bad')).rollout!.revision;
    const samples: string[][] = [];
    const sample = async () => { samples.push(await s.view.healthyTargets(tg.arn)); };
    await s.apply(cluster('bad', '2', { strategy: canary }));
    await s.rolloutAfter('shop-bad', before, 'Analyzing', sample);
    await pairServesBesideProduction('bad', tg.arn);
    await s.rolloutAfter('shop-bad', before, 'RolledBack', sample);
    const erring = await status('shop-bad');
    assert.equal(erring.activeServerGroup, 'shop-bad-v000', 'production changed');
    assert.equal(erring.canary?.lastScore, 0, JSON.stringify(erring.canary));
    assert.deepEqual(erring.canary?.intervals.map((i) => i.score), [0], 'the first interval at 0 ends the analysis');
    assert.deepEqual(erring.canary?.lastInterval?.metrics.map((m) => [m.name, m.classification, m.critical]), [['errors', 'High', true]]);
    assert.match(erring.rollout!.message!, /rolled back to shop-bad-v000: canary analysis failed: .*scored 0/);
    const missing = samples.filter((t) => !v000.every((id) => t.includes(id)));
    assert.deepEqual(missing, [], 'production did not serve at every sample');

    await leaves('bad', ['group shop-bad-v000', 'template shop-bad-v000']);
    assert.deepEqual(await servedBy(s, tg.arn, 'shop-bad-v000'), v000, 'production is not what serves');
    const prod = (await s.view.group('shop-bad-v000'))!;
    assert.deepEqual([prod.desired, prod.suspended], [2, []], `production was touched: ${JSON.stringify(prod)}`);
  });

  it('none: a new template\'s Auto Scaling group comes up beside the old one, and both stay enabled in the target group', async () => {
    const none = { type: 'none' };
    await s.apply(loadBalancer('lb-none'), securityGroup('fw-none'));
    await s.rollTo(cluster('none', '1', { strategy: none }), 'Succeeded');
    const tg = await targetGroupOf(s, 'lb-none');
    const v000 = await servedBy(s, tg.arn, 'shop-none-v000');

    const samples: string[][] = [];
    await s.rollTo(cluster('none', '2', { strategy: none }), 'Succeeded', async () => { samples.push(await s.view.healthyTargets(tg.arn)); });
    assert.deepEqual(samples.filter((t) => !v000.every((id) => t.includes(id))), [], 'the old group did not serve at every sample');
    const both = await servedBy(s, tg.arn, 'shop-none-v000', 'shop-none-v001');
    assert.equal(both.length, 4);
    const groups = await s.view.groupsOf('shop-none');
    assert.deepEqual(groups.map((g) => g.name), ['shop-none-v000', 'shop-none-v001']);
    for (const g of groups as Group[]) {
      assert.deepEqual([g.desired, g.inService.length, g.suspended, g.targetGroups], [2, 2, [], [tg.arn]], `${g.name} is not whole and enabled: ${JSON.stringify(g)}`);
    }
    const st = await status('shop-none');
    assert.equal(st.activeServerGroup, 'shop-none-v001');
    assert.deepEqual(st.serverGroups?.map((g) => `${g.name}:${g.enabled}`).sort(), ['shop-none-v000:true', 'shop-none-v001:true']);
    await leaves('none', ['group shop-none-v000', 'group shop-none-v001', 'template shop-none-v000', 'template shop-none-v001']);
  });
});
