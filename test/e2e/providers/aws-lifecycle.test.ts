// An AWS Cluster through its life, with the operator as a process and moto as AWS: a pipeline's
// deploy stage rolls out a new Auto Scaling group, and deleting the Clusters, LoadBalancers and
// SecurityGroups leaves nothing of Staysail's in moto.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { api, succeeded, type Run } from '../../support/runs.ts';
import { awsSuite, awsTemplate, cluster, loadBalancer, securityGroup } from './aws-harness.ts';

describe('an AWS Cluster\'s life, with the operator as a process and moto', function () {
  this.timeout(300_000);
  const s = awsSuite('aws-life');

  it('a pipeline\'s deploy stage rolls out the next Auto Scaling group, running the stage\'s template, and succeeds', async () => {
    await s.apply(loadBalancer('lb-pl'), securityGroup('fw-pl'));
    await s.rollTo(cluster('pl', '1', { strategy: { type: 'redblack', redBlack: { scaleDown: true } } }), 'Succeeded');
    await s.apply({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'release' }, spec: { application: 'shop',
      parameters: [{ name: 'version', required: true }],
      stages: [{ refId: 'deploy', type: 'deploy', deploy: { clusterRef: { name: 'shop-pl' }, template: awsTemplate('${parameters.version}') } }] } },
    { apiVersion: api, kind: 'PipelineRun', metadata: { name: 'release-1' }, spec: { pipelineRef: { name: 'release' }, parameters: { version: '2' } } });
    let run: Run = { metadata: { name: 'release-1' } };
    await waitFor(async () => {
      run = JSON.parse(await s.k(['get', 'pipelinerun', 'release-1', '-o', 'json'])) as Run;
      return (succeeded(run)?.status ?? 'Unknown') !== 'Unknown';
    }, 120_000, () => `the release did not finish: ${JSON.stringify(run.status)}`).catch(async (err: Error) => { throw new Error(`${err.message}\n${await s.why('shop-pl')}`); });
    assert.equal(succeeded(run)?.reason, 'Succeeded', JSON.stringify(run.status));
    assert.deepEqual(run.status?.stages?.[0]?.outputs, { cluster: 'shop-pl', serverGroup: 'shop-pl-v001', revision: 2 });

    const v001 = await s.view.group('shop-pl-v001');
    assert.ok(v001, 'no Auto Scaling group shop-pl-v001 in moto');
    assert.equal(v001.inService.length, 2);
    assert.equal(v001.tags['staysail.dev/cluster'], 'shop-pl');
    const tags = await s.view.instanceTags(v001.inService);
    for (const [id, t] of tags) assert.deepEqual([t.version, t.Name], ['2', 'shop-pl-v001'], `instance ${id} does not run the stage's template: ${JSON.stringify(t)}`);
    assert.deepEqual((await s.view.launchTemplates('shop-pl-')).map((t) => `${t.name}@${t.latest}`), ['shop-pl-v000@1', 'shop-pl-v001@1']);
    assert.equal((await s.cluster('shop-pl')).activeServerGroup, 'shop-pl-v001');
  });

  it('deleting the Clusters, LoadBalancers and SecurityGroups leaves no group, launch template, target group, load balancer or security group in moto', async () => {
    const redblack = { type: 'redblack', redBlack: { scaleDown: true } };
    await s.apply(loadBalancer('lb-gone'), securityGroup('fw-gone'));
    await s.rollTo(cluster('gone', '1', { strategy: redblack }), 'Succeeded');
    await s.rollTo(cluster('gone', '2', { strategy: redblack }), 'Succeeded');
    const before = await s.view.leftovers();
    for (const made of ['Auto Scaling group shop-gone-v000', 'Auto Scaling group shop-gone-v001', 'launch template shop-gone-v001', 'load balancer lb-gone',
      'target group lb-gone-80']) assert.ok(before.includes(made), `${made} was never made: ${before.join(', ')}`);
    assert.ok(before.some((x) => x.startsWith('security group fw-gone ')), `security group fw-gone was never made: ${before.join(', ')}`);

    await s.k(['delete', 'clusters,loadbalancers,securitygroups', '--all', '--wait=false']);
    let k8s = '';
    await waitFor(async () => (k8s = (await s.k(['get', 'clusters,servergroups,loadbalancers,securitygroups', '-o', 'name'])).trim()) === '', 120_000,
      () => `still in Kubernetes: ${k8s}`).catch(async (err: Error) => { throw new Error(`${err.message}\n${await s.why()}`); });
    // Each object's finalizer waits for what it made, so nothing may be left once they are gone.
    assert.deepEqual(await s.view.leftovers(), []);
  });
});
