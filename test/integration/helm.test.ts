// helm, built from its Go module, installs, tests and uninstalls a chart on the local control plane.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { binary, repoRoot } from '../cluster/binaries.ts';
import { sharedCluster } from '../support/setup.ts';

function helm(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(binary('helm'), ['--kubeconfig', sharedCluster().kubeconfigPath, ...args], { timeout: 180_000 },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }));
  });
}

describe('helm on the local control plane', function () {
  this.timeout(200_000);
  const ns = `helm-${Date.now().toString(36)}`;

  it('installs a chart and waits for its pods, runs its test hook, and uninstalls it', async () => {
    const install = await helm(['install', 'demo', join(repoRoot, 'test/fixtures/charts/hello'), '-n', ns, '--create-namespace',
      '--wait', '--timeout', '2m']);
    assert.equal(install.code, 0, install.out);
    assert.match(install.out, /STATUS: deployed/);

    const test = await helm(['test', 'demo', '-n', ns, '--timeout', '2m']);
    assert.equal(test.code, 0, test.out);
    assert.match(test.out, /demo-hello-test[\s\S]*Phase:\s+Succeeded/);

    const list = await helm(['list', '-n', ns, '-o', 'json']);
    assert.equal((JSON.parse(list.out) as { name: string; status: string }[])[0]?.status, 'deployed');

    const uninstall = await helm(['uninstall', 'demo', '-n', ns, '--wait', '--timeout', '2m']);
    assert.equal(uninstall.code, 0, uninstall.out);
    assert.equal(JSON.parse((await helm(['list', '-n', ns, '-o', 'json'])).out).length, 0);
  });
});
