// Traffic shares on kwok, with the operator as a process: a rolling red/black takes each step's share
// of the old server group's pods out of traffic, so the pods in traffic follow the steps; a share set
// on a ServerGroup stays right when its pods are replaced. Every change of the namespace's pods is
// watched, so no state between two samples is missed.
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject } from '../../../src/core/kube-client.ts';
import { pods } from '../../../src/providers/kubernetes/server-groups.ts';
import { waitFor } from '../../cluster/probe.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';
import { sharedCluster } from '../../support/setup.ts';

const api = 'staysail.dev/v1alpha1';
const ns = `shares-${Date.now().toString(36)}`;
const k = (args: string[], input?: string) => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, ...args], input);
const apply = (...docs: object[]) => k(['apply', '--server-side', '--force-conflicts', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));

const podTemplate = (image: string) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] } } } });
const lb = (name: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
const trafficLabel = (loadBalancer: string) => `lb.staysail.dev/${loadBalancer}`;

type Pod = KubeObject<unknown, { conditions?: { type: string; status: string }[] }>;
const isReady = (p: Pod) => !p.metadata.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Pods of the namespace as a watch keeps them: every change is seen, in order. */
class PodWatch {
  readonly pods = new Map<string, Pod>();
  private readonly abort = new AbortController();
  private done?: Promise<void>;
  private readonly listeners: (() => void)[] = [];

  private readonly client: KubeClient;

  constructor(client: KubeClient) { this.client = client; }

  async start(): Promise<void> {
    const list = await this.client.list<Pod>(pods, ns);
    for (const p of list.items) this.pods.set(p.metadata.name, p);
    this.done = this.client.watch<Pod>(pods, ns, { resourceVersion: list.resourceVersion }, (e) => {
      if (e.type === 'DELETED') this.pods.delete(e.object.metadata.name); else this.pods.set(e.object.metadata.name, e.object);
      for (const l of this.listeners) l();
    }, this.abort.signal);
  }

  onChange(listener: () => void): void { this.listeners.push(listener); }

  /** Ready pods in traffic of the load balancer, by server group. */
  serving(loadBalancer: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.pods.values()) {
      const sg = p.metadata.labels?.['staysail.dev/server-group'];
      if (sg && isReady(p) && p.metadata.labels?.[trafficLabel(loadBalancer)] === 'enabled') out[sg] = (out[sg] ?? 0) + 1;
    }
    return out;
  }

  async stop(): Promise<void> { this.abort.abort(); await this.done; }
}

interface ClusterStatus { rollout?: { phase: string; revision: number } }
const rolloutOf = async (name: string) => (JSON.parse(await k(['get', 'cluster', name, '-o', 'jsonpath={.status}']) || '{}') as ClusterStatus).rollout;

async function waitForRollout(name: string, revision: number, phase: string): Promise<void> {
  let r: ClusterStatus['rollout'];
  await waitFor(async () => { r = await rolloutOf(name); return (r?.revision ?? 0) >= revision && r?.phase === phase; }, 120_000,
    () => `Cluster ${name} did not reach ${phase} in rollout ${revision}: ${JSON.stringify(r)}`);
}

describe('traffic shares on kwok, with the operator as a process', function () {
  this.timeout(300_000);
  withLocalAccountAndOperator(ns);
  let client: KubeClient;
  before(() => { client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock }); });

  it('rolling red/black [25, 50, 100]: the pods in traffic follow each step, never fewer than the desired 4', async () => {
    const cluster = (image: string) => ({ apiVersion: api, kind: 'Cluster', metadata: { name: 'shop-rr' },
      spec: { moniker: { app: 'shop', stack: 'rr' }, accountRef: { name: 'local' }, capacity: { min: 1, max: 8, desired: 4 },
        loadBalancerRefs: [{ name: 'lb-rr' }], template: podTemplate(image),
        strategy: { type: 'rollingredblack', rollingRedBlack: { targetPercentages: [25, 50, 100] } } } });
    await apply(lb('lb-rr'), cluster('shop:1'));
    await waitForRollout('shop-rr', 1, 'Succeeded');
    const watch = new PodWatch(client);
    await watch.start();
    await waitFor(async () => watch.serving('lb-rr')['shop-rr-v000'] === 4, 30_000, () => `v000 serves ${JSON.stringify(watch.serving('lb-rr'))}`);

    // Every state the pods go through: [old, new] ready pods in traffic.
    const states: [number, number][] = [];
    watch.onChange(() => {
      const s = watch.serving('lb-rr');
      const now: [number, number] = [s['shop-rr-v000'] ?? 0, s['shop-rr-v001'] ?? 0];
      if (JSON.stringify(states.at(-1)) !== JSON.stringify(now)) states.push(now);
    });
    await apply(cluster('shop:2'));
    await waitForRollout('shop-rr', 2, 'Succeeded');
    await waitFor(async () => (watch.serving('lb-rr')['shop-rr-v001'] ?? 0) === 4 && !watch.serving('lb-rr')['shop-rr-v000'], 30_000,
      () => `the pods in traffic did not settle on v001: ${JSON.stringify(watch.serving('lb-rr'))}`);
    await watch.stop();

    const seen = JSON.stringify(states);
    assert.ok(states.every(([old, next]) => old + next >= 4), `fewer than 4 pods in traffic at some moment: ${seen}`);
    // At 25%: 1 new pod, 1 of the 4 old ones out (3 in); at 50%: 2 and 2; at 100%: the new one alone.
    for (const [p, want] of [[25, [3, 1]], [50, [2, 2]], [100, [0, 4]]] as const) {
      assert.ok(states.some(([old, next]) => old === want[0] && next === want[1]), `step ${p}%: never ${want[0]} old and ${want[1]} new pods in traffic: ${seen}`);
    }
    // Each step's share is in force before the next step grows the new server group.
    const at = (want: readonly [number, number]) => states.findIndex(([o, n]) => o === want[0] && n === want[1]);
    assert.ok(at([3, 1]) < at([2, 2]) && at([2, 2]) < at([0, 4]), `the steps came out of order: ${seen}`);
    const v000 = JSON.parse(await k(['get', 'servergroup', 'shop-rr-v000', '-o', 'json'])) as { spec: { enabled: boolean; disabledPercentage?: number } };
    assert.deepEqual([v000.spec.enabled, v000.spec.disabledPercentage], [false, undefined], 'v000 left traffic, its last share (50%) cleared');
  });

  it('a ServerGroup with half its pods out of traffic keeps two of four out when one is replaced, and puts all back at 0', async () => {
    const sg = (disabledPercentage?: number) => ({ apiVersion: api, kind: 'ServerGroup', metadata: { name: 'shop-sg-v000' },
      spec: { moniker: { app: 'shop', stack: 'sg', sequence: 0 }, accountRef: { name: 'local' }, template: podTemplate('shop:1'),
        capacity: { min: 4, max: 4, desired: 4 }, enabled: true, loadBalancerRefs: [{ name: 'lb-sg' }],
        ...(disabledPercentage !== undefined ? { disabledPercentage } : {}) } });
    await apply(lb('lb-sg'), sg(50));
    const watch = new PodWatch(client);
    await watch.start();
    const live = () => [...watch.pods.values()].filter((p) => p.metadata.labels?.['staysail.dev/server-group'] === 'shop-sg-v000' && !p.metadata.deletionTimestamp)
      .sort((x, y) => x.metadata.name.localeCompare(y.metadata.name));
    const labelled = () => live().map((p) => p.metadata.labels?.[trafficLabel('lb-sg')] === 'enabled');
    const show = () => JSON.stringify(live().map((p) => [p.metadata.name, isReady(p), p.metadata.labels?.[trafficLabel('lb-sg')] ?? '-']));
    // Two of the four out of traffic, the other two in, all ready.
    const halfOut = () => live().length === 4 && live().every(isReady) && labelled().filter(Boolean).length === 2;
    await waitFor(async () => halfOut(), 60_000, () => `pods: ${show()}`);
    let status: { disabledPercentage?: number } = {};
    const readStatus = async () => { status = JSON.parse(await k(['get', 'servergroup', 'shop-sg-v000', '-o', 'jsonpath={.status}'])) as typeof status; return status; };
    await waitFor(async () => (await readStatus()).disabledPercentage === 50, 30_000, () => `status.disabledPercentage is ${status.disabledPercentage}`);

    // A pod out of traffic is replaced: its successor comes from the template, in traffic; while it is not ready it is
    // the one taken out in its place, and the ready pods in traffic never drop below the two the share leaves.
    let fewest = 2;
    watch.onChange(() => { fewest = Math.min(fewest, live().filter((p) => isReady(p) && p.metadata.labels?.[trafficLabel('lb-sg')] === 'enabled').length); });
    const victim = live().find((p) => p.metadata.labels?.[trafficLabel('lb-sg')] !== 'enabled')!.metadata.name;
    await k(['delete', 'pod', victim, '--wait=false']);
    await waitFor(async () => halfOut() && !live().some((p) => p.metadata.name === victim), 60_000, () => `after replacing ${victim}: ${show()}`);
    assert.ok(fewest >= 2, `fewer than 2 ready pods in traffic at some moment after replacing ${victim}: ${fewest}`);

    await k(['patch', 'servergroup', 'shop-sg-v000', '--type=json', '-p', '[{"op":"remove","path":"/spec/disabledPercentage"}]']);
    await waitFor(async () => labelled().length === 4 && labelled().every(Boolean), 60_000, () => `not all in traffic: ${JSON.stringify(labelled())}`);
    await watch.stop();
    await waitFor(async () => (await readStatus()).disabledPercentage === 0, 30_000, () => `status.disabledPercentage is ${status.disabledPercentage}`);
  });
});
