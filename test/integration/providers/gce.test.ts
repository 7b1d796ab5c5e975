// The GCE provider on the fake of Compute's REST API (test/fakes/gce): the three contracts (the
// server groups' for a zonal and a regional location), and what is GCE's own: a regional group's
// zones, template and backends; a create repeated after a crash makes one group and one template;
// a failed operation is a typed error naming the resource; a 429 with Retry-After is Throttled with
// that delay; what is not Staysail's is never touched; the Account's check names what is wrong.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiVersion } from '../../../src/api/v1alpha1/index.ts';
import { isProviderError, type ProviderErrorKind } from '../../../src/providers/errors.ts';
import type { CreateServerGroup } from '../../../src/providers/interfaces.ts';
import { loadBalancerContract, securityGroupContract } from '../../contracts/network.ts';
import { serverGroupContract } from '../../contracts/server-groups.ts';
import { gceLocations, gceNamespace, gceWorld, project, region, stopFakeGce, zone, type GceWorld } from '../../support/gce-world.ts';
import { namespaces } from '../../support/provider-world.ts';

serverGroupContract('gce on its fake', gceWorld);
serverGroupContract('gce on its fake, regional', () => gceWorld('regional'));
loadBalancerContract('gce on its fake', gceWorld);
securityGroupContract('gce on its fake', gceWorld);

after(stopFakeGce);

const rejectsWith = (kind: ProviderErrorKind, pattern: RegExp) => (err: unknown) => {
  assert.ok(isProviderError(err, kind), `expected ${kind}, got ${String(err)}`);
  assert.match(err.message, pattern);
  return true;
};

describe('GCE provider on its fake', function () {
  this.timeout(120_000);
  let w: GceWorld;
  beforeEach(async () => { w = await gceWorld(); });
  afterEach(async () => { await w.cleanup?.(); });

  const request = async (overrides: Partial<CreateServerGroup> = {}): Promise<CreateServerGroup> => ({
    name: 'shop-prod-v001', cluster: 'shop-prod', sequence: 1, location: w.location, template: w.template('v1'), templateHash: 'hash-v1',
    capacity: { min: 1, max: 3, desired: 2 }, enabled: false, loadBalancers: [], securityGroups: [], owner: await w.owner('Cluster', 'shop-prod'),
    ...overrides,
  });
  const paths = (collection: string) => Object.keys(w.fake.state(collection)).sort();

  it('verifies the Account, saying which project it reached, and names the project it cannot reach', async () => {
    assert.match(await w.provider.verify(w.account), new RegExp(`project ${project}`));
    const wrong = { ...w.account, spec: { ...w.account.spec, gce: { ...w.account.spec.gce!, project: 'other-project' } } };
    await assert.rejects(w.provider.verify(wrong), rejectsWith('Invalid', /other-project.*spec\.gce\.project/));
  });

  it('makes one group and one template when a create is repeated after a crash mid-create', async () => {
    // The crash: the template was made and the group's insert operation failed before the caller knew.
    w.fake.failOperation({ operationType: 'insert', target: /instanceGroupManagers\/shop-prod-v001$/, error: { code: 'INTERNAL_ERROR', message: 'cut short' },
      httpStatus: 500 });
    await assert.rejects(w.provider.serverGroups.create(w.account, await request()));
    assert.equal(paths('instanceTemplates').length, 1);
    const made = await w.provider.serverGroups.create(w.account, await request());
    assert.equal((await w.provider.serverGroups.create(w.account, await request())).name, made.name);
    assert.deepEqual(paths('instanceGroupManagers'), [`projects/${project}/zones/${zone}/instanceGroupManagers/shop-prod-v001`]);
    assert.equal(paths('instanceTemplates').length, 1);

    // The crash after the inserts were accepted: waiting on the group's operation gets no good answer.
    w.fake.failNext({ method: 'POST', path: /zones\/[^/]+\/operations\/[^/]+\/wait$/, status: 500, times: 1 });
    const v2 = { ...(await request()), name: 'shop-prod-v002', sequence: 2 };
    await assert.rejects(w.provider.serverGroups.create(w.account, v2));
    assert.equal((await w.provider.serverGroups.create(w.account, v2)).name, 'shop-prod-v002');
    assert.equal(paths('instanceGroupManagers').length, 2);
    assert.equal(paths('instanceTemplates').length, 2);
  });

  it('makes a regional group over the zones named, from a template named for the region, as crash-safe as a zonal one, and moves it '
    + 'in and out of backend services as its regional instance group', async () => {
    const location = { ...gceLocations.regional, zones: [...gceLocations.regional.zones] };
    const lbSpec = { application: 'shop', accountRef: { name: 'gce' }, type: 'internal' as const, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' as const }] };
    await w.provider.loadBalancers.upsert(w.account, location, 'web', lbSpec, await w.owner('LoadBalancer', 'web'));
    await assert.rejects(w.provider.serverGroups.create(w.account, await request({ location: { region, zones: [zone, 'us-east1-b'] } })),
      rejectsWith('Invalid', /zone "us-east1-b" \(spec\.location\.zones\) is not in region "europe-west1"/));
    // The crash after Compute accepted the group's insert: waiting on its region operation gets no good answer.
    w.fake.failNext({ method: 'POST', path: /regions\/[^/]+\/operations\/[^/]+\/wait$/, status: 500, times: 1 });
    const req = await request({ location, enabled: true, loadBalancers: ['web'] });
    await assert.rejects(w.provider.serverGroups.create(w.account, req));
    assert.equal((await w.provider.serverGroups.create(w.account, req)).name, 'shop-prod-v001');
    const groupPath = `projects/${project}/regions/${region}/instanceGroupManagers/shop-prod-v001`;
    assert.deepEqual(paths('instanceGroupManagers'), [groupPath]);
    assert.deepEqual(paths('instanceTemplates'), [`projects/${project}/global/instanceTemplates/shop-prod-v001-${region}`]);
    const group = w.fake.state('instanceGroupManagers')[groupPath] as { instanceGroup: string; distributionPolicy: { zones: { zone: string }[] } };
    assert.deepEqual(group.distributionPolicy.zones.map((z) => z.zone.split('/').pop()), location.zones);
    const backends = () => ((w.fake.state('backendServices')[`projects/${project}/global/backendServices/web-80`]?.backends ?? []) as { group: string }[])
      .map((b) => b.group);
    assert.deepEqual(backends(), [group.instanceGroup]);
    assert.match(group.instanceGroup, new RegExp(`/regions/${region}/instanceGroups/shop-prod-v001$`));
    await w.eventually(async () => (await w.provider.serverGroups.describe(w.account, location, 'shop-prod-v001'))?.instances.healthy === 2,
      'two instances healthy in the backend service');
    assert.deepEqual((await w.provider.loadBalancers.describe(w.account, location, 'web'))?.serverGroups, ['shop-prod-v001']);
    assert.equal(await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'), undefined, 'a zonal lookup found the regional group');

    await w.provider.serverGroups.disable(w.account, location, 'shop-prod-v001');
    assert.deepEqual(backends(), []);
    await w.provider.serverGroups.resize(w.account, location, 'shop-prod-v001', { min: 1, max: 4, desired: 3 });
    assert.deepEqual((await w.provider.serverGroups.describe(w.account, location, 'shop-prod-v001'))?.capacity, { min: 1, max: 4, desired: 3 });
    await w.provider.serverGroups.enable(w.account, location, 'shop-prod-v001');
    assert.deepEqual(backends(), [group.instanceGroup]);
    await w.provider.serverGroups.destroy(w.account, location, 'shop-prod-v001');
    assert.deepEqual([paths('instanceGroupManagers'), paths('instanceTemplates'), backends()], [[], [], []]);
  });

  it('turns a failed operation into a typed error naming the resource', async () => {
    w.fake.failOperation({ operationType: 'insert', target: /instanceGroupManagers/, error: { code: 'QUOTA_EXCEEDED', message: "Quota 'CPUS' exceeded." },
      httpStatus: 403 });
    await assert.rejects(w.provider.serverGroups.create(w.account, await request()), rejectsWith('Quota', /shop-prod-v001.*QUOTA_EXCEEDED/));
    w.fake.failOperation({ operationType: 'resize', error: { code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'no capacity' } });
    await w.provider.serverGroups.create(w.account, await request());
    await assert.rejects(w.provider.serverGroups.resize(w.account, w.location, 'shop-prod-v001', { min: 0, max: 5, desired: 5 }),
      rejectsWith('Quota', /server group shop-prod-v001.*ZONE_RESOURCE_POOL_EXHAUSTED/));
  });

  it('answers Throttled with the Retry-After of a 429', async () => {
    w.fake.failNext({ method: 'GET', path: /instanceGroupManagers\/shop-prod-v001$/, status: 429, retryAfterS: 7 });
    await assert.rejects(w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'), (err: unknown) => {
      assert.ok(isProviderError(err, 'Throttled'), String(err));
      assert.equal(err.retryAfterMs, 7_000);
      return true;
    });
    assert.equal(await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'), undefined);
  });

  it('leaves what is not Staysail\'s untouched: a group, a backend service and a firewall of the same names', async () => {
    const foreignOwner = { apiVersion, kind: 'Cluster', namespace: 'elsewhere', name: 'x', uid: randomUUID() };
    // Someone else's group of the server group's name (no mark in its description).
    await w.provider.serverGroups.create(w.account, { ...(await request()), name: 'shop-prod-v009', owner: foreignOwner });
    const path = `projects/${project}/zones/${zone}/instanceGroupManagers/shop-prod-v009`;
    w.fake.resources.raw(path)!.description = 'made by hand';
    const before = JSON.stringify(w.fake.state('instanceGroupManagers')[path]);
    for (const op of [
      () => w.provider.serverGroups.resize(w.account, w.location, 'shop-prod-v009', { min: 0, max: 1, desired: 0 }),
      () => w.provider.serverGroups.disable(w.account, w.location, 'shop-prod-v009'),
      () => w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v009'),
    ]) await assert.rejects(op(), rejectsWith('Conflict', /shop-prod-v009.*something other than Staysail/));
    assert.equal(JSON.stringify(w.fake.state('instanceGroupManagers')[path]), before);

    const lbSpec = { application: 'shop', accountRef: { name: 'gce' }, type: 'internal' as const, ports: [{ port: 80, protocol: 'TCP' as const }] };
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec, await w.owner('LoadBalancer', 'web'));
    await assert.rejects(w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec, foreignOwner), rejectsWith('Conflict', /health check web/));
    const sgSpec = { application: 'shop', accountRef: { name: 'gce' }, ingress: [] };
    await w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec, await w.owner('SecurityGroup', 'web'));
    await assert.rejects(w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec, foreignOwner), rejectsWith('Conflict', /firewall web/));
    // A delete for another namespace's object of that name leaves ours.
    const other = { ...w.account, namespace: await gceNamespace(w.client) };
    try {
      await w.provider.loadBalancers.delete(other, w.location, 'web');
      await w.provider.securityGroups.delete(other, w.location, 'web');
    } finally {
      await w.client.delete(namespaces, undefined, other.namespace).catch(() => undefined);
    }
    assert.ok(await w.provider.loadBalancers.describe(w.account, w.location, 'web'));
    assert.ok(await w.provider.securityGroups.describe(w.account, w.location, 'web'));
  });

  it('never describes, changes or destroys the group or template another namespace\'s ServerGroup of the same name made', async () => {
    const ours = await w.owner('ServerGroup', 'shop-prod-v001');
    await w.provider.serverGroups.create(w.account, await request({ owner: ours }));
    // A destroy cut short after the group went leaves a template behind: made here by a create whose group insert failed.
    w.fake.failOperation({ operationType: 'insert', target: /instanceGroupManagers\/shop-prod-v002$/, error: { code: 'INTERNAL_ERROR', message: 'cut short' },
      httpStatus: 500 });
    await assert.rejects(w.provider.serverGroups.create(w.account, await request({ name: 'shop-prod-v002', sequence: 2,
      owner: await w.owner('ServerGroup', 'shop-prod-v002') })));
    const before = JSON.stringify([w.fake.state('instanceGroupManagers'), w.fake.state('instanceTemplates')]);
    const other = { ...w.account, namespace: await gceNamespace(w.client) };
    try {
      const theirs = new RegExp(`belongs to ServerGroup/${w.account.namespace}/shop-prod-v001 .*not to a server group of namespace ${other.namespace}`);
      const sg = w.provider.serverGroups;
      await assert.rejects(sg.describe(other, w.location, 'shop-prod-v001'), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.resize(other, w.location, 'shop-prod-v001', { min: 0, max: 5, desired: 0 }), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.enable(other, w.location, 'shop-prod-v001', []), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.disable(other, w.location, 'shop-prod-v001'), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.setLoadBalancers(other, w.location, 'shop-prod-v001', []), rejectsWith('Conflict', theirs));
      const mine = { ...ours, namespace: other.namespace, uid: randomUUID() };
      await assert.rejects(sg.create(other, await request({ owner: mine })), rejectsWith('Conflict', /belongs to ServerGroup\//));
      // Its finalizer is let go, deleting nothing of theirs: neither the group nor a template left behind.
      await sg.destroy(other, w.location, 'shop-prod-v001');
      await sg.destroy(other, w.location, 'shop-prod-v002');
      assert.deepEqual(await sg.list(other, w.location, 'shop-prod'), []);
    } finally {
      await w.client.delete(namespaces, undefined, other.namespace).catch(() => undefined);
    }
    assert.equal(JSON.stringify([w.fake.state('instanceGroupManagers'), w.fake.state('instanceTemplates')]), before);
    assert.equal((await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'))?.name, 'shop-prod-v001', 'its own namespace still sees it');
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v001');
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v002');
    assert.deepEqual([paths('instanceGroupManagers'), paths('instanceTemplates')], [[], []]);
  });

  it('fronts an external LoadBalancer with a TCP proxy and forwarding rule per port, and names the port on groups that join it', async () => {
    const spec = { application: 'shop', accountRef: { name: 'gce' }, type: 'external' as const,
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' as const }, { port: 443, protocol: 'HTTPS' as const }] };
    const lb = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', spec, await w.owner('LoadBalancer', 'web'));
    assert.match(lb.address ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual(paths('forwardingRules'), [`projects/${project}/global/forwardingRules/web-443`, `projects/${project}/global/forwardingRules/web-80`]);
    assert.equal(paths('targetTcpProxies').length, 2);
    await w.provider.serverGroups.create(w.account, await request({ enabled: true, loadBalancers: ['web'] }));
    const group = w.fake.state('instanceGroupManagers')[`projects/${project}/zones/${zone}/instanceGroupManagers/shop-prod-v001`]!;
    assert.deepEqual((group.namedPorts as { name: string }[]).sort((a, b) => a.name.localeCompare(b.name)),
      [{ name: 'port-443', port: 443 }, { name: 'port-8080', port: 8080 }]);
    await w.eventually(async () => (await w.provider.loadBalancers.describe(w.account, w.location, 'web'))?.healthyEndpoints === 2, 'two healthy endpoints');
    // Compute cannot change a backend service's scheme in place: made internal, it is refused naming the field.
    await assert.rejects(w.provider.loadBalancers.upsert(w.account, w.location, 'web', { ...spec, type: 'internal' }, await w.owner('LoadBalancer', 'web')),
      rejectsWith('Invalid', /spec\.type.*EXTERNAL_MANAGED/));
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v001');
    await w.provider.loadBalancers.delete(w.account, w.location, 'web');
    for (const c of ['forwardingRules', 'targetTcpProxies', 'backendServices', 'healthChecks']) assert.deepEqual(paths(c), [], c);
  });

  it('lets members of another SecurityGroup in by its network tag, which the instance template carries', async () => {
    const owner = await w.owner('SecurityGroup', 'web');
    const sg = await w.provider.securityGroups.upsert(w.account, w.location, 'web', { application: 'shop', accountRef: { name: 'gce' },
      ingress: [{ from: { securityGroupRef: { name: 'lb' } }, protocol: 'tcp', ports: { from: 8080 } }, { from: { cidr: '10.0.0.0/8' }, protocol: 'icmp' }] }, owner);
    assert.equal(sg.ingressRules, 2);
    const firewalls = Object.values(w.fake.state('firewalls'));
    const tag = (sg: string) => `${w.account.namespace}-${sg}`;
    const fromLb = firewalls.find((f) => JSON.stringify(f.sourceTags) === JSON.stringify([tag('lb')]));
    assert.deepEqual([fromLb?.targetTags, fromLb?.allowed], [[tag('web')], [{ IPProtocol: 'tcp', ports: ['8080'] }]]);
    await w.provider.serverGroups.create(w.account, await request({ securityGroups: ['web'] }));
    const template = Object.values(w.fake.state('instanceTemplates'))[0] as { properties?: { tags?: { items?: string[] } } };
    assert.deepEqual(template.properties?.tags?.items, [tag('web')]);
    await w.provider.securityGroups.delete(w.account, w.location, 'web');
    assert.deepEqual(paths('firewalls'), []);
  });
});
