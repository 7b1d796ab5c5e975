// Several operator processes against the real API server. Every replica fills its caches and serves
// its routes; one holds the Lease and reconciles. A killed leader is replaced within the lease
// duration while the other replicas keep answering; a leader stopped with SIGTERM hands over at once.
// The cases run in order on the same three processes: each starts from where the last one left off.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { kubectl, kubectlOk } from '../../support/kubectl.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { sharedCluster } from '../../support/setup.ts';
import { installCrds } from '../../support/crds.ts';
import { sample } from '../../support/metrics.ts';

const leaseDurationMs = 15_000;

interface CachesReport {
  replica: string;
  leader: string | null;
  reconciling: boolean;
  caches: { resource: string; synced: boolean; objects: number }[];
}

class Replica {
  readonly process: OperatorProcess;
  constructor(ns: string) {
    this.process = new OperatorProcess(['--leader-elect=true', '--leader-election-namespace', ns, '--namespaces', ns]);
  }
  said(msg: string): boolean { return this.process.said(msg); }
  private get serving(): { health: string; metrics: string } {
    const line = this.process.lines.find((l) => l.msg === 'serving probes and metrics');
    if (!line) throw new Error('the replica is not serving yet');
    return line as unknown as { health: string; metrics: string };
  }
  async get(path: string): Promise<{ status: number; body: string }> {
    const address = path === '/metrics' ? this.serving.metrics : this.serving.health;
    const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: await res.text() };
  }
  async caches(): Promise<CachesReport> { return JSON.parse((await this.get('/debug/caches')).body) as CachesReport; }
  async objects(resource: string): Promise<number | undefined> {
    return (await this.caches()).caches.find((c) => c.resource === resource)?.objects;
  }
  /** When the replica logged msg, in ms since the epoch. */
  loggedAt(msg: string): number { return Date.parse(String(this.process.lines.find((l) => l.msg === msg)?.time)); }
}

/**
 * Runs work while polling every replica's routes every ~100 ms (for at most deadlineMs), and gives
 * every answer that was not 200 and every request that failed.
 */
async function whilePolling<T>(replicas: Replica[], deadlineMs: number, work: () => Promise<T>): Promise<{ result: T; rounds: number; failures: string[] }> {
  let stopped = false;
  const failures: string[] = [];
  let rounds = 0;
  const polling = (async () => {
    const end = Date.now() + deadlineMs;
    while (!stopped && Date.now() < end) {
      await Promise.all(replicas.flatMap((r, i) => ['/healthz', '/readyz', '/debug/caches', '/metrics'].map(async (path) => {
        try {
          const { status, body } = await r.get(path);
          if (status !== 200) failures.push(`replica ${i} ${path}: ${status} ${body.slice(0, 200)}`);
        } catch (err) {
          failures.push(`replica ${i} ${path}: ${(err as Error).message}`);
        }
      })));
      rounds++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return { result: await work(), rounds, failures };
  } finally {
    stopped = true;
    await polling;
  }
}

describe('replicas: every one serves from its caches, the leader reconciles', function () {
  this.timeout(120_000);
  const ns = `leader-${Date.now().toString(36)}`;
  const kubeconfig = () => sharedCluster().kubeconfigPath;
  const replicas: Replica[] = [];
  const start = () => { const r = new Replica(ns); replicas.push(r); return r; };
  const holder = async () => (await kubectlOk(kubeconfig(), ['-n', ns, 'get', 'lease', 'staysail-operator', '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
  const createApplication = (name: string) => kubectlOk(kubeconfig(), ['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'staysail.dev/v1alpha1', kind: 'Application', metadata: { name, namespace: ns }, spec: { description: name } }));
  /** True once the application's Ready condition speaks for its current generation: a leader reconciled it. */
  const reconciled = async (name: string) => {
    const r = await kubectl(kubeconfig(), ['-n', ns, 'get', 'applications.staysail.dev', name, '-o', 'json']);
    if (r.code !== 0) return false;
    const app = JSON.parse(r.stdout) as { metadata: { generation: number }; status?: { conditions?: { type: string; observedGeneration?: number }[] } };
    return app.status?.conditions?.some((c) => c.type === 'Ready' && c.observedGeneration === app.metadata.generation) ?? false;
  };
  const applications = 'applications.staysail.dev';
  let a: Replica;
  let b: Replica;
  let c: Replica;
  let successor: Replica;
  let other: Replica;

  before(async () => {
    await installCrds(kubeconfig());
    await kubectlOk(kubeconfig(), ['create', 'namespace', ns]);
    for (const name of ['shop', 'search', 'billing']) await createApplication(name);
  });
  after(async () => {
    for (const r of replicas) r.process.child.kill('SIGKILL');
    await kubectl(kubeconfig(), ['delete', 'namespace', ns, '--wait=false']);
  });

  it('keeps one replica reconciling while the standbys are ready and answer reads from their caches', async () => {
    a = start();
    await a.process.running();
    b = start();
    c = start();
    for (const standby of [b, c]) {
      await waitFor(async () => standby.said('serving probes and metrics') && (await standby.get('/readyz')).status === 200, 30_000,
        () => `a standby never became ready: ${JSON.stringify(standby.process.lines.slice(-5))}`);
      assert.match((await standby.get('/readyz')).body, /\[\+\]caches ok/);
    }
    const leaderId = (await a.caches()).replica;
    assert.equal(await holder(), leaderId);
    for (const standby of [b, c]) {
      const report = await standby.caches();
      assert.equal(report.leader, leaderId);
      assert.equal(report.reconciling, false);
      assert.ok(report.caches.length > 0 && report.caches.every((cache) => cache.synced), JSON.stringify(report.caches));
      assert.equal(report.caches.find((cache) => cache.resource === applications)?.objects, 3);
    }
    assert.equal((await a.caches()).reconciling, true);

    // The standbys' caches follow the API server, but only the leader reconciles what changed.
    await createApplication('checkout');
    await waitFor(async () => await reconciled('checkout'), 20_000, () => 'the leader never reconciled a new Application');
    for (const standby of [b, c]) {
      await waitFor(async () => await standby.objects(applications) === 4, 10_000, () => 'a standby\'s cache missed the new Application');
      const metrics = (await standby.get('/metrics')).body;
      assert.equal(sample(metrics, 'staysail_leader'), 0);
      assert.equal(sample(metrics, 'staysail_workqueue_adds_total{controller="application"}'), 0, 'a standby queued work');
      assert.equal(sample(metrics, 'staysail_reconcile_total{controller="application",result="success"}'), 0, 'a standby reconciled');
      assert.equal(standby.said('controllers running'), false);
    }
    const leaderMetrics = (await a.get('/metrics')).body;
    assert.equal(sample(leaderMetrics, 'staysail_leader'), 1);
    assert.ok(sample(leaderMetrics, 'staysail_reconcile_total{controller="application",result="success"}') >= 4, 'the leader reconciled every Application');
  });

  it('moves reconciling to a standby within the lease duration when the leader is killed, every other replica answering throughout', async () => {
    const { result: takeover, rounds, failures } = await whilePolling([b, c], leaseDurationMs + 30_000, async () => {
      a.process.child.kill('SIGKILL');
      const killedAt = Date.now();
      await createApplication('afterkill');
      await waitFor(async () => b.said('controllers running') || c.said('controllers running'), leaseDurationMs + 10_000,
        () => 'no standby took over');
      const took = Date.now() - killedAt;
      await waitFor(async () => await reconciled('afterkill'), 20_000, () => 'the new leader never reconciled the Application created after the kill');
      return took;
    });

    assert.ok(takeover <= leaseDurationMs + 5_000, `took ${takeover} ms to take over; the lease lasts ${leaseDurationMs} ms`);
    assert.deepEqual(failures, [], 'a surviving replica failed to answer during the failover');
    assert.ok(rounds >= takeover / 1000, `only ${rounds} rounds of polling in ${takeover} ms`);
    [successor, other] = b.said('controllers running') ? [b, c] : [c, b];
    assert.equal(other.said('became the leader'), false, 'two leaders at once');
    const successorId = (await successor.caches()).replica;
    assert.equal(await holder(), successorId);
    await waitFor(async () => (await other.caches()).leader === successorId, 10_000, () => 'the standby never saw the new leader');
    // Its caches were warm, so it reconciled as soon as it led.
    const startedIn = successor.loggedAt('controllers running') - successor.loggedAt('became the leader');
    assert.ok(startedIn < 1000, `the new leader took ${startedIn} ms from the Lease to its controllers`);
  });

  it('hands the Lease over at once when the leader stops on SIGTERM, the standby answering throughout', async () => {
    const { failures } = await whilePolling([other], leaseDurationMs + 30_000, async () => {
      assert.equal(await successor.process.stop(), 0);
      assert.ok(successor.said('released the leader Lease'));
      const releasedAt = Date.now();
      await waitFor(async () => other.said('controllers running'), leaseDurationMs, () => 'the Lease was not handed over');
      assert.ok(Date.now() - releasedAt < 8_000, 'a released Lease is taken without waiting for it to expire');
      await createApplication('afterhandover');
      await waitFor(async () => await reconciled('afterhandover'), 20_000, () => 'the new leader never reconciled the Application created after the hand-over');
    });
    assert.deepEqual(failures, [], 'the standby failed to answer during the hand-over');
    const report = await other.caches();
    assert.deepEqual([report.leader, report.reconciling], [report.replica, true]);
    assert.equal(report.caches.find((cache) => cache.resource === applications)?.objects, 6);
  });
});
