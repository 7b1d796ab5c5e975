// helm, built from its Go module, installs, tests and uninstalls a chart on the local control plane.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { helm } from '../support/helm.ts';


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
