// Clusters leave nothing behind: after stop(), after their owner is SIGKILLed, and after `cluster:down`.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, componentNames, repoRoot } from '../cluster/binaries.ts';
import { LocalCluster } from '../cluster/cluster.ts';
import { processesMentioning } from '../cluster/processes.ts';
import { waitFor } from '../cluster/probe.ts';
import { kubectlOk } from '../support/kubectl.ts';

const node = (args: string[], env: NodeJS.ProcessEnv) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
  execFile(process.execPath, args, { cwd: repoRoot, env, timeout: 300_000 }, (err, stdout, stderr) =>
    resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr }));
});

describe('cluster lifecycle', function () {
  this.timeout(240_000);

  it('stop() ends every component and removes the data folder', async () => {
    const cluster = await LocalCluster.start({ nodes: 1 });
    const running = cluster.leftoverProcesses().map((p) => p.cmdline);
    for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']) {
      assert.ok(running.some((c) => c.includes(`/${name} `)), `${name} should be running: ${running.join('\n')}`);
    }
    await cluster.stop();
    assert.deepEqual(cluster.leftoverProcesses(), []);
    assert.equal(existsSync(cluster.dataDir), false);
  });

  it('is torn down by its watchdog when the owning process is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'test/integration/fixtures/own-a-cluster.ts')],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const dataDir = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /DATADIR (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`owner exited (${code}) before its cluster was ready`)));
    });
    assert.ok(processesMentioning(dataDir).length >= 5, 'the cluster runs before its owner dies');
    child.kill('SIGKILL');
    await waitFor(async () => processesMentioning(dataDir).length === 0 && !existsSync(dataDir), 60_000,
      () => `left running after the owner died:\n${processesMentioning(dataDir).map((p) => p.cmdline).join('\n')}`);
  });

  it('cluster:up prints a kubeconfig with Ready nodes last, and cluster:down leaves nothing running', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'staysail-state-'));
    const env = { ...process.env, STAYSAIL_STATE_DIR: stateDir };
    try {
      const upResult = await node(['hack/cluster.ts', 'up'], env);
      assert.equal(upResult.code, 0, upResult.stderr);
      const kubeconfig = upResult.stdout.trim().split('\n').pop()!;
      assert.equal(kubeconfig, join(stateDir, 'kubeconfig'));
      const nodes = await kubectlOk(kubeconfig, ['get', 'nodes', '--no-headers']);
      assert.match(nodes, /kwok-node-0\s+Ready/);
      const status = await node(['hack/cluster.ts', 'status'], env);
      assert.match(status.stdout, /^running/);

      const downResult = await node(['hack/cluster.ts', 'down'], env);
      assert.equal(downResult.code, 0, downResult.stderr);
      assert.match(downResult.stderr, /nothing left running/);
      assert.deepEqual(processesMentioning(stateDir), []);
      assert.equal(existsSync(kubeconfig), false);
    } finally {
      await node(['hack/cluster.ts', 'down'], env);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('reports a component that fails to start with the tail of every log, and leaves nothing running', async () => {
    const bins = mkdtempSync(join(tmpdir(), 'staysail-bins-'));
    const tmp = mkdtempSync(join(tmpdir(), 'staysail-tmp-'));
    try {
      for (const name of componentNames) {
        if (name !== 'kube-apiserver') symlinkSync(binary(name), join(bins, name));
      }
      writeFileSync(join(bins, 'kube-apiserver'), '#!/bin/sh\necho "boom: this apiserver cannot start" >&2\nexit 7\n', { mode: 0o755 });
      const result = await node([join(repoRoot, 'test/integration/fixtures/start-and-stop.ts')],
        { ...process.env, STAYSAIL_BIN_DIR: bins, TMPDIR: tmp });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /kube-apiserver exited with code 7 before it was ready/);
      assert.match(result.stderr, /----- etcd \(running\)/);
      assert.match(result.stderr, /----- kube-apiserver \(exited with code 7\)[^\n]*\n[\s\S]*boom: this apiserver cannot start/);
      assert.deepEqual(processesMentioning(tmp), []);
    } finally {
      rmSync(bins, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
