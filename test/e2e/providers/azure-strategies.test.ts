// Deploy strategies on Azure end to end, with the operator as a process and the fake of Resource
// Manager: a Cluster of scale sets behind an external LoadBalancer (a Standard load balancer's
// backend pool) and in a SecurityGroup is edited, as GitOps would, and the strategy moves the pool's
// members between scale sets: a scale set's instances join or leave the pool only when upgraded
// (manualupgrade) to a model that names it or not. Every assertion reads the fake.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import type { RecordedRequest } from '../../fakes/azure/server.ts';
import { azureSuite, cluster, loadBalancer, securityGroup, type AzureSuite, type PoolSample } from './azure-harness.ts';

let s: AzureSuite;

const healthyCount = (x: PoolSample) => Object.values(x).reduce((n, ids) => n + ids.length, 0);

/** Waits until the pool's only healthy members are all of the scale set's running instances. */
async function servedBy(lb: string, scaleSet: string): Promise<string[]> {
  let sample: PoolSample = {};
  let running: string[] = [];
  await waitFor(async () => {
    sample = await s.view.healthyMembers(lb);
    running = await s.view.runningInstances(scaleSet);
    return running.length > 0 && JSON.stringify(sample) === JSON.stringify({ [scaleSet]: running });
  }, 30_000, () => `load balancer ${lb} is not served by ${scaleSet} alone: ${JSON.stringify(sample)}; ${scaleSet} runs ${running.join(', ')}`);
  return running;
}

const path = (r: RecordedRequest) => r.path.replace(/\?.*$/, '');
const scaleSetWrite = (name: string) => (r: RecordedRequest) => ['PUT', 'PATCH'].includes(r.method)
  && new RegExp(`/virtualMachineScaleSets/${name}$`).test(path(r)) && r.status < 300;
const upgradeOf = (name: string) => (r: RecordedRequest) => r.method === 'POST' && new RegExp(`/virtualMachineScaleSets/${name}/manualupgrade$`).test(path(r))
  && r.status < 300;
/** The pools a scale set write's model names (undefined: it does not touch them). */
const poolsWritten = (r: RecordedRequest): string[] | undefined => {
  const nics = (r.body as { properties?: { virtualMachineProfile?: { networkProfile?: { networkInterfaceConfigurations?:
    { properties?: { ipConfigurations?: { properties?: { loadBalancerBackendAddressPools?: { id: string }[] } }[] } }[] } } } } | undefined)
    ?.properties?.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations;
  return nics ? nics.flatMap((n) => n.properties?.ipConfigurations ?? []).flatMap((ip) => ip.properties?.loadBalancerBackendAddressPools ?? []).map((p) => p.id) : undefined;
};

/**
 * Where in the request log (from index from) the new scale set's instances joined the pool and the
 * old one's began to leave it: the manualupgrade of the new one after its model named the pool, and
 * the first write of the old one's model naming no pool. Read from what the fake was told, not from
 * samples, which may fall either side of a short overlap.
 */
function joinAndLeave(from: number, joining: string, leaving: string): { join: number; leave: number; log: string } {
  const log = s.fake.requests.slice(from);
  const named = log.findIndex((r) => scaleSetWrite(joining)(r) && (poolsWritten(r)?.length ?? 0) > 0);
  const join = named < 0 ? -1 : log.findIndex((r, i) => i > named && upgradeOf(joining)(r));
  const leave = log.findIndex((r) => scaleSetWrite(leaving)(r) && poolsWritten(r)?.length === 0);
  const shown = log.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${path(r).split('/').slice(-2).join('/')} ${r.status}`).join('; ');
  return { join, leave, log: shown };
}

describe('Azure deploy strategies, with the operator as a process and the fake of Resource Manager', function () {
  this.timeout(300_000);
  // Each operation answers InProgress once (the SDK waits 2 s before asking again), so a rollout takes long enough to be sampled.
  s = azureSuite('az-rollouts', { inProgressPolls: 1 });

  it('red/black: the pool\'s members move from v000\'s scale set to v001\'s with a healthy member at every sample, v001 upgraded into '
    + 'the pool before v000 leaves it; highlander then leaves only v002', async () => {
    const redblack = { type: 'redblack', redBlack: { scaleDown: true } };
    await s.apply(loadBalancer('lb-rb'), securityGroup('fw-rb'));
    await s.rollTo(cluster('rb', '1', { strategy: redblack }), 'Succeeded');
    const v000 = await servedBy('lb-rb', 'shop-rb-v000');
    assert.equal(v000.length, 2);

    // v001 comes up beside v000, its instances are upgraded into the pool, then v000's model leaves it.
    const samples: PoolSample[] = [];
    const sample = async () => { samples.push(await s.view.healthyMembers('lb-rb')); };
    const from = s.fake.requests.length;
    await s.rollTo(cluster('rb', '2', { strategy: redblack }), 'Succeeded', sample);
    const v001 = await servedBy('lb-rb', 'shop-rb-v001');
    await sample();
    assert.ok(samples.every((x) => healthyCount(x) > 0), `a moment with no healthy pool member: ${JSON.stringify(samples)}`);
    assert.deepEqual(samples[0], { 'shop-rb-v000': v000 }, 'the first sample is not v000 alone');
    assert.deepEqual(samples.at(-1), { 'shop-rb-v001': v001 }, 'the last sample is not v001 alone');
    assert.ok(samples.every((x) => Object.keys(x).every((g) => g === 'shop-rb-v000' || g === 'shop-rb-v001')), 'a member of neither scale set');
    const order = joinAndLeave(from, 'shop-rb-v001', 'shop-rb-v000');
    assert.ok(order.join >= 0 && order.leave >= 0, `v001 never joined or v000 never left the pool: ${order.log}`);
    assert.ok(order.join < order.leave, `v000 left the pool before v001's instances were upgraded into it: ${order.log}`);
    assert.equal((await s.cluster('shop-rb')).activeServerGroup, 'shop-rb-v001');
    await waitFor(async () => s.view.scaleSet('shop-rb-v000')?.capacity === 0 && (await s.view.runningInstances('shop-rb-v000')).length === 0, 30_000,
      () => `v000 was not scaled down: ${JSON.stringify(s.view.scaleSet('shop-rb-v000'))}`);
    assert.deepEqual(s.view.scaleSet('shop-rb-v000')!.pools, [], 'disabled v000\'s model still names the pool');

    // highlander from there: v002 serves, every older scale set is deleted.
    samples.length = 0;
    await s.rollTo(cluster('rb', '3', { strategy: { type: 'highlander' } }), 'Succeeded', sample);
    assert.ok(samples.every((x) => healthyCount(x) > 0), `a moment with no healthy pool member during highlander: ${JSON.stringify(samples)}`);
    let left: string[] = [];
    await waitFor(async () => (left = s.view.scaleSetsOf('shop-rb').map((x) => x.name)).join() === 'shop-rb-v002', 30_000,
      () => `highlander left ${left.join(', ')}`);
    await servedBy('lb-rb', 'shop-rb-v002');
    assert.equal((await s.cluster('shop-rb')).activeServerGroup, 'shop-rb-v002');
  });
});
