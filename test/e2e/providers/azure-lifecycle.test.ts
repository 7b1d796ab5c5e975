// An Azure Cluster through its life, with the operator as a process and the fake of Resource
// Manager: v000 comes up as a scale set behind the LoadBalancer (its instances in the backend pool
// once upgraded to the model naming it) and in the SecurityGroup (its NIC carries the network and
// application security groups); a pipeline's deploy stage rolls out v001; a rollback on request
// serves v000 again; deleting the Cluster, LoadBalancer and SecurityGroup leaves nothing of
// Staysail's in the fake.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { azureTemplate } from '../../support/azure-world.ts';
import { api, succeeded, type Run } from '../../support/runs.ts';
import { azureSuite, cluster, ids, loadBalancer, securityGroup, vnetRange, type AzureSuite } from './azure-harness.ts';

type Json = Record<string, unknown>;
const manualUpgrade = /\/virtualMachineScaleSets\/([^/]+)\/manualupgrade$/;

/** Waits until the pool's only healthy members are all of the scale set's running instances. */
async function servedBy(s: AzureSuite, lb: string, scaleSet: string): Promise<string[]> {
  let healthy = {};
  let running: string[] = [];
  await waitFor(async () => {
    healthy = await s.view.healthyMembers(lb);
    running = await s.view.runningInstances(scaleSet);
    return running.length > 0 && JSON.stringify(healthy) === JSON.stringify({ [scaleSet]: running });
  }, 30_000, () => `load balancer ${lb} is not served by ${scaleSet} alone: ${JSON.stringify(healthy)}; ${scaleSet} runs ${running.join(', ')}`);
  return running;
}

describe('an Azure Cluster\'s life, with the operator as a process and the fake of Resource Manager', function () {
  this.timeout(300_000);
  const s = azureSuite('az-life');

  it('v000 comes up behind the LoadBalancer and in the SecurityGroup; a pipeline\'s deploy stage rolls out v001 from the stage\'s template; '
    + 'a rollback on request serves v000 again', async () => {
    const redblack = { type: 'redblack', redBlack: { scaleDown: true } };
    await s.apply(loadBalancer('lb-pl'), securityGroup('fw-pl'));
    const first = await s.rollTo(cluster('pl', '1', { strategy: redblack }), 'Succeeded');
    assert.equal(first.activeServerGroup, 'shop-pl-v000');
    await s.k(['wait', '--for=condition=Ready', '--timeout=30s', 'cluster/shop-pl', 'loadbalancer/lb-pl', 'securitygroup/fw-pl']);

    // The scale set's NIC carries the SecurityGroup's network security group and application security group, its IP configuration the pool.
    const v000 = s.view.scaleSet('shop-pl-v000');
    assert.ok(v000, `no scale set shop-pl-v000 in the fake: ${s.view.scaleSets().map((x) => x.name).join(', ')}`);
    assert.equal(v000.capacity, 2);
    assert.equal(v000.nsg?.toLowerCase(), ids.nsg('fw-pl').toLowerCase(), `the NIC does not carry fw-pl's network security group: ${JSON.stringify(v000)}`);
    assert.deepEqual(v000.asgs.map((x) => x.toLowerCase()), [ids.asg('fw-pl').toLowerCase()], 'the IP configuration is not in fw-pl\'s application security group');
    assert.deepEqual(v000.pools.map((x) => x.toLowerCase()), [ids.pool('lb-pl').toLowerCase()], 'the IP configuration names no pool of lb-pl');
    assert.equal(v000.healthProbe?.toLowerCase(), ids.probe('lb-pl').toLowerCase(), 'the scale set\'s health probe is not lb-pl\'s');
    assert.equal(v000.tags.version, '1');
    assert.equal(v000.tags['staysail-enabled'], 'true');
    const nsg = s.view.resource(ids.nsg('fw-pl'))!;
    const rules = ((nsg.properties as Json).securityRules as { name: string; properties: Json }[]).map((r) => r.properties);
    assert.deepEqual(rules.map((r) => [r.access, r.priority, r.protocol, r.destinationPortRange, r.sourceAddressPrefix]),
      [['Allow', 100, 'Tcp', '8080', vnetRange], ['Deny', 4096, '*', '*', 'VirtualNetwork']], 'fw-pl does not let 8080 in from the virtual network alone');
    const lb = s.view.resource(ids.loadBalancer('lb-pl'))!;
    const lbRules = ((lb.properties as Json).loadBalancingRules as { properties: Json }[]).map((r) => r.properties);
    assert.deepEqual(lbRules.map((r) => [r.protocol, r.frontendPort, r.backendPort]), [['Tcp', 80, 8080]]);
    const address = (s.view.resource(ids.publicIp('lb-pl'))?.properties as Json | undefined)?.ipAddress;
    assert.equal(await s.k(['get', 'loadbalancer', 'lb-pl', '-o', 'jsonpath={.status.address}']), address, 'the LoadBalancer does not show its public IP address');

    // Its instances joined the pool only through manualupgrade: both are there, and healthy.
    assert.deepEqual(await servedBy(s, 'lb-pl', 'shop-pl-v000'), ['0', '1']);
    const upgrades = s.view.calls((r) => r.method === 'POST' && manualUpgrade.test(r.path));
    assert.deepEqual(upgrades.map((r) => [manualUpgrade.exec(r.path)![1], r.status, (r.body as { instanceIds: string[] }).instanceIds]),
      [['shop-pl-v000', 202, ['0', '1']]], 'v000\'s instances were not upgraded once, both of them, to join the pool');

    // A pipeline's deploy stage rolls out v001 from its own template.
    await s.apply({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'release' }, spec: { application: 'shop',
      parameters: [{ name: 'version', required: true }],
      stages: [{ refId: 'deploy', type: 'deploy', deploy: { clusterRef: { name: 'shop-pl' }, template: azureTemplate('${parameters.version}') } }] } },
    { apiVersion: api, kind: 'PipelineRun', metadata: { name: 'release-1' }, spec: { pipelineRef: { name: 'release' }, parameters: { version: '2' } } });
    let run: Run = { metadata: { name: 'release-1' } };
    await waitFor(async () => {
      run = JSON.parse(await s.k(['get', 'pipelinerun', 'release-1', '-o', 'json'])) as Run;
      return (succeeded(run)?.status ?? 'Unknown') !== 'Unknown';
    }, 120_000, () => `the release did not finish: ${JSON.stringify(run.status)}`).catch(async (err: Error) => { throw new Error(`${err.message}\n${await s.why('shop-pl')}`); });
    assert.equal(succeeded(run)?.reason, 'Succeeded', JSON.stringify(run.status));
    assert.deepEqual(run.status?.stages?.[0]?.outputs, { cluster: 'shop-pl', serverGroup: 'shop-pl-v001', revision: 2 });
    const v001 = s.view.scaleSet('shop-pl-v001');
    assert.ok(v001, `no scale set shop-pl-v001 in the fake: ${s.view.scaleSets().map((x) => x.name).join(', ')}`);
    assert.equal(v001.tags.version, '2', 'the scale set does not run the stage\'s template');
    await servedBy(s, 'lb-pl', 'shop-pl-v001');
    assert.equal((await s.cluster('shop-pl')).activeServerGroup, 'shop-pl-v001');
    await waitFor(async () => s.view.scaleSet('shop-pl-v000')?.capacity === 0 && (await s.view.runningInstances('shop-pl-v000')).length === 0, 30_000,
      () => `v000 was not scaled down: ${JSON.stringify(s.view.scaleSet('shop-pl-v000'))}`);
    assert.deepEqual(s.view.scaleSet('shop-pl-v000')!.pools, [], 'disabled v000 still names the pool');

    // A rollback on request: v000 is resized back, serves again, and v001 leaves the pool.
    const undone = await s.rollTo(cluster('pl', '2', { strategy: redblack, extra: { rollback: { id: 'undo-1' } } }), 'RolledBack');
    assert.equal(undone.activeServerGroup, 'shop-pl-v000');
    assert.match(undone.rollout!.message!, /rolled back to shop-pl-v000 on request undo-1/);
    assert.equal((await servedBy(s, 'lb-pl', 'shop-pl-v000')).length, 2);
    assert.deepEqual(Object.keys(await s.view.poolMembers('lb-pl')), ['shop-pl-v000'], 'v001 is still in the pool');
  });

  it('deleting the Cluster, LoadBalancer and SecurityGroup leaves no scale set, load balancer, public IP address, network or application '
    + 'security group in the fake', async () => {
    await s.apply(loadBalancer('lb-gone'), securityGroup('fw-gone'));
    await s.rollTo(cluster('gone', '1'), 'Succeeded');
    const before = s.view.leftovers();
    for (const made of ['virtualMachineScaleSets/shop-gone-v000', 'loadBalancers/lb-gone', 'publicIPAddresses/lb-gone', 'networkSecurityGroups/fw-gone',
      'applicationSecurityGroups/fw-gone']) {
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
