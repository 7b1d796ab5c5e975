// The GCE fake's load balancing and firewall pieces driven by the real SDK clients: backend services
// with health checks and a zonal or regional group's health, fingerprints, what a delete may not take from under
// another resource, firewall rules on network tags, and the external chain (global forwarding rule ->
// target TCP proxy -> backend service; regional forwarding rule -> regional backend service).
import assert from 'node:assert/strict';
import { FakeGce } from '../fakes/gce/server.ts';
import { closeClients, reasonsOf, sdkClients, waitDone, type SdkClients } from '../fakes/gce/sdk.ts';

const project = 'test-project';
const zone = 'us-central1-a';
const region = 'us-central1';
type Err = Record<string, unknown>;

describe('the GCE fake: load balancing and firewalls through the SDK', () => {
  let fake: FakeGce;
  let c: SdkClients;
  let group = '';
  before(async () => { fake = new FakeGce(); await fake.start(); c = sdkClients(fake); });
  after(async () => { await closeClients(c); await fake.stop(); });
  beforeEach(async () => {
    fake.reset();
    await waitDone(c, await c.templates.insert({ project, instanceTemplateResource: { name: 'shop-v000', properties: { machineType: 'e2-small' } } }));
    await waitDone(c, await c.groups.insert({ project, zone, instanceGroupManagerResource: {
      name: 'shop-v000', baseInstanceName: 'shop-v000', targetSize: 2, instanceTemplate: 'global/instanceTemplates/shop-v000' } }));
    group = String((await c.groups.get({ project, zone, instanceGroupManager: 'shop-v000' }))[0].instanceGroup);
    await waitDone(c, await c.healthChecks.insert({ project, healthCheckResource: { name: 'shop-hc', type: 'TCP', tcpHealthCheck: { port: 80 } } }));
  });

  async function backendService(backends: { group: string }[] = [{ group }]) {
    await waitDone(c, await c.backends.insert({ project, backendServiceResource: { name: 'shop-bs', protocol: 'TCP',
      loadBalancingScheme: 'EXTERNAL', healthChecks: ['global/healthChecks/shop-hc'], backends } }));
    return (await c.backends.get({ project, backendService: 'shop-bs' }))[0];
  }

  it("reports a backend group's RUNNING instances HEALTHY, and what a test set", async () => {
    await backendService();
    const [health] = await c.backends.getHealth({ project, backendService: 'shop-bs', resourceGroupReferenceResource: { group } });
    assert.deepEqual(health.healthStatus?.map((h) => h.healthState), ['HEALTHY', 'HEALTHY']);
    for (const h of health.healthStatus ?? []) assert.match(String(h.instance), /\/zones\/us-central1-a\/instances\/shop-v000-[a-z0-9]{4}$/);
    fake.setHealth(/^shop-v000-/, 'UNHEALTHY');
    const [sick] = await c.backends.getHealth({ project, backendService: 'shop-bs', resourceGroupReferenceResource: { group } });
    assert.deepEqual(sick.healthStatus?.map((h) => h.healthState), ['UNHEALTHY', 'UNHEALTHY']);
  });

  it('refuses getHealth for a group that is not a backend, and a patch with a stale or missing fingerprint', async () => {
    const bs = await backendService([]);
    await assert.rejects(c.backends.getHealth({ project, backendService: 'shop-bs', resourceGroupReferenceResource: { group } }),
      (e: Err) => e.httpStatusCode === 400 && /not a backend/.test(String(e.message)));
    await assert.rejects(c.backends.patch({ project, backendService: 'shop-bs', backendServiceResource: { fingerprint: 'c3RhbGU=', backends: [{ group }] } }),
      (e: Err) => e.httpStatusCode === 412 && reasonsOf(e).includes('conditionNotMet'));
    await assert.rejects(c.backends.patch({ project, backendService: 'shop-bs', backendServiceResource: { backends: [{ group }] } }),
      (e: Err) => e.httpStatusCode === 412);
    await waitDone(c, await c.backends.patch({ project, backendService: 'shop-bs', backendServiceResource: { fingerprint: bs.fingerprint, backends: [{ group }] } }));
    const [after] = await c.backends.get({ project, backendService: 'shop-bs' });
    assert.deepEqual(after.backends?.map((b) => b.group), [group]);
    assert.notEqual(after.fingerprint, bs.fingerprint);
    assert.equal(after.protocol, 'TCP');
    assert.deepEqual(after.healthChecks, ['global/healthChecks/shop-hc']);
  });

  it('replaces a backend service whole on update, keeping what the server owns', async () => {
    const bs = await backendService();
    await waitDone(c, await c.backends.update({ project, backendService: 'shop-bs', backendServiceResource: {
      name: 'shop-bs', fingerprint: bs.fingerprint, protocol: 'HTTP', healthChecks: ['global/healthChecks/shop-hc'] } }));
    const [after] = await c.backends.get({ project, backendService: 'shop-bs' });
    assert.deepEqual(after.backends, []);
    assert.equal(after.protocol, 'HTTP');
    assert.equal(after.id, bs.id);
    assert.equal(after.selfLink, bs.selfLink);
  });

  it('keeps a group, health check or backend service another resource names, until it no longer does', async () => {
    const bs = await backendService();
    await assert.rejects(c.groups.delete({ project, zone, instanceGroupManager: 'shop-v000' }),
      (e: Err) => e.httpStatusCode === 400 && /instance_group resource .* is already being used by 'projects\/test-project\/global\/backendServices\/shop-bs'/.test(String(e.message)));
    await assert.rejects(c.healthChecks.delete({ project, healthCheck: 'shop-hc' }), (e: Err) => reasonsOf(e).includes('resourceInUseByAnotherResource'));
    // proto3 JSON leaves an empty list out, so a patch with backends: [] sends no backends and keeps them;
    // only an update (PUT, the whole resource) takes the last backend away.
    await waitDone(c, await c.backends.patch({ project, backendService: 'shop-bs', backendServiceResource: { fingerprint: bs.fingerprint, backends: [] } }));
    const [kept] = await c.backends.get({ project, backendService: 'shop-bs' });
    assert.deepEqual(kept.backends?.map((b) => b.group), [group]);
    await waitDone(c, await c.backends.update({ project, backendService: 'shop-bs', backendServiceResource: { ...kept, backends: [] } }));
    await waitDone(c, await c.groups.delete({ project, zone, instanceGroupManager: 'shop-v000' }));
    await waitDone(c, await c.backends.delete({ project, backendService: 'shop-bs' }));
    await waitDone(c, await c.healthChecks.delete({ project, healthCheck: 'shop-hc' }));
    await waitDone(c, await c.templates.delete({ project, instanceTemplate: 'shop-v000' }));
    assert.deepEqual(fake.state(), {});
  });

  it('makes the external chain: global forwarding rule, target TCP proxy, backend service', async () => {
    await backendService();
    await assert.rejects(c.tcpProxies.insert({ project, targetTcpProxyResource: { name: 'shop-proxy', service: 'global/backendServices/none' } }),
      (e: Err) => e.httpStatusCode === 404);
    await waitDone(c, await c.tcpProxies.insert({ project, targetTcpProxyResource: { name: 'shop-proxy', service: 'global/backendServices/shop-bs' } }));
    await waitDone(c, await c.globalRules.insert({ project, forwardingRuleResource: { name: 'shop-80', portRange: '80',
      target: 'global/targetTcpProxies/shop-proxy', loadBalancingScheme: 'EXTERNAL', labels: { owner: 'shop' } } }));
    const [rule] = await c.globalRules.get({ project, forwardingRule: 'shop-80' });
    assert.match(String(rule.IPAddress), /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual(rule.labels, { owner: 'shop' });
    const [ours] = await c.globalRules.list({ project, filter: 'labels.owner = "shop"' });
    assert.deepEqual(ours.map((r) => r.name), ['shop-80']);
    await assert.rejects(c.tcpProxies.delete({ project, targetTcpProxy: 'shop-proxy' }), (e: Err) => e.httpStatusCode === 400);
    await assert.rejects(c.globalRules.insert({ project, forwardingRuleResource: { name: 'no-target', portRange: '80' } }),
      (e: Err) => e.httpStatusCode === 400 && e.message === "Required field 'resource.target' not specified");
  });

  it('makes a regional backend service behind a regional forwarding rule, and waits through the region operations', async () => {
    await waitDone(c, await c.regionHealthChecks.insert({ project, region, healthCheckResource: { name: 'shop-hc', type: 'TCP', tcpHealthCheck: { port: 80 } } }));
    const { seen } = await waitDone(c, await c.regionBackends.insert({ project, region, backendServiceResource: { name: 'shop-bs', protocol: 'TCP',
      loadBalancingScheme: 'EXTERNAL', healthChecks: [`regions/${region}/healthChecks/shop-hc`], backends: [{ group, balancingMode: 'CONNECTION' }] } }));
    assert.deepEqual(seen, ['PENDING', 'RUNNING', 'DONE']);
    await waitDone(c, await c.regionRules.insert({ project, region, forwardingRuleResource: { name: 'shop-80', ports: ['80'],
      backendService: `regions/${region}/backendServices/shop-bs`, loadBalancingScheme: 'EXTERNAL' } }));
    const [health] = await c.regionBackends.getHealth({ project, region, backendService: 'shop-bs', resourceGroupReferenceResource: { group } });
    assert.equal(health.healthStatus?.length, 2);
  });

  it("takes a regional group's instance group as a backend: its health in every zone, and kept while a backend service names it", async () => {
    await waitDone(c, await c.regionGroups.insert({ project, region, instanceGroupManagerResource: { name: 'shop-r000', baseInstanceName: 'shop-r000',
      targetSize: 2, instanceTemplate: 'global/instanceTemplates/shop-v000',
      distributionPolicy: { zones: [{ zone: `zones/${region}-b` }, { zone: `zones/${region}-c` }] } } }));
    const regional = String((await c.regionGroups.get({ project, region, instanceGroupManager: 'shop-r000' }))[0].instanceGroup);
    assert.match(regional, /\/regions\/us-central1\/instanceGroups\/shop-r000$/);
    const bs = await backendService([{ group: regional }]);
    const [health] = await c.backends.getHealth({ project, backendService: 'shop-bs', resourceGroupReferenceResource: { group: regional } });
    assert.deepEqual(health.healthStatus?.map((h) => [String(h.instance).split('/')[8], h.healthState]).sort(),
      [['us-central1-b', 'HEALTHY'], ['us-central1-c', 'HEALTHY']]);
    await assert.rejects(c.backends.getHealth({ project, backendService: 'shop-bs', resourceGroupReferenceResource: { group } }),
      (e: Err) => e.httpStatusCode === 400, 'the zonal group of the same template is not a backend');
    await assert.rejects(c.regionGroups.delete({ project, region, instanceGroupManager: 'shop-r000' }),
      (e: Err) => e.httpStatusCode === 400 && reasonsOf(e).includes('resourceInUseByAnotherResource'));
    await waitDone(c, await c.backends.update({ project, backendService: 'shop-bs', backendServiceResource: { ...bs, backends: [] } }));
    await waitDone(c, await c.regionGroups.delete({ project, region, instanceGroupManager: 'shop-r000' }));
    await assert.rejects(c.regionGroups.get({ project, region, instanceGroupManager: 'shop-r000' }), (e: Err) => e.httpStatusCode === 404);
  });

  it('keeps firewall rules on network tags, with the documented defaults, patched in place', async () => {
    await waitDone(c, await c.firewalls.insert({ project, firewallResource: { name: 'shop-web', targetTags: ['shop-web'],
      allowed: [{ IPProtocol: 'tcp', ports: ['80'] }], description: 'staysail owner=SecurityGroup/default/web' } }));
    const [fw] = await c.firewalls.get({ project, firewall: 'shop-web' });
    assert.deepEqual([fw.network, fw.direction, fw.priority, fw.sourceRanges], ['global/networks/default', 'INGRESS', 1000, ['0.0.0.0/0']]);
    await waitDone(c, await c.firewalls.patch({ project, firewall: 'shop-web', firewallResource: { allowed: [{ IPProtocol: 'tcp', ports: ['80', '443'] }] } }));
    const [patched] = await c.firewalls.list({ project, filter: 'name = "shop-web"' });
    assert.deepEqual(patched.map((f) => [f.allowed?.[0]?.ports, f.targetTags]), [[['80', '443'], ['shop-web']]]);
    await assert.rejects(c.firewalls.insert({ project, firewallResource: { name: 'neither', targetTags: ['x'] } }), (e: Err) => e.httpStatusCode === 400);
    await assert.rejects(c.firewalls.insert({ project, firewallResource: { name: 'no-proto', allowed: [{ ports: ['80'] }] } }),
      (e: Err) => e.message === "Required field 'resource.allowed[0].IPProtocol' not specified");
  });

  it('routes HTTP through a URL map and a target HTTP proxy', async () => {
    await backendService();
    await waitDone(c, await c.urlMaps.insert({ project, urlMapResource: { name: 'shop-map', defaultService: 'global/backendServices/shop-bs' } }));
    await assert.rejects(c.httpProxies.insert({ project, targetHttpProxyResource: { name: 'shop-http' } }), (e: Err) => e.httpStatusCode === 400);
    await waitDone(c, await c.httpProxies.insert({ project, targetHttpProxyResource: { name: 'shop-http', urlMap: 'global/urlMaps/shop-map' } }));
    await assert.rejects(c.urlMaps.delete({ project, urlMap: 'shop-map' }), (e: Err) => reasonsOf(e).includes('resourceInUseByAnotherResource'));
  });
});
