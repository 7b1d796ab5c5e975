// Deploy strategies on GCE end to end, with the operator as a process and the fake of Compute: a
// Cluster of zonal (or, with no zone, regional) managed instance groups behind an external
// LoadBalancer (a backend service) and in a SecurityGroup (firewalls on a network tag) is edited, as
// GitOps would, and the strategy moves the backend service's backends between instance groups.
// Every assertion reads the fake.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { cluster, gceSuite, loadBalancer, region, securityGroup, type GceSuite } from './gce-harness.ts';

let s: GceSuite;

/** One sample of the backend service: the healthy instances of each backend instance group. */
type Sample = Record<string, string[]>;
const healthyCount = (x: Sample) => Object.values(x).reduce((n, ids) => n + ids.length, 0);

/** Waits until the backend service's only backend is the group, with every running instance of it healthy. */
async function servedBy(service: string, group: string): Promise<string[]> {
  let sample: Sample = {};
  let running: string[] = [];
  await waitFor(async () => {
    sample = await s.view.healthyBackends(service);
    running = await s.view.runningInstances(group);
    return running.length > 0 && JSON.stringify(sample) === JSON.stringify({ [group]: running });
  }, 30_000, () => `backend service ${service} is not served by ${group} alone: ${JSON.stringify(sample)}; ${group} runs ${running.join(', ')}`);
  return running;
}

/**
 * Whether the backend service was ever written with both groups as backends (the new one joined
 * before the old one left). Read from what the fake was told, not from samples, which may fall
 * either side of a short overlap; answers the backends of each write, for the message.
 */
function servedBothAtOnce(service: string, a: string, b: string): { both: boolean; writes: string[][] } {
  const writes = s.fake.requests.filter((r) => ['PUT', 'PATCH'].includes(r.method) && new RegExp(`/global/backendServices/${service}(\\?|$)`).test(r.path))
    .map((r) => ((r.body as { backends?: { group?: string }[] } | undefined)?.backends ?? []).map((x) => String(x.group).split('/').pop()!));
  return { both: writes.some((w) => w.includes(a) && w.includes(b)), writes };
}

describe('GCE deploy strategies, with the operator as a process and the fake of Compute', function () {
  this.timeout(300_000);
  s = gceSuite('gce-rollouts');

  it('red/black: the backend service\'s backends move from v000\'s instance group to v001\'s with a healthy backend at every sample; '
    + 'a rollback on request serves v000 again; highlander then leaves only v002 and its template', async () => {
    const redblack = { type: 'redblack', redBlack: { scaleDown: true } };
    await s.apply(loadBalancer('lb-rb'), securityGroup('fw-rb'));
    await s.rollTo(cluster('rb', '1', { strategy: redblack }), 'Succeeded');
    const v000 = await servedBy('lb-rb-80', 'shop-rb-v000');
    assert.equal(v000.length, 2);
    const template = s.fake.state('instanceTemplates')[`projects/test-project/global/instanceTemplates/shop-rb-v000-europe-west1-b`] as
      { properties?: { tags?: { items?: string[] }; labels?: Record<string, string> } } | undefined;
    assert.ok(template, `no instance template of shop-rb-v000: ${s.view.templates().join(', ')}`);
    const tag = `${s.ns}-fw-rb`; // its namespace's: tags are project-wide
    assert.deepEqual(template.properties?.tags?.items, [tag], 'the template does not carry the SecurityGroup\'s network tag');
    assert.equal(template.properties?.labels?.version, '1');
    const firewalls = Object.values(s.fake.state('firewalls')).filter((f) => JSON.stringify(f.targetTags) === JSON.stringify([tag]) && !f.disabled);
    assert.deepEqual(firewalls.map((f) => f.allowed), [[{ IPProtocol: 'tcp', ports: ['8080'] }]], 'no firewall lets 8080 in to fw-rb');

    // v001 comes up beside v000, joins the backend service, then v000 leaves it.
    const samples: Sample[] = [];
    const sample = async () => { samples.push(await s.view.healthyBackends('lb-rb-80')); };
    await s.rollTo(cluster('rb', '2', { strategy: redblack }), 'Succeeded', sample);
    const v001 = await servedBy('lb-rb-80', 'shop-rb-v001');
    await sample();
    assert.ok(samples.every((x) => healthyCount(x) > 0), `a moment with no healthy backend: ${JSON.stringify(samples)}`);
    assert.deepEqual(samples[0], { 'shop-rb-v000': v000 }, 'the first sample is not v000 alone');
    assert.deepEqual(samples.at(-1), { 'shop-rb-v001': v001 }, 'the last sample is not v001 alone');
    assert.ok(samples.every((x) => Object.keys(x).every((g) => g === 'shop-rb-v000' || g === 'shop-rb-v001')), 'a backend of neither group');
    const overlap = servedBothAtOnce('lb-rb-80', 'shop-rb-v000', 'shop-rb-v001');
    assert.ok(overlap.both, `v000 left before v001 served: ${JSON.stringify(overlap.writes)}`);
    assert.equal((await s.cluster('shop-rb')).activeServerGroup, 'shop-rb-v001');
    await waitFor(async () => s.view.group('shop-rb-v000')?.targetSize === 0 && (await s.view.runningInstances('shop-rb-v000')).length === 0, 30_000,
      () => `v000 was not scaled down: ${JSON.stringify(s.view.group('shop-rb-v000'))}`);

    // A rollback on request: v000 is resized back, serves, and v001 leaves the backend service.
    samples.length = 0;
    const undone = await s.rollTo(cluster('rb', '2', { strategy: redblack, extra: { rollback: { id: 'undo-1' } } }), 'RolledBack', sample);
    assert.equal(undone.activeServerGroup, 'shop-rb-v000');
    assert.match(undone.rollout!.message!, /rolled back to shop-rb-v000 on request undo-1/);
    assert.ok(samples.every((x) => healthyCount(x) > 0), `a moment with no healthy backend during the rollback: ${JSON.stringify(samples)}`);
    assert.equal((await servedBy('lb-rb-80', 'shop-rb-v000')).length, 2);
    assert.deepEqual(s.view.backendsOf('lb-rb-80'), ['shop-rb-v000']);

    // highlander from there: v002 serves, every older group and its instance template is deleted.
    samples.length = 0;
    await s.rollTo(cluster('rb', '3', { strategy: { type: 'highlander' }, extra: { rollback: { id: 'undo-1' } } }), 'Succeeded', sample);
    assert.ok(samples.every((x) => healthyCount(x) > 0), `a moment with no healthy backend during highlander: ${JSON.stringify(samples)}`);
    let left: string[] = [];
    await waitFor(async () => {
      left = [...s.view.groupsOf('shop-rb').map((g) => `group ${g.name}`), ...s.view.templates('shop-rb-').map((t) => `template ${t}`)];
      return left.join() === 'group shop-rb-v002,template shop-rb-v002-europe-west1-b';
    }, 30_000, () => `highlander left ${left.join(', ')}`);
    await servedBy('lb-rb-80', 'shop-rb-v002');
  });

  it('red/black across regional managed instance groups (a Cluster with no zone): v001 comes up over the region\'s zones beside v000, '
    + 'and the backend service\'s backends move from v000\'s regional instance group to v001\'s', async () => {
    const regional = (version: string) => cluster('rg', version, { strategy: { type: 'redblack', redBlack: { scaleDown: true } }, location: { region } });
    await s.apply(loadBalancer('lb-rg'), securityGroup('fw-rg'));
    await s.rollTo(regional('1'), 'Succeeded');
    const v000 = await servedBy('lb-rg-80', 'shop-rg-v000');
    assert.equal(v000.length, 2);
    const group = s.view.group('shop-rg-v000');
    assert.equal(group?.region, region, `shop-rg-v000 is not a regional group: ${JSON.stringify(group)}`);
    assert.match(group.instanceGroup, new RegExp(`/regions/${region}/instanceGroups/shop-rg-v000$`));
    assert.deepEqual(await s.view.runningZones('shop-rg-v000'), [`${region}-a`, `${region}-b`], 'the instances are not spread over the region\'s zones');
    assert.deepEqual(s.view.templates('shop-rg-'), [`shop-rg-v000-${region}`]);

    await s.rollTo(regional('2'), 'Succeeded');
    await servedBy('lb-rg-80', 'shop-rg-v001');
    assert.equal(s.view.group('shop-rg-v001')?.region, region);
    const overlap = servedBothAtOnce('lb-rg-80', 'shop-rg-v000', 'shop-rg-v001');
    assert.ok(overlap.both, `v000 left before v001 served: ${JSON.stringify(overlap.writes)}`);
    assert.equal((await s.cluster('shop-rg')).activeServerGroup, 'shop-rg-v001');
    await waitFor(async () => s.view.group('shop-rg-v000')?.targetSize === 0 && (await s.view.runningInstances('shop-rg-v000')).length === 0, 30_000,
      () => `v000 was not scaled down: ${JSON.stringify(s.view.group('shop-rg-v000'))}`);
    assert.deepEqual(s.view.templates('shop-rg-'), [`shop-rg-v000-${region}`, `shop-rg-v001-${region}`]);
  });
});
