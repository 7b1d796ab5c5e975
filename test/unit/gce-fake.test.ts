// The GCE fake driven by the real @google-cloud/compute clients: instance templates and managed
// instance groups (zonal and regional), their operations' lifecycle, and the fake's routes checked
// against the HTTP rules protos.json publishes.
import assert from 'node:assert/strict';
import { FakeGce, buildRoutes, servedMethods } from '../fakes/gce/server.ts';
import { publishedRoutes } from '../fakes/gce/schema.ts';
import { closeClients, reasonsOf, sdkClients, waitDone, type SdkClients } from '../fakes/gce/sdk.ts';

const project = 'test-project';
const zone = 'us-central1-a';
const template = (name: string, labels: Record<string, string> = {}) => ({
  name, properties: { machineType: 'e2-small', labels, tags: { items: ['web'] },
    disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/debian-cloud/global/images/family/debian-12' } }],
    networkInterfaces: [{ network: 'global/networks/default' }] },
});

describe('the GCE fake: routes', () => {
  it('serves only routes protos.json publishes, for every method it names', () => {
    const published = publishedRoutes();
    const routes = buildRoutes();
    assert.equal(routes.length, servedMethods.reduce((n, [, m]) => n + m.length, 0));
    for (const r of routes) assert.ok(published.has(`${r.rule.verb} ${r.rule.template}`), `${r.rule.service}.${r.rule.method}: ${r.rule.template}`);
    const have = new Set(routes.map((r) => `${r.rule.verb} ${r.rule.template}`));
    for (const want of [
      'POST /compute/v1/projects/{project}/zones/{zone}/instanceGroupManagers/{instance_group_manager}/resize',
      'POST /compute/v1/projects/{project}/global/backendServices/{backend_service}/getHealth',
      'POST /compute/v1/projects/{project}/zones/{zone}/operations/{operation}/wait',
      'GET /compute/v1/projects/{project}',
    ]) assert.ok(have.has(want), want);
  });
});

describe('the GCE fake: templates and managed instance groups through the SDK', () => {
  let fake: FakeGce;
  let c: SdkClients;
  before(async () => { fake = new FakeGce(); await fake.start(); c = sdkClients(fake); });
  after(async () => { await closeClients(c); await fake.stop(); });
  beforeEach(() => fake.reset());

  it('takes an instance template through PENDING, RUNNING and DONE, with its labels and a selfLink on the fake', async () => {
    const { op, seen } = await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('shop-v000', { owner: 'shop' }) }));
    assert.deepEqual(seen, ['PENDING', 'RUNNING', 'DONE']);
    assert.equal(op.operationType, 'compute.instanceTemplates.insert');
    assert.equal(op.targetLink, `http://127.0.0.1:${fake.port}/compute/v1/projects/${project}/global/instanceTemplates/shop-v000`);
    assert.ok(!op.error);
    const [got] = await c.templates.get({ project, instanceTemplate: 'shop-v000' });
    assert.equal(got.kind, 'compute#instanceTemplate');
    assert.equal(got.selfLink, op.targetLink);
    assert.deepEqual(got.properties?.labels, { owner: 'shop' });
    assert.match(String(got.id), /^\d+$/);
    const [listed] = await c.templates.list({ project, filter: 'properties.labels.owner = "shop"' });
    assert.deepEqual(listed.map((t) => t.name), ['shop-v000']);
  });

  it('makes targetSize instances named after the base name, RUNNING once the insert is DONE, and resizes them', async () => {
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('shop-v000') }));
    const started = await c.groups.insert({ project, zone, instanceGroupManagerResource: {
      name: 'shop-v000', baseInstanceName: 'shop-v000', targetSize: 2, description: 'staysail owner=Cluster/default/shop',
      instanceTemplate: `projects/${project}/global/instanceTemplates/shop-v000`, namedPorts: [{ name: 'http', port: 80 }] } });
    const [during] = await c.groups.listManagedInstances({ project, zone, instanceGroupManager: 'shop-v000' });
    assert.deepEqual(during.map((i) => i.currentAction), ['CREATING', 'CREATING']);
    const { op } = await waitDone(c, started);
    assert.equal(op.zone, `http://127.0.0.1:${fake.port}/compute/v1/projects/${project}/zones/${zone}`);
    const [after] = await c.groups.listManagedInstances({ project, zone, instanceGroupManager: 'shop-v000' });
    assert.deepEqual(after.map((i) => [i.instanceStatus, i.currentAction]), [['RUNNING', 'NONE'], ['RUNNING', 'NONE']]);
    for (const i of after) assert.match(String(i.instance), new RegExp(`/zones/${zone}/instances/shop-v000-[a-z0-9]{4}$`));
    const [group] = await c.groups.get({ project, zone, instanceGroupManager: 'shop-v000' });
    assert.equal(group.targetSize, 2);
    assert.equal(group.status?.isStable, true);
    assert.equal(group.instanceGroup, `http://127.0.0.1:${fake.port}/compute/v1/projects/${project}/zones/${zone}/instanceGroups/shop-v000`);

    const { op: resized } = await waitDone(c, await c.groups.resize({ project, zone, instanceGroupManager: 'shop-v000', size: 3 }));
    assert.equal(resized.operationType, 'compute.instanceGroupManagers.resize');
    const [three] = await c.groups.listManagedInstances({ project, zone, instanceGroupManager: 'shop-v000' });
    assert.equal(three.filter((i) => i.instanceStatus === 'RUNNING').length, 3);
    await waitDone(c, await c.groups.resize({ project, zone, instanceGroupManager: 'shop-v000', size: 0 }));
    const [none] = await c.groups.listManagedInstances({ project, zone, instanceGroupManager: 'shop-v000' });
    assert.deepEqual(none, []);
    const [byName] = await c.groups.list({ project, zone, filter: 'name = "shop-v000"' });
    assert.deepEqual(byName.map((g) => [g.name, g.targetSize]), [['shop-v000', 0]]);
    const [other] = await c.groups.list({ project, zone, filter: 'name = "shop-v001"' });
    assert.deepEqual(other, []);
  });

  it('refuses to delete a template a group uses, then deletes group and template', async () => {
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('shop-v000') }));
    await waitDone(c, await c.groups.insert({ project, zone, instanceGroupManagerResource: {
      name: 'shop-v000', baseInstanceName: 'shop-v000', targetSize: 1, instanceTemplate: 'global/instanceTemplates/shop-v000' } }));
    await assert.rejects(c.templates.delete({ project, instanceTemplate: 'shop-v000' }), (e: Record<string, unknown>) =>
      e.httpStatusCode === 400 && reasonsOf(e).includes('resourceInUseByAnotherResource')
      && /instance_template resource 'projects\/test-project\/global\/instanceTemplates\/shop-v000' is already being used by 'projects\/test-project\/zones\/us-central1-a\/instanceGroupManagers\/shop-v000'/.test(String(e.message)));
    const deleting = await c.groups.delete({ project, zone, instanceGroupManager: 'shop-v000' });
    const [still] = await c.groups.listManagedInstances({ project, zone, instanceGroupManager: 'shop-v000' });
    assert.deepEqual(still.map((i) => i.currentAction), ['DELETING']);
    await waitDone(c, deleting);
    await assert.rejects(c.groups.get({ project, zone, instanceGroupManager: 'shop-v000' }), (e: Record<string, unknown>) => e.httpStatusCode === 404);
    await waitDone(c, await c.templates.delete({ project, instanceTemplate: 'shop-v000' }));
    assert.deepEqual(fake.state(), {});
  });

  it('spreads a regional group over its zones and waits through the region operations', async () => {
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('shop-v000') }));
    const { op, seen } = await waitDone(c, await c.regionGroups.insert({ project, region: 'us-central1', instanceGroupManagerResource: {
      name: 'shop-v000', baseInstanceName: 'shop-v000', targetSize: 3, instanceTemplate: 'global/instanceTemplates/shop-v000' } }));
    assert.deepEqual(seen, ['PENDING', 'RUNNING', 'DONE']);
    assert.match(String(op.region), /\/regions\/us-central1$/);
    assert.equal(op.operationType, 'compute.regionInstanceGroupManagers.insert');
    const [instances] = await c.regionGroups.listManagedInstances({ project, region: 'us-central1', instanceGroupManager: 'shop-v000' });
    assert.deepEqual(instances.map((i) => String(i.instance).split('/')[8]).sort(), ['us-central1-a', 'us-central1-b', 'us-central1-c']);
    const [group] = await c.regionGroups.get({ project, region: 'us-central1', instanceGroupManager: 'shop-v000' });
    const base = `http://127.0.0.1:${fake.port}/compute/v1/projects/${project}`;
    assert.equal(group.instanceGroup, `${base}/regions/us-central1/instanceGroups/shop-v000`);
    assert.deepEqual([group.distributionPolicy?.targetShape, group.distributionPolicy?.zones?.map((z) => z.zone)],
      ['EVEN', ['a', 'b', 'c'].map((z) => `${base}/zones/us-central1-${z}`)], 'Compute answers the zones it chose');
  });

  it('keeps a regional group in the zones its distributionPolicy names, and resizes, patches and deletes it through the region', async () => {
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('shop-v000') }));
    const body = (zones: string[]) => ({ name: 'shop-v000', baseInstanceName: 'shop-v000', targetSize: 2, instanceTemplate: 'global/instanceTemplates/shop-v000',
      distributionPolicy: { zones: zones.map((z) => ({ zone: `projects/${project}/zones/${z}` })) } });
    await assert.rejects(c.regionGroups.insert({ project, region: 'us-central1', instanceGroupManagerResource: body(['us-central1-b', 'us-east1-b']) }),
      (e: Record<string, unknown>) => e.httpStatusCode === 400 && /distributionPolicy\.zones\[1\]\.zone.*us-east1-b.*'us-central1'/.test(String(e.message)));
    await assert.rejects(c.groups.insert({ project, zone, instanceGroupManagerResource: body([zone]) }),
      (e: Record<string, unknown>) => e.httpStatusCode === 400 && /distributionPolicy.*only for a regional/.test(String(e.message)));
    await waitDone(c, await c.regionGroups.insert({ project, region: 'us-central1', instanceGroupManagerResource: body(['us-central1-b', 'us-central1-f']) }));
    const zonesOf = async () => (await c.regionGroups.listManagedInstances({ project, region: 'us-central1', instanceGroupManager: 'shop-v000' }))[0]
      .filter((i) => i.currentAction !== 'DELETING').map((i) => String(i.instance).split('/')[8]).sort();
    assert.deepEqual(await zonesOf(), ['us-central1-b', 'us-central1-f']);
    const { op } = await waitDone(c, await c.regionGroups.resize({ project, region: 'us-central1', instanceGroupManager: 'shop-v000', size: 4 }));
    assert.equal(op.operationType, 'compute.regionInstanceGroupManagers.resize');
    assert.deepEqual(await zonesOf(), ['us-central1-b', 'us-central1-b', 'us-central1-f', 'us-central1-f']);
    const [group] = await c.regionGroups.get({ project, region: 'us-central1', instanceGroupManager: 'shop-v000' });
    await assert.rejects(c.regionGroups.patch({ project, region: 'us-central1', instanceGroupManager: 'shop-v000',
      instanceGroupManagerResource: { namedPorts: [{ name: 'port-8080', port: 8080 }] } }), (e: Record<string, unknown>) => e.httpStatusCode === 412);
    await waitDone(c, await c.regionGroups.patch({ project, region: 'us-central1', instanceGroupManager: 'shop-v000',
      instanceGroupManagerResource: { fingerprint: group.fingerprint, namedPorts: [{ name: 'port-8080', port: 8080 }] } }));
    const [patched] = await c.regionGroups.list({ project, region: 'us-central1' });
    assert.deepEqual(patched.map((g) => [g.name, g.targetSize, g.namedPorts?.[0]?.port]), [['shop-v000', 4, 8080]]);
    const [zonal] = await c.groups.list({ project, zone: 'us-central1-b' });
    assert.deepEqual(zonal, [], 'a regional group is not a zonal group of one of its zones');
    await waitDone(c, await c.regionGroups.delete({ project, region: 'us-central1', instanceGroupManager: 'shop-v000' }));
    await waitDone(c, await c.templates.delete({ project, instanceTemplate: 'shop-v000' }));
    assert.deepEqual(fake.state(), {});
  });

  it('answers 404 for what is not there, 409 for a taken name, and 404 for a group on a template that is not there', async () => {
    await assert.rejects(c.templates.get({ project, instanceTemplate: 'nothing' }), (e: Record<string, unknown>) =>
      e.httpStatusCode === 404 && reasonsOf(e).includes('notFound') && e.message === "The resource 'projects/test-project/global/instanceTemplates/nothing' was not found");
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('shop-v000') }));
    await assert.rejects(c.templates.insert({ project, instanceTemplateResource: template('shop-v000') }), (e: Record<string, unknown>) =>
      e.httpStatusCode === 409 && reasonsOf(e).includes('alreadyExists'));
    await assert.rejects(c.groups.insert({ project, zone, instanceGroupManagerResource: {
      name: 'g', baseInstanceName: 'g', targetSize: 1, instanceTemplate: 'global/instanceTemplates/missing' } }), (e: Record<string, unknown>) =>
      e.httpStatusCode === 404 && /instanceTemplates\/missing/.test(String(e.message)));
    await assert.rejects(c.groups.get({ project: 'other-project', zone, instanceGroupManager: 'g' }), (e: Record<string, unknown>) =>
      e.httpStatusCode === 404 && e.message === "The resource 'projects/other-project' was not found");
  });

  it('pages a list the SDK reads to its end', async () => {
    for (const n of ['a', 'b', 'c']) await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template(`t-${n}`) }));
    const [all] = await c.templates.list({ project, maxResults: 1 });
    assert.deepEqual(all.map((t) => t.name), ['t-a', 't-b', 't-c']);
    const pages = fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/global/instanceTemplates?'));
    assert.equal(pages.length, 3);
  });

  it('settles operations nobody reads once their time is up, and answers DONE at once with readsPerStep 0', async () => {
    fake.operations.timing = { readsPerStep: 5, settleAfterMs: 0 };
    await c.templates.insert({ project, instanceTemplateResource: template('shop-v000') });
    await c.groups.insert({ project, zone, instanceGroupManagerResource: {
      name: 'g', baseInstanceName: 'g', targetSize: 2, instanceTemplate: 'global/instanceTemplates/shop-v000' } });
    const [instances] = await c.groups.listManagedInstances({ project, zone, instanceGroupManager: 'g' });
    assert.deepEqual(instances.map((i) => i.instanceStatus), ['RUNNING', 'RUNNING']);
    fake.operations.timing = { readsPerStep: 0, settleAfterMs: 60_000 };
    const [op] = await c.templates.insert({ project, instanceTemplateResource: template('shop-v001') });
    assert.equal((op.latestResponse as { status?: string }).status, 'DONE');
  });

  it("answers the project for the Account's cheap read, and 404 for another", async () => {
    const [p] = await c.projects.get({ project });
    assert.equal(p.name, project);
    assert.equal(p.kind, 'compute#project');
    await assert.rejects(c.projects.get({ project: 'nope' }), (e: Record<string, unknown>) => e.httpStatusCode === 404);
  });
});
