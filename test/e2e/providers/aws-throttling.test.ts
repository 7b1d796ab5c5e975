// AWS throttling, with the operator as a process and the proxy answering every third call with
// AWS's own throttling error (EC2's RequestLimitExceeded, the others' Throttling) for a while: the
// SDK's retries (adaptive, slowing its own rate) and the operator's back-off slow the rollouts down
// and lose nothing, and make nothing twice.
import assert from 'node:assert/strict';
import { everyNth, firstCalls } from '../../support/aws-proxy.ts';
import { awsSuite, cluster, loadBalancer, securityGroup } from './aws-harness.ts';

/**
 * Calls throttled one in three from the start of each phase. 60 calls cover, unthrottled, the
 * creation of the load balancer, security group, launch template and group of a first deploy, or a
 * red/black rollout's create, enable and disable. The adaptive retry mode then sends about two
 * calls a second, so each phase takes some 30 s instead of 5 (throttled without end, the test took 3 min).
 */
const throttledCalls = 60;

describe('AWS throttling, with the operator as a process and moto', function () {
  this.timeout(300_000);
  const s = awsSuite('aws-throttle');
  afterEach(() => s.proxy.throttle(undefined));

  it('every third call throttled for a while: both rollouts complete, one group and one launch template per server group, one of everything else', async () => {
    const started = Date.now();
    s.proxy.throttle(firstCalls(throttledCalls, everyNth(3)));
    await s.apply(loadBalancer('lb-th'), securityGroup('fw-th'));
    await s.rollTo(cluster('th', '1'), 'Succeeded', undefined, 150_000);
    const v000 = (await s.view.group('shop-th-v000'))!;
    const first = s.proxy.count();
    assert.ok(first.throttled >= throttledCalls / 3 - 1, `the first deploy saw ${first.throttled} throttled calls:\n${s.proxy.summary()}`);

    s.proxy.throttle(firstCalls(throttledCalls, everyNth(3)));
    const st = await s.rollTo(cluster('th', '2'), 'Succeeded', undefined, 150_000);
    s.proxy.throttle(undefined);
    const elapsed = `${Math.round((Date.now() - started) / 1000)}s`;
    const writes = ['CreateLoadBalancer', 'CreateTargetGroup', 'CreateListener', 'CreateSecurityGroup', 'AuthorizeSecurityGroupIngress', 'CreateLaunchTemplate',
      'CreateAutoScalingGroup', 'AttachLoadBalancerTargetGroups', 'DetachLoadBalancerTargetGroups', 'SuspendProcesses', 'ResumeProcesses'];
    assert.ok(writes.some((a) => s.proxy.count(a).throttled > 0), `no create or change was throttled (${elapsed}):\n${s.proxy.summary()}`);
    assert.ok(s.proxy.count().throttled > first.throttled, `the red/black rollout saw no throttled call (${elapsed}):\n${s.proxy.summary()}`);

    assert.equal(st.activeServerGroup, 'shop-th-v001');
    assert.deepEqual((await s.view.groupsOf('shop-th')).map((g) => g.name), ['shop-th-v000', 'shop-th-v001']);
    assert.deepEqual((await s.view.launchTemplates('shop-th-')).map((t) => `${t.name}@${t.latest}`), ['shop-th-v000@1', 'shop-th-v001@1']);
    for (const g of await s.view.groupsOf('shop-th')) assert.equal(g.inService.length, 2, `${g.name} lost or gained instances: ${JSON.stringify(g)}`);
    // moto replaces a group created again under its name and answers a launch template's repeated ClientToken as AlreadyExists, so
    // its state cannot show a second create: the creates it carried out (the proxy forwards no throttled call) say it.
    assert.equal((await s.view.group('shop-th-v000'))!.arn, v000.arn, 'v000 was made again');
    assert.deepEqual([s.proxy.count('CreateAutoScalingGroup').passed, s.proxy.count('CreateLaunchTemplate').passed], [2, 2],
      `a group or launch template was created twice:\n${s.proxy.summary()}`);
    const left = await s.view.leftovers();
    assert.deepEqual(left.filter((x) => !x.startsWith('Auto Scaling group') && !x.startsWith('launch template')).map((x) => x.replace(/ \(sg-\w+\)$/, '')),
      ['load balancer lb-th', 'security group fw-th', 'security group lb:lb-th', 'target group lb-th-80'], 'something was made twice, or not at all');
    const [tg] = await s.view.targetGroupsOf('lb-th');
    const v001 = (await s.view.group('shop-th-v001'))!;
    assert.deepEqual(await s.view.healthyTargets(tg!.arn), v001.inService, 'the target group does not serve v001 alone');
    assert.ok((await s.view.group('shop-th-v000'))!.suspended.includes('AddToLoadBalancer'), 'v000 was not disabled');
  });
});
