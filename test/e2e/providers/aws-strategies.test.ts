// Deploy strategies on AWS end to end, with the operator as a process and moto as AWS: a Cluster of
// Auto Scaling groups behind an ELBv2 load balancer and in an EC2 security group is edited (as
// GitOps would) and the strategy moves the target group's registered instances between groups.
// Every assertion reads moto itself, not the operator's status.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { awsSuite, cluster, loadBalancer, securityGroup, type AwsSuite, type Group } from './aws-harness.ts';

let s: AwsSuite;

/** The single target group of a LoadBalancer, once made. */
async function targetGroup(lb: string): Promise<{ arn: string; name: string }> {
  let tgs: { arn: string; name: string }[] = [];
  await waitFor(async () => (tgs = await s.view.targetGroupsOf(lb)).length === 1, 60_000,
    () => `LoadBalancer ${lb} has no single target group in moto: ${JSON.stringify(tgs)}\n${s.proxy.summary()}`);
  return tgs[0]!;
}

async function group(name: string): Promise<Group> {
  const g = await s.view.group(name);
  assert.ok(g, `no Auto Scaling group ${name} in moto`);
  return g;
}

/** Waits until the target group's healthy instances are exactly the group's in-service ones. */
async function servedBy(tgArn: string, name: string): Promise<string[]> {
  let targets: string[] = [];
  let ids: string[] = [];
  await waitFor(async () => {
    ids = (await group(name)).inService;
    targets = await s.view.healthyTargets(tgArn);
    return ids.length > 0 && JSON.stringify(targets) === JSON.stringify(ids);
  }, 30_000, () => `the target group does not serve ${name} alone: targets ${targets.join(', ')}; ${name} in service ${ids.join(', ')}`);
  return ids;
}

describe('AWS deploy strategies, with the operator as a process and moto', function () {
  this.timeout(300_000);
  s = awsSuite('aws-rollouts');

  it('red/black: the target group moves from v000 to v001 with a healthy target at every sample, v000 left suspended and scaled down; '
    + 'a rollback on request serves v000 again; highlander then leaves only v002', async () => {
    const redblack = { type: 'redblack', redBlack: { scaleDown: true } };
    await s.apply(loadBalancer('lb-rb'), securityGroup('fw-rb'));
    await s.rollTo(cluster('rb', '1', { strategy: redblack }), 'Succeeded');
    const tg = await targetGroup('lb-rb');
    assert.equal(tg.name, 'lb-rb-80');
    const v000 = await servedBy(tg.arn, 'shop-rb-v000');
    assert.equal(v000.length, 2);
    const sg = await s.view.securityGroupId('fw-rb');
    assert.ok(sg, 'no EC2 security group sg-rb');
    for (const [id, groups] of await s.view.instanceSecurityGroups(v000)) assert.ok(groups.includes(sg), `instance ${id} is not in sg-rb (${sg}): ${groups.join(', ')}`);

    // v001 comes up beside v000, takes the target group, then v000 leaves it.
    const samples: string[][] = [];
    const sampleTargets = async () => { samples.push(await s.view.healthyTargets(tg.arn)); };
    await s.rollTo(cluster('rb', '2', { strategy: redblack }), 'Succeeded', sampleTargets);
    const v001 = await servedBy(tg.arn, 'shop-rb-v001');
    await sampleTargets();
    assert.ok(samples.every((t) => t.length > 0), `a moment with no healthy target: ${JSON.stringify(samples.map((t) => t.length))}`);
    assert.deepEqual(samples[0], v000, 'the first sample is not v000\'s instances');
    assert.deepEqual(samples.at(-1), v001, 'the last sample is not v001\'s instances');
    assert.ok(samples.every((t) => t.every((id) => v000.includes(id) || v001.includes(id))), 'a target of neither group');
    // Both served at once: v001's target groups were attached (answered by moto) before v000's were detached. Read
    // from the calls moto carried out, not from samples, which may fall either side of a short overlap.
    const done = (action: string, group: string) => s.proxy.calls.findIndex((c) => c.action === action && c.group === group && c.status === 200);
    const joined = done('AttachLoadBalancerTargetGroups', 'shop-rb-v001');
    const departed = done('DetachLoadBalancerTargetGroups', 'shop-rb-v000');
    assert.ok(joined >= 0 && departed > joined, `v000 left before v001 served: v001 attached at call ${joined}, v000 detached at call ${departed}`);
    assert.equal((await s.cluster('shop-rb')).activeServerGroup, 'shop-rb-v001');
    let old = await group('shop-rb-v000');
    await waitFor(async () => { old = await group('shop-rb-v000'); return old.desired === 0 && old.inService.length === 0; }, 30_000,
      () => `v000 was not scaled down: ${JSON.stringify(old)}`);
    assert.ok(old.suspended.includes('AddToLoadBalancer'), `v000 may join load balancers again: suspended ${old.suspended.join(', ')}`);
    assert.deepEqual(old.targetGroups, [], 'v000 is still attached to a target group');

    // A rollback on request: v000 is resized back, serves, and v001 leaves the target group.
    samples.length = 0;
    const undone = await s.rollTo(cluster('rb', '2', { strategy: redblack, extra: { rollback: { id: 'undo-1' } } }), 'RolledBack', sampleTargets);
    assert.equal(undone.activeServerGroup, 'shop-rb-v000');
    assert.match(undone.rollout!.message!, /rolled back to shop-rb-v000 on request undo-1/);
    assert.ok(samples.every((t) => t.length > 0), `a moment with no healthy target during the rollback: ${JSON.stringify(samples.map((t) => t.length))}`);
    const back = await servedBy(tg.arn, 'shop-rb-v000');
    assert.equal(back.length, 2);
    const disabled = await group('shop-rb-v001');
    assert.ok(disabled.suspended.includes('AddToLoadBalancer'), `v001 may join load balancers again: suspended ${disabled.suspended.join(', ')}`);
    assert.deepEqual(disabled.targetGroups, []);

    // highlander from there: v002 serves, every older group and its launch template is deleted in moto.
    samples.length = 0;
    await s.rollTo(cluster('rb', '3', { strategy: { type: 'highlander' }, extra: { rollback: { id: 'undo-1' } } }), 'Succeeded', sampleTargets);
    assert.ok(samples.every((t) => t.length > 0), `a moment with no healthy target during highlander: ${JSON.stringify(samples.map((t) => t.length))}`);
    let left: string[] = [];
    await waitFor(async () => {
      left = [...(await s.view.groupsOf('shop-rb')).map((g) => `group ${g.name}`), ...(await s.view.launchTemplates('shop-rb-')).map((t) => `template ${t.name}`)];
      return left.join() === 'group shop-rb-v002,template shop-rb-v002';
    }, 30_000, () => `highlander left ${left.join(', ')}`);
    await servedBy(tg.arn, 'shop-rb-v002');
  });

  it('rolling red/black: the new group grows 1, 2, then 4 in moto while the old one keeps its 4 and its traffic; then the old one leaves', async () => {
    const strategy = { type: 'rollingredblack', rollingRedBlack: { targetPercentages: [25, 50], delayBeforeCleanup: '3s', scaleDown: true } };
    const capacity = { min: 2, max: 6, desired: 4 };
    await s.apply(loadBalancer('lb-rr'), securityGroup('fw-rr'));
    await s.rollTo(cluster('rr', '1', { strategy, capacity }), 'Succeeded');
    const tg = await targetGroup('lb-rr');
    await servedBy(tg.arn, 'shop-rr-v000');

    interface Sample { fresh?: Group; old: Group; healthy: number }
    const samples: Sample[] = [];
    // What v000's ServerGroup says of the steps' shares out of traffic, which AWS cannot take out of a group in part.
    const actedOn = async () => JSON.parse(await s.k(['get', 'servergroup', 'shop-rr-v000', '-o', 'jsonpath={.status.conditions[?(@.type=="FieldsActedOn")]}']) || '{}') as
      { status?: string; message?: string };
    const said: { status?: string; message?: string }[] = [];
    await s.rollTo(cluster('rr', '2', { strategy, capacity }), 'Succeeded', async () => {
      const [old, fresh, healthy, acted] = await Promise.all([group('shop-rr-v000'), s.view.group('shop-rr-v001'), s.view.healthyTargets(tg.arn), actedOn()]);
      samples.push({ old, ...(fresh ? { fresh } : {}), healthy: healthy.length });
      said.push(acted);
    });
    const sizes = samples.map((x) => x.fresh?.desired ?? 0).filter((d, i, all) => d > 0 && d !== all[i - 1]);
    assert.deepEqual(sizes, [1, 2, 4], `the new group's desired capacity went ${JSON.stringify(samples.map((x) => x.fresh?.desired))}`);
    for (const x of samples.filter((y) => (y.fresh?.desired ?? 0) < 4)) {
      assert.equal(x.old.desired, 4, `the old group shrank before the new one reached 4: ${JSON.stringify(x)}`);
      assert.equal(x.old.inService.length, 4, `the old group lost instances before the new one reached 4: ${JSON.stringify(x)}`);
      if (x.fresh && x.fresh.desired < 4) assert.equal(x.fresh.min, x.fresh.max, `a step is not pinned: ${JSON.stringify(x.fresh)}`);
    }
    assert.ok(samples.every((x) => x.healthy >= 4), `healthy targets fell below 4: ${JSON.stringify(samples.map((x) => x.healthy))}`);
    assert.ok(samples.some((x) => x.healthy > 4), 'old and new never served together during the steps');
    const v001 = await servedBy(tg.arn, 'shop-rr-v001');
    assert.equal(v001.length, 4);
    const fresh = await group('shop-rr-v001');
    assert.deepEqual([fresh.min, fresh.max, fresh.desired], [2, 6, 4], 'at 100% the new group takes the cluster\'s capacity');
    let old = await group('shop-rr-v000');
    await waitFor(async () => { old = await group('shop-rr-v000'); return old.desired === 0 && old.inService.length === 0; }, 30_000,
      () => `v000 was not scaled down: ${JSON.stringify(old)}`);
    assert.ok(old.suspended.includes('AddToLoadBalancer'), `v000 may join load balancers again: suspended ${old.suspended.join(', ')}`);
    // While the steps asked v000 for a share out of traffic, its ServerGroup said AWS does not take it; once v000 is disabled whole, the share is cleared.
    const notActed = said.find((x) => x.status === 'False');
    assert.ok(notActed, `v000 never said its share of traffic is not acted on: ${JSON.stringify(said.slice(-3))}`);
    assert.match(notActed.message ?? '', /sets spec\.disabledPercentage, .*the aws provider cannot take part of a server group out of traffic/);
    await waitFor(async () => (await actedOn()).status !== 'False', 30_000, () => 'v000 still says a share of its traffic is not acted on after it was disabled');
  });
});
