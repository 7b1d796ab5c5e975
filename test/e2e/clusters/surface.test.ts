// What a Cluster tells the person looking at it, with the operator as a process on kwok: what it runs
// (an IMAGE column), ServerGroups under a short name no one reads as security groups, no status
// writes while nothing they could see changes, and a server group its provider refuses or cannot
// reach shown at once on the Cluster, naming it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stringify } from 'yaml';
import { freePorts, waitFor } from '../../cluster/probe.ts';
import { kubectl, kubectlOk } from '../../support/kubectl.ts';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';
import { sharedCluster } from '../../support/setup.ts';

const api = 'staysail.dev/v1alpha1';
const ns = `surface-${Date.now().toString(36)}`;
const k = (args: string[], input?: string) => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, ...args], input);
const apply = (...docs: object[]) => k(['apply', '--server-side', '--force-conflicts', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));

const container = (image: unknown, port = 8080) => ({ name: 'web', image, ports: [{ containerPort: port }] });
const cluster = (stack: string, web: object, extra: object = {}) => ({
  apiVersion: api, kind: 'Cluster', metadata: { name: `shop-${stack}` },
  spec: { moniker: { app: 'shop', stack }, accountRef: { name: 'local' }, capacity: { min: 1, max: 6, desired: 2 }, progressDeadline: '10m',
    template: { kubernetes: { podTemplate: { spec: { containers: [web] } } } }, ...extra },
});

interface Condition { type: string; status: string; reason: string; message: string }
interface Status { activeServerGroup?: string; conditions?: Condition[]; rollout?: { phase: string; message?: string; revision: number } }
const status = async (name: string) => JSON.parse(await k(['get', 'cluster', name, '-o', 'jsonpath={.status}']) || '{}') as Status;
const condition = (s: { conditions?: Condition[] } | undefined, type = 'Ready') => s?.conditions?.find((c) => c.type === type);

/** Waits for the cluster's rollout `revision` to reach phase; returns the status. */
async function reach(name: string, revision: number, phase: string, timeoutMs = 60_000): Promise<Status> {
  let last: Status = {};
  await waitFor(async () => { last = await status(name); return last.rollout?.revision === revision && last.rollout.phase === phase; }, timeoutMs,
    () => `cluster ${name} rollout ${revision} did not reach ${phase}: ${JSON.stringify(last.rollout)}`);
  return last;
}

describe('what a Cluster tells its user, with the operator as a process', function () {
  this.timeout(180_000);
  const operator = withLocalAccountAndOperator(ns);

  it('shows what it runs (IMAGE with -o wide), lists server groups as srvg (sg is not a short name), and writes no status while nothing changes', async () => {
    await apply(cluster('img', container('shop:1')));
    await reach('shop-img', 1, 'Succeeded');
    await apply(cluster('img', container('shop:2')));
    await reach('shop-img', 2, 'Succeeded');
    const wide = await k(['get', 'clusters', 'shop-img', '-o', 'wide']);
    assert.match(wide, /^NAME\s+ACTIVE\s+READY\s+PHASE\s+CANARY\s+STRATEGY\s+IMAGE\s+AGE$/m);
    assert.match(wide, /^shop-img\s+shop-img-v001\s+2\/2\s+Succeeded\s+web=shop:2\s+\S+$/m);
    assert.match(await k(['get', 'srvg']), /^shop-img-v001\s+true\s+2\/2/m);
    const sg = await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'sg']);
    assert.notEqual(sg.code, 0);
    assert.match(sg.stderr, /doesn't have a resource type "sg"/);
    const secg = await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'secg']);
    assert.deepEqual([secg.code, secg.stderr.trim()], [0, `No resources found in ${ns} namespace.`]);

    // Every MODIFIED event of the Cluster is a line: kubectl get -w prints them all.
    const watch = spawn('kubectl', ['--kubeconfig', sharedCluster().kubeconfigPath, '-n', ns, 'get', 'cluster', 'shop-img', '--watch-only',
      '-o', 'jsonpath={.metadata.resourceVersion} {.status.ready} {.status.rollout.message}{"\\n"}'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = '';
    watch.stdout.on('data', (d: Buffer) => { seen += d.toString(); });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      // What makes the controller look again without changing what a user sees: its server groups touched,
      // and a spec change of the old one (its controller catches up a moment later).
      await k(['annotate', 'servergroup', 'shop-img-v001', 'shop.example/touched=1']);
      await k(['patch', 'servergroup', 'shop-img-v000', '--type=merge', '-p', '{"spec":{"capacity":{"max":5}}}']);
      await k(['annotate', 'replicaset', 'shop-img-v000', 'shop.example/touched=1']);
      await waitFor(async () => {
        const [generation, observed] = (await k(['get', 'servergroup', 'shop-img-v000', '-o', 'jsonpath={.metadata.generation} {.status.observedGeneration}'])).split(' ');
        return generation === observed && (await k(['get', 'replicaset', 'shop-img-v000', '-o', 'jsonpath={.metadata.annotations.staysail\\.dev/capacity}'])).includes('"max":5');
      }, 20_000,
        () => 'the old server group\'s controller never caught up');
      await new Promise((r) => setTimeout(r, 4000));
    } finally {
      watch.kill();
    }
    assert.equal(seen, '', 'the Cluster\'s status was rewritten while nothing a user sees changed');
  });

  it('fails a rollout at once when the provider refuses the new server group, naming it, and rolls back, saying how to deploy the template again', async () => {
    await apply(cluster('bad', container('shop:1')));
    await reach('shop-bad', 1, 'Succeeded');
    const started = Date.now();
    await apply(cluster('bad', container('shop:2', 70_000)));
    const st = await reach('shop-bad', 2, 'RolledBack', 30_000);
    assert.ok(Date.now() - started < 30_000, 'the rollout waited instead of failing at once (progressDeadline is 10m)');
    const refused = await k(['get', 'servergroup', 'shop-bad-v001', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")]}']);
    assert.deepEqual({ ...JSON.parse(refused), lastTransitionTime: undefined, message: undefined, observedGeneration: undefined },
      { type: 'Ready', status: 'False', reason: 'Invalid', lastTransitionTime: undefined, message: undefined, observedGeneration: undefined });
    assert.match(JSON.parse(refused).message, /^ServerGroup "shop-bad-v001": server group shop-bad-v001: ReplicaSet\.apps "shop-bad-v001" is invalid: .*containerPort/);
    assert.match(st.rollout!.message!, /^rolled back to shop-bad-v000: shop-bad-v001 failed: server group shop-bad-v001: ReplicaSet\.apps "shop-bad-v001" is invalid: .*containerPort.*; the template \(web=shop:2\) is not deployed: to deploy it again, run kubectl staysail retry shop-bad \(or set spec\.retry\), or change spec\.template$/);
    const ready = condition(st)!;
    assert.equal(ready.status, 'True');
    assert.equal(ready.message, `shop-bad-v000 serves with 2 of 2 instances healthy; ${st.rollout!.message}`);
    assert.equal(st.activeServerGroup, 'shop-bad-v000');
  });

  it('fails a first deploy at once when the API server refuses its manifest (image: 123), on the Ready condition', async () => {
    await apply(cluster('num', container(123)));
    const st = await reach('shop-num', 1, 'Failed', 30_000);
    assert.match(st.rollout!.message!, /^shop-num-v000 failed: server group shop-num-v000: .*image.*; the template \(web=123\) is not deployed/);
    const ready = condition(st)!;
    assert.deepEqual([ready.status, ready.reason], ['False', 'NoActiveServerGroup']);
    assert.equal(ready.message, `no server group is enabled yet; ${st.rollout!.message}`);
    assert.equal(condition(st, 'Progressing')?.reason, 'Failed');
  });

  it('shows a provider it cannot reach in the rollout message while the rollout waits', async () => {
    const [closed] = await freePorts(1);
    const kubeconfig = JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${closed}` } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      users: [{ name: 'u', user: { token: 't' } }] });
    await k(['create', 'secret', 'generic', 'nowhere', `--from-literal=kubeconfig=${kubeconfig}`]);
    await apply({ apiVersion: api, kind: 'Account', metadata: { name: 'far' }, spec: { provider: 'kubernetes', kubernetes: { kubeconfigSecretRef: { name: 'nowhere' } } } },
      { ...cluster('far', container('shop:1')), spec: { ...cluster('far', container('shop:1')).spec, accountRef: { name: 'far' } } });
    let st: Status = {};
    await waitFor(async () => { st = await status('shop-far'); return /cannot reach/.test(st.rollout?.message ?? ''); }, 30_000,
      () => `the rollout never said the provider cannot be reached: ${JSON.stringify(st)}`);
    assert.match(st.rollout!.message!, /^waiting for shop-far-v000: 0 of 2 healthy instances; cannot reach the provider: ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);
    assert.equal(st.rollout!.phase, 'Progressing');
    assert.match(condition(st)!.message, /^no server group is enabled yet; shop-far-v000 is not coming up: cannot reach the provider: ECONNREFUSED/);
    const sg = JSON.parse(await k(['get', 'servergroup', 'shop-far-v000', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")]}'])) as Condition;
    assert.equal(sg.reason, 'Unreachable');
  });

  it('logs no failure for server groups it destroyed', async () => {
    await k(['delete', 'cluster', 'shop-img', 'shop-bad']);
    await waitFor(async () => !/shop-(img|bad)-/.test(await k(['get', 'servergroups,replicasets', '-o', 'name'])), 30_000, () => 'the server groups were not removed');
    await new Promise((r) => setTimeout(r, 1000));
    const failures = operator().lines.filter((l) => l.level === 'error' && /not found/.test(String(l.error)));
    assert.deepEqual(failures, [], 'a destroyed ServerGroup is done, not an error');
  });
});
