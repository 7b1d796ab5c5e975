// A GCE Cluster through its life, with the operator as a process and the fake of Compute: a
// pipeline's deploy stage rolls out a new managed instance group, and deleting the Clusters,
// LoadBalancers and SecurityGroups leaves nothing of Staysail's in the fake.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { gceTemplate } from '../../support/gce-world.ts';
import { api, succeeded, type Run } from '../../support/runs.ts';
import { cluster, gceSuite, loadBalancer, securityGroup } from './gce-harness.ts';

describe('a GCE Cluster\'s life, with the operator as a process and the fake of Compute', function () {
  this.timeout(300_000);
  const s = gceSuite('gce-life');

  it('a pipeline\'s deploy stage rolls out the next managed instance group, from the stage\'s template, and succeeds', async () => {
    await s.apply(loadBalancer('lb-pl'), securityGroup('fw-pl'));
    await s.rollTo(cluster('pl', '1', { strategy: { type: 'redblack', redBlack: { scaleDown: true } } }), 'Succeeded');
    await s.apply({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'release' }, spec: { application: 'shop',
      parameters: [{ name: 'version', required: true }],
      stages: [{ refId: 'deploy', type: 'deploy', deploy: { clusterRef: { name: 'shop-pl' }, template: gceTemplate('${parameters.version}') } }] } },
    { apiVersion: api, kind: 'PipelineRun', metadata: { name: 'release-1' }, spec: { pipelineRef: { name: 'release' }, parameters: { version: '2' } } });
    let run: Run = { metadata: { name: 'release-1' } };
    await waitFor(async () => {
      run = JSON.parse(await s.k(['get', 'pipelinerun', 'release-1', '-o', 'json'])) as Run;
      return (succeeded(run)?.status ?? 'Unknown') !== 'Unknown';
    }, 120_000, () => `the release did not finish: ${JSON.stringify(run.status)}`).catch(async (err: Error) => { throw new Error(`${err.message}\n${await s.why('shop-pl')}`); });
    assert.equal(succeeded(run)?.reason, 'Succeeded', JSON.stringify(run.status));
    assert.deepEqual(run.status?.stages?.[0]?.outputs, { cluster: 'shop-pl', serverGroup: 'shop-pl-v001', revision: 2 });

    const v001 = s.view.group('shop-pl-v001');
    assert.ok(v001, `no managed instance group shop-pl-v001 in the fake: ${s.view.groups().map((g) => g.name).join(', ')}`);
    assert.equal(v001.targetSize, 2);
    assert.equal((await s.view.runningInstances('shop-pl-v001')).length, 2);
    assert.match(v001.template, /\/global\/instanceTemplates\/shop-pl-v001-europe-west1-b$/);
    const template = s.fake.state('instanceTemplates')['projects/test-project/global/instanceTemplates/shop-pl-v001-europe-west1-b'] as
      { properties: { labels: Record<string, string> } };
    assert.equal(template.properties.labels.version, '2', 'the group does not run the stage\'s template');
    assert.deepEqual(s.view.templates('shop-pl-'), ['shop-pl-v000-europe-west1-b', 'shop-pl-v001-europe-west1-b']);
    assert.deepEqual(s.view.backendsOf('lb-pl-80'), ['shop-pl-v001']);
    assert.equal((await s.cluster('shop-pl')).activeServerGroup, 'shop-pl-v001');
  });

  it('deleting the Clusters, LoadBalancers and SecurityGroups leaves no group, template, backend service, health check, proxy, '
    + 'forwarding rule or firewall in the fake', async () => {
    const redblack = { type: 'redblack', redBlack: { scaleDown: true } };
    await s.apply(loadBalancer('lb-gone'), securityGroup('fw-gone'));
    await s.rollTo(cluster('gone', '1', { strategy: redblack }), 'Succeeded');
    await s.rollTo(cluster('gone', '2', { strategy: redblack }), 'Succeeded');
    const before = s.view.leftovers();
    for (const made of ['instanceGroupManagers/shop-gone-v000', 'instanceGroupManagers/shop-gone-v001', 'instanceTemplates/shop-gone-v001-europe-west1-b',
      'backendServices/lb-gone-80', 'healthChecks/lb-gone', 'targetTcpProxies/lb-gone-80', 'forwardingRules/lb-gone-80', 'firewalls/fw-gone']) {
      assert.ok(before.includes(made), `${made} was never made: ${before.join(', ')}`);
    }

    await s.k(['delete', 'clusters,loadbalancers,securitygroups', '--all', '--wait=false']);
    let k8s = '';
    await waitFor(async () => (k8s = (await s.k(['get', 'clusters,servergroups,loadbalancers,securitygroups', '-o', 'name'])).trim()) === '', 120_000,
      () => `still in Kubernetes: ${k8s}`).catch(async (err: Error) => { throw new Error(`${err.message}\n${await s.why()}`); });
    // Each object's finalizer waits for what it made, so nothing may be left once they are gone.
    assert.deepEqual(s.view.leftovers(), []);
  });
});
