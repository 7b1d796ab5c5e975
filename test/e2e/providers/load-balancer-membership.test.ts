// A ServerGroup's load balancers follow its spec, with the operator as a process on kwok: one it
// leaves stops routing to it at once, and disabled it takes traffic from none of them, including
// those it left.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';
import { api, inNamespace } from '../../support/runs.ts';

const ns = `lb-members-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);

const loadBalancer = (name: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
const serverGroup = (name: string, loadBalancers: string[], enabled = true) => ({ apiVersion: api, kind: 'ServerGroup', metadata: { name },
  spec: { moniker: { app: 'shop', stack: 'prod', sequence: Number(name.slice(-3)) }, accountRef: { name: 'local' },
    capacity: { min: 2, max: 2, desired: 2 }, enabled, loadBalancerRefs: loadBalancers.map((lb) => ({ name: lb })),
    template: { kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image: 'shop/web:1', ports: [{ containerPort: 8080 }] }] } } } } } });

/** Ready endpoint addresses behind a Service. */
async function readyEndpoints(service: string): Promise<string[]> {
  const out = await k(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${service}`, '-o', 'json']);
  return (JSON.parse(out).items as { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[])
    .flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)).sort();
}

/** The server group's pods that a load balancer's Service selects. */
async function selectedPods(serverGroup: string, loadBalancer: string): Promise<string[]> {
  const out = await k(['get', 'pods', '-l', `lb.staysail.dev/${loadBalancer}=enabled,staysail.dev/server-group=${serverGroup}`, '-o', 'name']);
  return out.split('\n').filter(Boolean);
}

/** The traffic labels on the ReplicaSet's pod template: what its new pods start with. */
const templateTrafficLabels = async (serverGroup: string) =>
  Object.keys(JSON.parse(await k(['get', 'replicaset', serverGroup, '-o', 'jsonpath={.spec.template.metadata.labels}'])) as Record<string, string>)
    .filter((l) => l.startsWith('lb.staysail.dev/')).sort();

const serving = async (serverGroup: string, a: string, b: string) => {
  await waitFor(async () => (await readyEndpoints(a)).length === 2 && (await readyEndpoints(b)).length === 2, 60_000,
    () => `${serverGroup} never served behind both ${a} and ${b}`);
};

/** Waits (10 s at most: the spec change alone wakes the controller) until nothing of the server group routes from these load balancers. */
async function noTrafficFrom(serverGroup: string, ...loadBalancers: string[]): Promise<void> {
  for (const lb of loadBalancers) {
    await waitFor(async () => (await selectedPods(serverGroup, lb)).length === 0, 10_000, () => `${serverGroup}'s pods still carry ${lb}'s label`);
    await waitFor(async () => (await readyEndpoints(lb)).length === 0, 10_000, () => `${lb} still routes to ${serverGroup}`);
  }
}

describe('a ServerGroup\'s load balancers, with the operator as a process', function () {
  this.timeout(180_000);
  withLocalAccountAndOperator(ns);

  it('stops routing from a load balancer it leaves at once, and disabled takes traffic from none', async () => {
    await apply(loadBalancer('a1'), loadBalancer('b1'), serverGroup('shop-prod-v001', ['a1', 'b1']));
    await serving('shop-prod-v001', 'a1', 'b1');

    await apply(serverGroup('shop-prod-v001', ['a1']));
    await noTrafficFrom('shop-prod-v001', 'b1');
    assert.deepEqual(await templateTrafficLabels('shop-prod-v001'), ['lb.staysail.dev/a1'], 'its new pods would join b1 again');
    assert.equal((await readyEndpoints('a1')).length, 2, 'a1 stopped routing to it');
    await waitFor(async () => !(await k(['get', 'loadbalancer', 'b1', '-o', 'jsonpath={.status.serverGroups}'])).includes('shop-prod-v001'), 30_000,
      () => 'LoadBalancer b1 still lists the server group');

    await apply(serverGroup('shop-prod-v001', ['a1'], false));
    await noTrafficFrom('shop-prod-v001', 'a1', 'b1');
    assert.deepEqual(await templateTrafficLabels('shop-prod-v001'), [], 'its new pods would take traffic');
    assert.equal(await k(['get', 'servergroup', 'shop-prod-v001', '-o', 'jsonpath={.status.enabled}']), 'false');
  });

  it('takes traffic from none, including a load balancer it leaves in the same edit, when disabled', async () => {
    await apply(loadBalancer('a2'), loadBalancer('b2'), serverGroup('shop-prod-v002', ['a2', 'b2']));
    await serving('shop-prod-v002', 'a2', 'b2');

    await apply(serverGroup('shop-prod-v002', ['a2'], false));
    await noTrafficFrom('shop-prod-v002', 'a2', 'b2');
    assert.deepEqual(await templateTrafficLabels('shop-prod-v002'), [], 'its new pods would take traffic');

    await apply(serverGroup('shop-prod-v002', ['a2']));
    await waitFor(async () => (await readyEndpoints('a2')).length === 2, 30_000, () => 'enabled again, it never served behind a2');
    assert.deepEqual(await selectedPods('shop-prod-v002', 'b2'), [], 'enabled again, it joined b2, which it left');
  });
});
