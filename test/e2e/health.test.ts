// Health as GitOps tools compute it, with the operator as a process: every version of an object the
// API server shows (kubectl get -w) is read by kstatus itself (what Flux, Helm's --wait and kpt use)
// and by the Argo CD health scripts of docs/argocd/health.yaml run as Argo CD runs them; the two must
// agree on every version, and say InProgress while work goes on, Current once done, Failed when it
// cannot go on. Then helm install --wait of a chart holding a Cluster, as a user runs it.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { binary, repoRoot } from '../cluster/binaries.ts';
import { waitFor } from '../cluster/probe.ts';
import { argoHealth, kstatus, splitJson, type Verdict } from '../tools/tools.ts';
import { kubectlOk } from '../support/kubectl.ts';
import { createNamespace, operatorIn, removeNamespace } from '../support/namespace.ts';
import type { OperatorProcess } from '../support/operator-process.ts';
import { sharedCluster } from '../support/setup.ts';

const api = 'staysail.dev/v1alpha1';
const ns = `health-${Date.now().toString(36)}`;
const kubeconfig = () => sharedCluster().kubeconfigPath;
const k = (args: string[], input?: string) => kubectlOk(kubeconfig(), ['-n', ns, ...args], input);
const apply = (...docs: object[]) => k(['apply', '--server-side', '--force-conflicts', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));

/** Argo CD's word for each kstatus status. */
const argoFor: Record<string, string> = { InProgress: 'Progressing', Current: 'Healthy', Failed: 'Degraded', Terminating: 'Progressing' };

interface Condition { type: string; status: string; reason: string; message: string }
interface Obj {
  metadata: { name: string; generation: number };
  status?: { observedGeneration?: number; conditions?: Condition[]; rollout?: { phase: string; revision: number };
    activeServerGroup?: string; readyReplicas?: number; desiredReplicas?: number };
}
interface Sample { obj: Obj; kstatus: Verdict; argo: Verdict }
const condition = (s: Sample, type: string) => s.obj.status?.conditions?.find((c) => c.type === type);

/** The object's metadata.generation now, 0 when it does not exist. */
async function generationOf(kind: string, name: string): Promise<number> {
  const list = JSON.parse(await k(['get', kind, '--field-selector', `metadata.name=${name}`, '-o', 'json'])) as { items: Obj[] };
  return list.items[0]?.metadata.generation ?? 0;
}

/** Every version of one object from now on, as the API server sends them to a watch. */
function record(kind: string, name: string) {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig(), '-n', ns, 'get', kind, '--field-selector', `metadata.name=${name}`, '-w', '-o', 'json'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
  const versions = () => splitJson(text).flatMap((t) => {
    const o = JSON.parse(t) as { items?: unknown[] };
    return o.items ? o.items.map((i) => JSON.stringify(i)) : [t];
  });
  /** Each version read by kstatus and by Argo CD's script, which must agree. */
  const samples = async (): Promise<Sample[]> => {
    const all = versions();
    if (!all.length) return [];
    const [ks, argo] = await Promise.all([kstatus(all.join('\n')), argoHealth(all.join('\n'))]);
    return all.map((t, i) => {
      const s = { obj: JSON.parse(t) as Obj, kstatus: ks[i]!, argo: argo[i]! };
      assert.equal(s.argo.status, argoFor[s.kstatus.status],
        `${kind} ${name} generation ${s.obj.metadata.generation}: kstatus says ${s.kstatus.status} (${s.kstatus.message}), Argo CD ${s.argo.status} (${s.argo.message})`);
      return s;
    });
  };
  /**
   * The versions of a generation past `after`, up to the first whose kstatus status is `status`,
   * which must come within timeoutMs.
   */
  const until = async (status: string, after: number, timeoutMs = 60_000): Promise<Sample[]> => {
    let seen: Sample[] = [];
    const found = () => seen.findIndex((s) => s.kstatus.status === status);
    await waitFor(async () => { seen = (await samples()).filter((s) => s.obj.metadata.generation > after); return found() >= 0; }, timeoutMs,
      () => `${kind} ${name} never became ${status}: ${seen.map((s) => `${s.kstatus.status} (${s.kstatus.message})`).slice(-3).join('; ')}`, 500);
    return seen.slice(0, found() + 1);
  };
  /** Resolves once the watch has shown the object as it is (for an object that exists). */
  const started = () => waitFor(async () => versions().length > 0, 20_000, () => `the watch of ${kind} ${name} showed nothing`, 100);
  return { samples, until, started, stop: () => child.kill() };
}

const podTemplate = (image: string, extra: object = {}) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image }], ...extra } } } });
const cluster = (image: string, extra: object = {}, template: object = podTemplate(image)) => ({
  apiVersion: api, kind: 'Cluster', metadata: { name: 'shop-health' },
  spec: { moniker: { app: 'shop', stack: 'health' }, accountRef: { name: 'local' }, capacity: { min: 1, max: 6, desired: 2 },
    loadBalancerRefs: [{ name: 'shop-health' }], template, progressDeadline: '5s',
    strategy: { type: 'rollingredblack', rollingRedBlack: { targetPercentages: [50, 100], delayBeforeCleanup: '2s', scaleDown: true } }, ...extra },
});

describe('health as kstatus and Argo CD read it, with the operator as a process', function () {
  this.timeout(300_000);
  let operator: OperatorProcess;

  before(async () => {
    await createNamespace(ns);
    await apply({ apiVersion: api, kind: 'Account', metadata: { name: 'local' }, spec: { provider: 'kubernetes' } },
      { apiVersion: api, kind: 'LoadBalancer', metadata: { name: 'shop-health' },
        spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    operator = await operatorIn(ns);
  });
  after(async () => {
    await removeNamespace(ns, operator);
  });

  /**
   * Applies the Cluster and waits for kstatus to say status of the new generation, checking what it
   * said of every version on the way: InProgress at once, and while the rollout goes on.
   */
  async function rollOut(manifest: object, status: 'Current' | 'Failed'): Promise<Sample[]> {
    const before = await generationOf('cluster', 'shop-health');
    const rec = record('cluster', 'shop-health');
    try {
      if (before > 0) await rec.started();
      await apply(manifest);
      const samples = await rec.until(status, before);
      assert.equal(samples[0]!.kstatus.status, 'InProgress', 'the changed Cluster was not in progress at once');
      for (const s of samples.slice(0, -1)) {
        assert.equal(s.kstatus.status, 'InProgress', `rollout ${s.obj.status?.rollout?.phase}: ${s.kstatus.status} (${s.kstatus.message}) before ${status}`);
      }
      return samples;
    } finally {
      rec.stop();
    }
  }

  it('a Cluster: InProgress from its creation through its rollout, Current only once it is done', async () => {
    const first = await rollOut(cluster('shop:1'), 'Current');
    const done = first.at(-1)!;
    assert.equal(done.obj.status?.rollout?.phase, 'Succeeded');
    assert.equal(done.obj.status?.readyReplicas, 2);
    assert.equal(done.obj.status?.observedGeneration, done.obj.metadata.generation);

    // A second rollout steps through 50% and 100%, then keeps the old server group 2s: all of it InProgress.
    const second = await rollOut(cluster('shop:2'), 'Current');
    const rolling = second.filter((s) => condition(s, 'Reconciling')?.reason === 'RollingOut');
    assert.ok(rolling.length > 0, 'no version said RollingOut');
    assert.ok(rolling.every((s) => s.kstatus.status === 'InProgress' && s.argo.message.startsWith('rollout 2: ')),
      `rolling versions: ${rolling.map((s) => `${s.kstatus.status}/${s.argo.message}`).join('; ')}`);
    // Held back while rolling: Ready stayed True (v1 served), which alone would have read as Current.
    assert.ok(rolling.some((s) => condition(s, 'Ready')?.status === 'True' && s.obj.status?.observedGeneration === 1));
    const end = second.at(-1)!;
    assert.deepEqual([end.obj.status?.rollout?.phase, end.obj.status?.activeServerGroup, end.argo.status], ['Succeeded', 'shop-health-v001', 'Healthy']);
  });

  it('a ServerGroup: InProgress while it scales, Current once every instance is healthy; its Cluster with it', async () => {
    const live = JSON.parse(await k(['get', 'cluster', 'shop-health', '-o', 'json'])).status.activeServerGroup as string;
    const [sgBefore, clusterBefore] = [await generationOf('servergroup', live), await generationOf('cluster', 'shop-health')];
    const sg = record('servergroup', live);
    const cl = record('cluster', 'shop-health');
    try {
      await Promise.all([sg.started(), cl.started()]);
      // kwok readies pods within moments: hold the new ones unscheduled until the scaling has been seen.
      const hold = `hold.staysail.dev/${ns}`;
      await k(['taint', 'nodes', '--all', `${hold}=scale:NoSchedule`]);
      try {
        await k(['patch', 'cluster', 'shop-health', '--type=merge', '-p', '{"spec":{"capacity":{"desired":4}}}']);
        await waitFor(async () => /of 4 instances healthy/.test(JSON.stringify(JSON.parse(await k(['get', 'servergroup', live, '-o', 'json'])).status?.conditions ?? [])),
          30_000, () => `${live} never said it was scaling`);
      } finally {
        await k(['taint', 'nodes', '--all', `${hold}-`]);
      }
      const resized = await sg.until('Current', sgBefore);
      assert.equal(resized[0]!.kstatus.status, 'InProgress');
      assert.ok(resized.slice(0, -1).every((s) => s.kstatus.status === 'InProgress'));
      const said = resized.map((s) => condition(s, 'Reconciling')?.message).filter(Boolean);
      assert.ok(said.some((m) => /of 4 instances healthy/.test(m!)), `Reconciling said: ${said.join('; ')}`);
      assert.equal(resized.at(-1)!.obj.status?.readyReplicas, 4);
      const clusterDone = await cl.until('Current', clusterBefore);
      assert.ok(clusterDone.some((s) => condition(s, 'Reconciling')?.reason === 'Scaling' && s.kstatus.status === 'InProgress'),
        'the Cluster did not say it was scaling');
      assert.equal(clusterDone.at(-1)!.obj.status?.readyReplicas, 4);
    } finally {
      sg.stop();
      cl.stop();
    }
  });

  it('a Cluster whose rollout fails and rolls back: Failed, saying why, until a change mends it', async () => {
    const broken = cluster('shop:3', {}, podTemplate('shop:3', { nodeSelector: { 'no-such-node': 'true' } })); // never scheduled, never Ready
    const samples = await rollOut(broken, 'Failed');
    const failed = samples.at(-1)!;
    assert.equal(failed.obj.status?.rollout?.phase, 'RolledBack');
    assert.equal(condition(failed, 'Stalled')?.reason, 'RolledBack');
    assert.match(failed.kstatus.message, /^rollout 3: rolled back to shop-health-v001: shop-health-v002 has 0 of 1 healthy instance needed after 5s; the template \(web=shop:3\) is not deployed/);
    assert.equal(failed.argo.message, failed.kstatus.message);
    assert.equal(condition(failed, 'Ready')?.status, 'True', 'v001 still serves');
    assert.ok(samples.some((s) => condition(s, 'Reconciling')?.reason === 'RollingOut'), 'the rollout was not InProgress before it failed');

    const mended = await rollOut(cluster('shop:4', { capacity: { min: 1, max: 6, desired: 4 } }), 'Current');
    assert.equal(condition(mended.at(-1)!, 'Stalled'), undefined);
  });

  it('a PipelineRun: InProgress while it runs, Current after it succeeds, Failed after it fails or is canceled', async () => {
    await apply({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'soak' }, spec: { application: 'shop',
      concurrency: { maxConcurrentRuns: 0 }, parameters: [{ name: 'version', default: '1.0.0' }],
      stages: [{ refId: 'soak', type: 'wait', wait: { duration: '2s' } },
        { refId: 'check', type: 'checkPreconditions', requisiteStageRefIds: ['soak'], checkPreconditions: { preconditions: [
          { expression: '${parameters.version.startsWith("1.")}', message: 'only 1.x is released here' }] } }] } });
    const run = (name: string, version: string) => ({ apiVersion: api, kind: 'PipelineRun', metadata: { name },
      spec: { pipelineRef: { name: 'soak' }, parameters: { version } } });

    const good = record('pipelinerun', 'soak-1');
    const bad = record('pipelinerun', 'soak-2');
    const canceled = record('pipelinerun', 'soak-3');
    try {
      await apply(run('soak-1', '1.2.0'), run('soak-2', '2.0.0'), run('soak-3', '1.3.0'));
      await waitFor(async () => (await canceled.samples()).some((s) => condition(s, 'Succeeded')?.reason === 'Running'), 20_000, () => 'soak-3 never ran');
      await k(['patch', 'pipelinerun', 'soak-3', '--type=merge', '-p', '{"spec":{"status":"Canceled"}}']);

      const succeeded = await good.until('Current', 0);
      assert.ok(succeeded.slice(0, -1).length > 0 && succeeded.slice(0, -1).every((s) => s.kstatus.status === 'InProgress'));
      assert.ok(succeeded.some((s) => condition(s, 'Reconciling')?.reason === 'Running'), 'never said Running');
      assert.equal(condition(succeeded.at(-1)!, 'Succeeded')?.status, 'True');
      assert.equal(succeeded.at(-1)!.argo.message, 'PipelineRun "soak-1" succeeded');

      const failed = await bad.until('Failed', 0);
      assert.equal(condition(failed.at(-1)!, 'Succeeded')?.status, 'False');
      assert.match(failed.at(-1)!.kstatus.message, /only 1\.x is released here/);
      assert.ok(failed.slice(0, -1).every((s) => s.kstatus.status === 'InProgress'));

      const stopped = await canceled.until('Failed', 0);
      assert.equal(condition(stopped.at(-1)!, 'Stalled')?.reason, 'Canceled');
    } finally {
      good.stop();
      bad.stop();
      canceled.stop();
    }
  });

  it('a LoadBalancer: InProgress while its Account is missing, Current once provisioned, Failed on an account it cannot use', async () => {
    const waiting = record('loadbalancer', 'shop-later');
    const unusable = record('loadbalancer', 'shop-azure');
    const lb = (name: string, account: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name },
      spec: { application: 'shop', accountRef: { name: account }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    try {
      await apply(lb('shop-later', 'later'), lb('shop-azure', 'azure'),
        { apiVersion: api, kind: 'Account', metadata: { name: 'azure' }, spec: { provider: 'azure',
          azure: { subscriptionId: '00000000-0000-4000-8000-000000000001', tenantId: '00000000-0000-4000-8000-000000000002', resourceGroup: 'shop',
            regions: ['westeurope'], credentialsSecretRef: { name: 'azure-missing' } } } });
      await waitFor(async () => (await waiting.samples()).some((s) => condition(s, 'Reconciling')?.reason === 'AccountNotFound'), 20_000,
        () => 'shop-later never said its Account was missing');
      const before = (await waiting.samples()).at(-1)!;
      assert.equal(before.kstatus.status, 'InProgress');
      assert.match(before.argo.message, /Account "later" \(spec.accountRef\) does not exist in namespace "health-[a-z0-9]+"; create it/);

      await apply({ apiVersion: api, kind: 'Account', metadata: { name: 'later' }, spec: { provider: 'kubernetes' } });
      const provisioned = await waiting.until('Current', 0);
      assert.equal(condition(provisioned.at(-1)!, 'Ready')?.reason, 'Provisioned');

      const refused = await unusable.until('Failed', 0);
      assert.equal(condition(refused.at(-1)!, 'Stalled')?.reason, 'Invalid');
      assert.match(refused.at(-1)!.argo.message, /Account "azure": Secret "azure-missing" \(spec\.azure\.credentialsSecretRef\) does not exist in namespace/);
      const [account] = await kstatus(await k(['get', 'account', 'azure', '-o', 'json']));
      assert.equal(account!.status, 'Failed', 'an Account whose credentials are missing');
    } finally {
      waiting.stop();
      unusable.stop();
    }
  });

  describe('helm install --wait of a chart holding a Cluster', () => {
    const chart = join(repoRoot, 'test/fixtures/charts/staysail-cluster');
    const helm = (args: string[]): Promise<{ code: number; out: string; ms: number }> => new Promise((resolve) => {
      const started = Date.now();
      execFile(binary('helm'), ['--kubeconfig', kubeconfig(), '-n', ns, ...args], { timeout: 240_000 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr, ms: Date.now() - started }));
    });
    const clusterNow = async (name: string) => JSON.parse(await k(['get', 'cluster', name, '-o', 'json'])) as Obj & { spec: unknown };

    it('returns once the rollout is done, and an upgrade returns once the new version is live', async () => {
      const install = await helm(['install', 'web', chart, '--set', 'app=web', '--wait', '--timeout', '2m']);
      assert.equal(install.code, 0, install.out);
      let c = await clusterNow('web-helm');
      assert.deepEqual([c.status?.rollout?.phase, c.status?.readyReplicas, c.status?.observedGeneration], ['Succeeded', 2, c.metadata.generation], install.out);

      // Two steps and the old server group kept 3s: at least that long.
      const upgrade = await helm(['upgrade', 'web', chart, '--set', 'app=web', '--set', 'image=shop:2', '--wait', '--timeout', '2m']);
      assert.equal(upgrade.code, 0, upgrade.out);
      c = await clusterNow('web-helm');
      assert.deepEqual([c.status?.rollout?.phase, c.status?.rollout?.revision, c.status?.activeServerGroup], ['Succeeded', 2, 'web-helm-v001']);
      assert.ok(upgrade.ms >= 3000, `helm returned after ${upgrade.ms}ms, before the old server group's 3s were over`);
    });

    it('fails an upgrade whose rollout rolls back, naming the Cluster and why, without waiting for its timeout', async () => {
      const upgrade = await helm(['upgrade', 'web', chart, '--set', 'app=web', '--set', 'image=shop:3', '--set', 'unschedulable=true',
        '--set', 'progressDeadline=5s', '--wait', '--timeout', '2m']);
      assert.equal(upgrade.code, 1, upgrade.out);
      assert.match(upgrade.out, /Cluster\/health-[a-z0-9]+\/web-helm not ready\. status: Failed, message: rollout 3: rolled back to web-helm-v001/);
      assert.ok(upgrade.ms < 60_000, `helm took ${upgrade.ms}ms: it waited for its timeout instead of reading Failed`);
      assert.equal((await clusterNow('web-helm')).status?.activeServerGroup, 'web-helm-v001', 'v001 still serves');
    });

    it('fails an install whose Cluster cannot become healthy', async () => {
      const install = await helm(['install', 'stuck', chart, '--set', 'app=stuck', '--set', 'unschedulable=true', '--set', 'progressDeadline=5s',
        '--wait', '--timeout', '2m']);
      assert.equal(install.code, 1, install.out);
      assert.match(install.out, /Cluster\/health-[a-z0-9]+\/stuck-helm not ready\. status: Failed, message: rollout 1: /);
      assert.ok(install.ms < 60_000, `helm took ${install.ms}ms: it waited for its timeout instead of reading Failed`);
    });
  });
});
