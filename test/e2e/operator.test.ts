// `npm start`: the operator process starts, logs JSON, serves /healthz, /readyz and /metrics, and stops on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { waitFor } from '../cluster/probe.ts';
import { installCrds } from '../support/crds.ts';
import { sharedCluster } from '../support/setup.ts';

describe('the operator process', function () {
  this.timeout(60_000);
  // Ready means every cache has synced, and the caches of Staysail's kinds need the CRDs (run alone, no earlier suite installed them).
  before(() => installCrds(sharedCluster().kubeconfigPath));

  it('connects, reports ready, and exits 0 on SIGTERM', async () => {
    // Watching a namespace of its own: other suites' objects are not this operator's business.
    const child = spawn(process.execPath, [join(repoRoot, 'src/main.ts'), '--kubeconfig', sharedCluster().kubeconfigPath,
      '--health-addr', '127.0.0.1:0', '--metrics-addr', '127.0.0.1:0', '--namespaces', 'operator-test-empty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => lines.some((l) => l.msg === 'connected to the Kubernetes API'), 30_000,
        () => `never connected; log: ${JSON.stringify(lines)}`);
      const serving = lines.find((l) => l.msg === 'serving probes and metrics')!;
      assert.equal((await fetch(`http://${serving.health}/healthz`)).status, 200);
      await waitFor(async () => (await fetch(`http://${serving.health}/readyz`)).status === 200, 20_000, () => 'never ready');
      const metrics = await (await fetch(`http://${serving.metrics}/metrics`)).text();
      assert.match(metrics, /^staysail_api_requests_total\{verb="list",code="200"\} [1-9]/m);
      assert.match(metrics, /^staysail_process_resident_memory_bytes /m);
      assert.match(String(lines.find((l) => l.msg === 'connected to the Kubernetes API')?.version), /^v1\.\d+\.\d+/);

      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.deepEqual(lines.slice(-2).map((l) => l.msg), ['stopping', 'stopped']);
      assert.ok(lines.every((l) => typeof l.time === 'string' && typeof l.level === 'string'));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits 2 with a message naming a bad flag', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'src/main.ts'), '--log-level', 'loud'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /--log-level "loud" must be one of debug, info, warn, error/);
  });
});
