// Deleting an object whose Account is gone, with the operator as a process: what the provider made
// in another cluster (a kubeconfig Secret, as a cloud would be) is never left behind unnoticed. The
// object is held, saying why on its Ready condition and in a Warning Event, until its Account is back
// (then it is removed) or it is annotated staysail.dev/orphan=true (then it is let go and what it
// made stays). What is owned by reference in this cluster goes with the object at once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { waitFor } from '../../cluster/probe.ts';
import { kubectl } from '../../support/kubectl.ts';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import { api, inNamespace, type Condition } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';

const ns = `acct-gone-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);

const account = (name: string, secret?: string) => ({ apiVersion: api, kind: 'Account', metadata: { name },
  spec: { provider: 'kubernetes', ...(secret ? { kubernetes: { kubeconfigSecretRef: { name: secret } } } : {}) } });
const serverGroup = (name: string, accountName: string) => ({ apiVersion: api, kind: 'ServerGroup', metadata: { name },
  spec: { moniker: { app: name.split('-')[0], stack: 'prod', sequence: 0 }, accountRef: { name: accountName }, capacity: { min: 1, max: 1, desired: 1 },
    enabled: false, template: { kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image: 'shop/web:1' }] } } } } } });
const loadBalancer = (name: string, accountName: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name },
  spec: { application: 'shop', accountRef: { name: accountName }, ports: [{ name: 'http', port: 80 }] } });

const exists = async (kind: string, name: string) => (await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', kind, name])).code === 0;
const ready = async (kind: string, name: string) =>
  JSON.parse(await k(['get', kind, name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")]}']) || '{}') as Partial<Condition>;
const events = async (name: string, reason: string) =>
  (await k(['get', 'events', '--field-selector', `involvedObject.name=${name},reason=${reason}`, '-o', 'jsonpath={range .items[*]}{.type} {.message}{"\\n"}{end}']))
    .split('\n').filter(Boolean);

/** Applies the objects and waits until each was made by the provider (status.providerId). */
async function made(...objects: { kind: string; metadata: { name: string } }[]): Promise<void> {
  await apply(...objects);
  for (const o of objects) {
    await waitFor(async () => (await k(['get', o.kind, o.metadata.name, '-o', 'jsonpath={.status.providerId}'])) !== '', 30_000,
      () => `${o.kind} ${o.metadata.name} was never made`);
  }
}

describe('deleting an object whose Account is gone, with the operator as a process', function () {
  this.timeout(180_000);
  let operator: OperatorProcess;

  before(async () => {
    await createNamespace(ns);
    await k(['create', 'secret', 'generic', 'elsewhere', `--from-literal=kubeconfig=${readFileSync(sharedCluster().kubeconfigPath, 'utf8')}`]);
    operator = await operatorIn(ns);
  });
  after(async () => {
    await removeNamespace(ns, operator);
  });

  it('holds what it made in another cluster, saying why, until its Account is back; then removes it', async () => {
    await apply(account('remote', 'elsewhere'));
    await made(serverGroup('far-prod-v000', 'remote'), loadBalancer('far-web', 'remote'));
    assert.equal(await k(['get', 'servergroup', 'far-prod-v000', '-o', 'jsonpath={.status.ownedByReference}']), 'false');
    assert.equal(await k(['get', 'replicaset', 'far-prod-v000', '-o', 'jsonpath={.metadata.ownerReferences}']), '', 'owned across clusters');

    await k(['delete', 'account', 'remote']);
    await k(['delete', 'servergroup', 'far-prod-v000', '--wait=false']);
    await k(['delete', 'loadbalancer', 'far-web', '--wait=false']);
    for (const [kind, name, made] of [['servergroup', 'far-prod-v000', `${ns}/replicasets/far-prod-v000`], ['loadbalancer', 'far-web', `${ns}/services/far-web`]]) {
      await waitFor(async () => (await ready(kind!, name!)).reason === 'AccountMissing', 30_000, () => `${kind} ${name} does not say its Account is missing`);
      const condition = await ready(kind!, name!);
      assert.equal(condition.status, 'False');
      const Kind = kind === 'servergroup' ? 'ServerGroup' : 'LoadBalancer';
      assert.equal(condition.message, `${Kind} "${name}": cannot remove ${made} from the provider: Account "remote" no longer exists; recreate it, `
        + `or annotate the object staysail.dev/orphan=true to let it go and leave the provider's resource behind (kubectl annotate ${kind} ${name} staysail.dev/orphan=true)`);
      await waitFor(async () => (await events(name!, 'AccountMissing')).length > 0, 10_000, () => `no AccountMissing Event on ${name}`);
      assert.match((await events(name!, 'AccountMissing'))[0]!, /^Warning .*cannot remove .* Account "remote" no longer exists/);
    }
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(await exists('servergroup', 'far-prod-v000'), 'the ServerGroup was let go without its Account');
    assert.ok(await exists('replicaset', 'far-prod-v000'), 'the ReplicaSet went without its Account');
    assert.ok(await exists('service', 'far-web'), 'the Service went without its Account');

    await apply(account('remote', 'elsewhere'));
    await waitFor(async () => !(await exists('servergroup', 'far-prod-v000')) && !(await exists('loadbalancer', 'far-web')), 30_000,
      () => 'the objects were not removed once their Account was back');
    await waitFor(async () => !(await exists('replicaset', 'far-prod-v000')) && !(await exists('service', 'far-web')), 30_000,
      () => 'what they made was left behind');
  });

  it('lets an object go when annotated staysail.dev/orphan=true, leaving what it made', async () => {
    await apply(account('remote2', 'elsewhere'));
    await made(serverGroup('kept-prod-v000', 'remote2'));
    await k(['delete', 'account', 'remote2']);
    await k(['delete', 'servergroup', 'kept-prod-v000', '--wait=false']);
    await waitFor(async () => (await ready('servergroup', 'kept-prod-v000')).reason === 'AccountMissing', 30_000, () => 'not held');

    await k(['annotate', 'servergroup', 'kept-prod-v000', 'staysail.dev/orphan=true']);
    await waitFor(async () => !(await exists('servergroup', 'kept-prod-v000')), 30_000, () => 'the annotated ServerGroup was not let go');
    assert.ok(await exists('replicaset', 'kept-prod-v000'), 'an orphaned ServerGroup\'s ReplicaSet was removed');
    await waitFor(async () => (await events('kept-prod-v000', 'Orphaned')).length > 0, 10_000, () => 'no Orphaned Event');
    assert.equal((await events('kept-prod-v000', 'Orphaned'))[0],
      `Warning ServerGroup "kept-prod-v000": let go as staysail.dev/orphan is true, leaving ${ns}/replicasets/kept-prod-v000 behind in the provider`);
    await k(['delete', 'replicaset', 'kept-prod-v000']);
  });

  it('lets an object go at once when what it made in this cluster is owned by reference, and the garbage collector removes that', async () => {
    await apply(account('local'));
    await made(serverGroup('near-prod-v000', 'local'), loadBalancer('near-web', 'local'));
    assert.equal(await k(['get', 'servergroup', 'near-prod-v000', '-o', 'jsonpath={.status.ownedByReference}']), 'true');
    const uid = await k(['get', 'servergroup', 'near-prod-v000', '-o', 'jsonpath={.metadata.uid}']);
    assert.equal(await k(['get', 'replicaset', 'near-prod-v000', '-o', 'jsonpath={.metadata.ownerReferences[0].uid}']), uid);

    await k(['delete', 'account', 'local']);
    await k(['delete', 'servergroup', 'near-prod-v000', '--wait=false']);
    await k(['delete', 'loadbalancer', 'near-web', '--wait=false']);
    await waitFor(async () => !(await exists('servergroup', 'near-prod-v000')) && !(await exists('loadbalancer', 'near-web')), 15_000,
      () => 'objects owning what they made by reference were held without their Account');
    await waitFor(async () => !(await exists('replicaset', 'near-prod-v000')) && !(await exists('service', 'near-web')), 30_000,
      () => 'the garbage collector did not remove what they owned');
  });
});
