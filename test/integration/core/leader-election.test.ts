// Leader election with operator processes: one active at a time; a killed leader is replaced within
// the lease duration; a leader stopped with SIGTERM hands the Lease over at once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/binaries.ts';
import { waitFor } from '../../cluster/probe.ts';
import { kubectl, kubectlOk } from '../kubectl.ts';
import { sharedCluster } from '../setup.ts';
import { installCrds } from '../crds.ts';

const leaseDurationMs = 15_000;

class Operator {
  readonly child: ChildProcess;
  readonly lines: { msg: string; [k: string]: unknown }[] = [];
  readonly exited: Promise<number | null>;
  constructor(ns: string) {
    this.child = spawn(process.execPath, [join(repoRoot, 'src/main.ts'), '--kubeconfig', sharedCluster().kubeconfigPath,
      '--health-addr', '127.0.0.1:0', '--metrics-addr', '', '--leader-elect=true', '--leader-election-namespace', ns,
      '--namespaces', ns], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const p of parts) this.lines.push(JSON.parse(p) as { msg: string });
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
  said(msg: string): boolean { return this.lines.some((l) => l.msg === msg); }
  get identity(): string | undefined { return this.lines.find((l) => l.msg === 'became the leader')?.identity as string | undefined; }
}

describe('leader election between operator processes', function () {
  this.timeout(120_000);
  const ns = `leader-${Date.now().toString(36)}`;
  const operators: Operator[] = [];
  const start = () => { const o = new Operator(ns); operators.push(o); return o; };
  const holder = async () => (await kubectlOk(sharedCluster().kubeconfigPath,
    ['-n', ns, 'get', 'lease', 'staysail-operator', '-o', 'jsonpath={.spec.holderIdentity}'])).trim();

  before(async () => {
    await installCrds(sharedCluster().kubeconfigPath);
    await kubectlOk(sharedCluster().kubeconfigPath, ['create', 'namespace', ns]);
  });
  after(async () => {
    for (const o of operators) o.child.kill('SIGKILL');
    await kubectl(sharedCluster().kubeconfigPath, ['delete', 'namespace', ns, '--wait=false']);
  });

  it('keeps one process active, replaces a killed leader within the lease duration, and hands over at once on SIGTERM', async () => {
    const a = start();
    await waitFor(async () => a.said('controllers running'), 30_000, () => 'the first process never led');
    const b = start();
    await waitFor(async () => b.said('serving probes and metrics'), 30_000, () => 'the second process never started');
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(b.said('became the leader'), false, 'two leaders at once');
    assert.equal(await holder(), a.identity);

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(async () => b.said('controllers running'), leaseDurationMs + 10_000, () => 'the standby never took over');
    const takeover = Date.now() - killedAt;
    assert.ok(takeover <= leaseDurationMs + 5_000, `took ${takeover} ms to take over; the lease lasts ${leaseDurationMs} ms`);
    assert.equal(await holder(), b.identity);

    const c = start();
    await waitFor(async () => c.said('serving probes and metrics'), 30_000, () => 'the third process never started');
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0);
    assert.ok(b.said('released the leader Lease'));
    const releasedAt = Date.now();
    await waitFor(async () => c.said('controllers running'), leaseDurationMs, () => 'the Lease was not handed over');
    assert.ok(Date.now() - releasedAt < 8_000, 'a released Lease is taken without waiting for it to expire');
  });
});
