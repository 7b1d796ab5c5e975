// A crash between "AWS did it" and "the operator knows": the proxy holds moto's answer to a create
// and SIGKILLs the operator, so the operator never hears that the launch template or Auto Scaling
// group was made. The operator started next finds what was made and makes nothing twice.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import type { AwsCall } from '../../support/aws-proxy.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { awsSuite, cluster, loadBalancer, securityGroup } from './aws-harness.ts';

describe('an operator killed right after AWS made what it asked for', function () {
  this.timeout(300_000);
  const s = awsSuite('aws-crash', { operator: false });
  const operators: OperatorProcess[] = [];
  after(() => { for (const o of operators) if (o.child.exitCode === null && o.child.signalCode === null) o.child.kill('SIGKILL'); });

  const start = () => { const o = new OperatorProcess(['--namespaces', s.ns]); operators.push(o); return o; };

  /** Starts an operator that is SIGKILLed once moto has answered the matching call; resolves with the call once it is dead. */
  async function killedAfter(matches: (c: AwsCall) => boolean, then: () => Promise<unknown>): Promise<AwsCall> {
    const doomed = start();
    const dead = new Promise<void>((resolve) => doomed.child.once('exit', () => resolve()));
    const held = s.proxy.holdAfter(matches, () => doomed.child.kill('SIGKILL'));
    await then();
    let timer: NodeJS.Timeout | undefined;
    const call = await Promise.race([held, new Promise<never>((_, reject) => {
      timer = setTimeout(() => { void s.why().then((why) => reject(new Error(`the call to hold never came\n${why}`))); }, 90_000);
    })]).finally(() => clearTimeout(timer));
    await dead;
    return call;
  }

  /** The cluster's groups and launch templates in moto, as name@version for templates. */
  const made = async (name: string) => ({
    groups: (await s.view.groupsOf(name)).map((g) => g.name),
    templates: (await s.view.launchTemplates(`${name}-`)).map((t) => `${t.name}@${t.latest}`),
  });

  /** Waits until the server group's instances are all in service and registered healthy in the target group. */
  async function servingAlone(lb: string, name: string): Promise<void> {
    let why = '';
    await waitFor(async () => {
      const [tg] = await s.view.targetGroupsOf(lb);
      const g = await s.view.group(name);
      const targets = tg ? await s.view.healthyTargets(tg.arn) : [];
      why = `group ${JSON.stringify(g)}, targets ${targets.join(', ')}`;
      return !!g && g.inService.length === g.desired && JSON.stringify(targets) === JSON.stringify(g.inService);
    }, 60_000, () => `${name} does not serve behind ${lb}: ${why}`);
  }

  it('after CreateAutoScalingGroup: one group and one launch template for the server group, which becomes healthy', async () => {
    await s.apply(loadBalancer('lb-crash'), securityGroup('fw-crash'));
    const call = await killedAfter((c) => c.action === 'CreateAutoScalingGroup' && c.params.get('AutoScalingGroupName') === 'shop-crash-v000',
      () => s.apply(cluster('crash', '1')));
    assert.equal(call.service, 'autoscaling');
    assert.deepEqual(await made('shop-crash'), { groups: ['shop-crash-v000'], templates: ['shop-crash-v000@1'] }, 'moto did not make the group before the kill');
    const first = (await s.view.group('shop-crash-v000'))!;

    s.operator = start();
    const st = await s.rolloutAfter('shop-crash', 0, 'Succeeded');
    assert.equal(st.activeServerGroup, 'shop-crash-v000');
    assert.deepEqual(await made('shop-crash'), { groups: ['shop-crash-v000'], templates: ['shop-crash-v000@1'] });
    await servingAlone('lb-crash', 'shop-crash-v000');
    // moto replaces a group created again under its name (AWS would refuse): the same ARN and instances say it was found, not made twice.
    const now = (await s.view.group('shop-crash-v000'))!;
    assert.deepEqual([now.arn, now.created, now.inService], [first.arn, first.created, first.inService], 'the group was made again');
    const uid = await s.k(['get', 'servergroup', 'shop-crash-v000', '-o', 'jsonpath={.metadata.uid}']);
    assert.equal((await s.view.group('shop-crash-v000'))!.tags['staysail.dev/owner-uid'], uid, 'the group is not the ServerGroup\'s');
  });

  it('after CreateLaunchTemplate: the rollout to v001 makes one launch template and one group, and completes', async () => {
    const before = (await s.cluster('shop-crash')).rollout?.revision ?? 0;
    await s.operator!.stop();
    s.operator = undefined;
    await killedAfter((c) => c.action === 'CreateLaunchTemplate' && c.params.get('LaunchTemplateName') === 'shop-crash-v001',
      () => s.k(['apply', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify(cluster('crash', '2'))));
    assert.deepEqual(await made('shop-crash'), { groups: ['shop-crash-v000'], templates: ['shop-crash-v000@1', 'shop-crash-v001@1'] },
      'moto did not make the launch template (alone) before the kill');

    s.operator = start();
    const st = await s.rolloutAfter('shop-crash', before, 'Succeeded');
    assert.equal(st.activeServerGroup, 'shop-crash-v001');
    assert.deepEqual(await made('shop-crash'), { groups: ['shop-crash-v000', 'shop-crash-v001'], templates: ['shop-crash-v000@1', 'shop-crash-v001@1'] });
    await servingAlone('lb-crash', 'shop-crash-v001');
  });
});
