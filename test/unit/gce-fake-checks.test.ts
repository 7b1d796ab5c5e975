// What the GCE fake refuses as Compute would (bodies against protos.json's messages, required fields,
// query parameters), its failure injection as the SDK meets it, its request log, limits and reset.
// Unknown fields go through fetch: the SDK's serializer drops what its messages do not define, so
// only a hand-made request can carry one.
import assert from 'node:assert/strict';
import { FakeGce } from '../fakes/gce/server.ts';
import { checkMessage } from '../fakes/gce/schema.ts';
import { GoogleApiError } from '../fakes/gce/errors.ts';
import { closeClients, reasonsOf, sdkClients, waitDone, type SdkClients } from '../fakes/gce/sdk.ts';

const project = 'test-project';
const zone = 'us-central1-a';
type Err = Record<string, unknown>;
const template = (name: string) => ({ name, properties: { machineType: 'e2-small' } });

describe('the GCE fake: what it refuses, and failures on request', () => {
  let fake: FakeGce;
  let c: SdkClients;
  let base = '';
  before(async () => { fake = new FakeGce(); base = await fake.start(); c = sdkClients(fake); });
  after(async () => { await closeClients(c); await fake.stop(); });
  beforeEach(() => fake.reset());

  const post = (path: string, body: unknown) => fetch(`${base}/compute/v1/projects/${project}/${path}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses a field the message does not define, naming it and where, in Google\'s error JSON', async () => {
    const res = await post('global/instanceTemplates', { name: 't', properties: { machineType: 'e2-small', x: 1 } });
    assert.equal(res.status, 400);
    const body = await res.json() as { error: { code: number; status: string; message: string; errors: { reason: string }[] } };
    assert.deepEqual([body.error.code, body.error.status, body.error.errors[0]?.reason], [400, 'INVALID_ARGUMENT', 'invalid']);
    assert.equal(body.error.message, 'Invalid JSON payload received. Unknown name "x" at \'instance_template.properties\': Cannot find field.');
    const top = await post('global/firewalls', { name: 'f', allowed: [{ IPProtocol: 'tcp' }], labels: { a: 'b' } });
    assert.equal((await top.json() as { error: { message: string } }).error.message,
      'Invalid JSON payload received. Unknown name "labels" at \'firewall\': Cannot find field.');
  });

  it('checks types, nested lists and maps against protos.json', () => {
    const refused = (type: string, body: unknown) => { try { checkMessage(type, body, 'x'); return ''; } catch (e) { return (e as GoogleApiError).message; } };
    assert.equal(refused('InstanceTemplate', { name: 't', properties: { labels: { a: 'b' }, disks: [{ boot: true, initializeParams: { diskSizeGb: '10' } }] } }), '');
    assert.match(refused('InstanceTemplate', { properties: { disks: [{ boot: 'yes' }] } }), /Invalid value at 'x.properties.disks\[0\].boot' \(TYPE_BOOL\)/);
    assert.match(refused('InstanceGroupManager', { targetSize: 1.5 }), /Invalid value at 'x.target_size'/);
    assert.match(refused('InstanceGroupManager', { namedPorts: { name: 'http' } }), /Invalid value at 'x.named_ports'/);
    assert.match(refused('Firewall', { allowed: [{ IPProtocol: 'tcp', port: ['80'] }] }), /Unknown name "port" at 'x.allowed\[0\]'/);
    assert.equal(refused('Firewall', { allowed: [{ IPProtocol: 'tcp', ports: ['80'] }], direction: 'INGRESS' }), '');
  });

  it('refuses an insert without what Compute requires, and a malformed name', async () => {
    await assert.rejects(c.templates.insert({ project, instanceTemplateResource: {} }),
      (e: Err) => e.httpStatusCode === 400 && e.message === "Required field 'resource.name' not specified" && reasonsOf(e).includes('required'));
    await assert.rejects(c.templates.insert({ project, instanceTemplateResource: { name: 'Shop_v000', properties: { machineType: 'e2-small' } } }),
      (e: Err) => /^Invalid value for field 'resource.name': 'Shop_v000'. Must be a match of regex/.test(String(e.message)));
    await assert.rejects(c.templates.insert({ project, instanceTemplateResource: { name: 't' } }),
      (e: Err) => e.message === "Required field 'resource.properties.machineType' not specified");
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('t') }));
    await assert.rejects(c.groups.insert({ project, zone, instanceGroupManagerResource: { name: 'g', instanceTemplate: 'global/instanceTemplates/t' } }),
      (e: Err) => e.message === "Required field 'resource.baseInstanceName' not specified");
    await assert.rejects(c.backends.insert({ project, backendServiceResource: { name: 'b', backends: [{ balancingMode: 'UTILIZATION' }] } }),
      (e: Err) => e.message === "Required field 'resource.backends[0].group' not specified");
  });

  it('refuses a query parameter the request message does not define, and a resize without its size', async () => {
    const unknown = await fetch(`${base}/compute/v1/projects/${project}/global/instanceTemplates?colour=blue`);
    assert.equal(unknown.status, 400);
    assert.match((await unknown.json() as { error: { message: string } }).error.message, /Unknown name "colour": Cannot bind query parameter/);
    const noSize = await post(`zones/${zone}/instanceGroupManagers/g/resize`, '');
    assert.equal(noSize.status, 400);
    assert.equal((await noSize.json() as { error: { message: string } }).error.message, 'Required parameter: size');
    const notServed = await post('global/instanceTemplates/t/setIamPolicy', {});
    assert.equal(notServed.status, 501);
  });

  it('fails the next matching calls with the status asked for, 429 with Retry-After', async () => {
    fake.failNext({ method: 'POST', path: /\/global\/instanceTemplates$/, status: 429, retryAfterS: 7, times: 2 });
    const raw = await post('global/instanceTemplates', template('t'));
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('retry-after'), '7');
    await assert.rejects(c.templates.insert({ project, instanceTemplateResource: template('t') }),
      (e: Err) => e.httpStatusCode === 429 && reasonsOf(e).includes('rateLimitExceeded'));
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('t') }));
    fake.failNext({ path: /\/global\/instanceTemplates\/t$/, status: 500 });
    await assert.rejects(c.templates.get({ project, instanceTemplate: 't' }), (e: Err) => e.httpStatusCode === 500 && reasonsOf(e).includes('backendError'));
    const [t] = await c.templates.get({ project, instanceTemplate: 't' });
    assert.equal(t.name, 't');
    // gax itself retries UNAVAILABLE (503) on the methods its config calls idempotent (get, list).
    fake.failNext({ path: /\/global\/instanceTemplates\/t$/, status: 503 });
    const before = fake.requests.length;
    await c.templates.get({ project, instanceTemplate: 't' });
    assert.equal(fake.requests.length - before, 2);
  });

  it('ends a matching operation DONE with its error, undoing what it did', async () => {
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: template('t') }));
    fake.failOperation({ operationType: 'insert', target: /instanceGroupManagers\/g$/, httpStatus: 403,
      error: { code: 'QUOTA_EXCEEDED', message: "Quota 'CPUS' exceeded. Limit: 8.0 in region us-central1." } });
    const { op } = await waitDone(c, await c.groups.insert({ project, zone, instanceGroupManagerResource: {
      name: 'g', baseInstanceName: 'g', targetSize: 2, instanceTemplate: 'global/instanceTemplates/t' } }));
    assert.equal(op.status, 'DONE');
    assert.deepEqual(op.error?.errors?.map((e) => [e.code, e.message]), [['QUOTA_EXCEEDED', "Quota 'CPUS' exceeded. Limit: 8.0 in region us-central1."]]);
    assert.equal(op.httpErrorStatusCode, 403);
    await assert.rejects(c.groups.get({ project, zone, instanceGroupManager: 'g' }), (e: Err) => e.httpStatusCode === 404);
    const { op: again } = await waitDone(c, await c.groups.insert({ project, zone, instanceGroupManagerResource: {
      name: 'g', baseInstanceName: 'g', targetSize: 2, instanceTemplate: 'global/instanceTemplates/t' } }));
    assert.ok(!again.error);
    fake.failOperation({ operationType: 'resize', error: { code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'no capacity' } });
    const { op: resized } = await waitDone(c, await c.groups.resize({ project, zone, instanceGroupManager: 'g', size: 4 }));
    assert.equal(resized.error?.errors?.[0]?.code, 'ZONE_RESOURCE_POOL_EXHAUSTED');
    const [g] = await c.groups.get({ project, zone, instanceGroupManager: 'g' });
    assert.equal(g.targetSize, 2);
    const [instances] = await c.groups.listManagedInstances({ project, zone, instanceGroupManager: 'g' });
    assert.equal(instances.length, 2);
  });

  it('logs each request with its method, path and body; refuses a body past its limit; forgets all on reset', async () => {
    await c.templates.insert({ project, instanceTemplateResource: template('t') });
    // The SDK sends a message's empty maps as {} (and leaves empty lists out).
    assert.deepEqual(fake.requests.map((r) => [r.method, r.path.split('?')[0], r.body]),
      [['POST', `/compute/v1/projects/${project}/global/instanceTemplates`, { name: 't', properties: { machineType: 'e2-small', labels: {}, resourceManagerTags: {} } }]]);
    const small = new FakeGce({ bodyLimitBytes: 64 });
    const smallBase = await small.start();
    try {
      const res = await fetch(`${smallBase}/compute/v1/projects/${project}/global/instanceTemplates`,
        { method: 'POST', body: JSON.stringify({ name: 't', description: 'x'.repeat(200) }) });
      assert.equal(res.status, 413);
      assert.equal(small.requests.length, 0);
    } finally { await small.stop(); }
    fake.failNext({ status: 500, times: 5 });
    fake.reset();
    assert.deepEqual([fake.requests.length, Object.keys(fake.state()).length], [0, 0]);
    const [list] = await c.templates.list({ project });
    assert.deepEqual(list, []);
  });
});
