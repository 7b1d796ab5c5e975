// `npm run dev` as a new user runs it: a local control plane of its own, the worked example applied,
// its run followed on screen; the user approves from another terminal with the CLI and watches the
// run deploy and finish; Ctrl-C tears everything down.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { dataDirPrefix } from '../cluster/cluster.ts';
import { waitFor } from '../cluster/probe.ts';
import { processesMentioning } from '../cluster/processes.ts';

describe('npm run dev', function () {
  this.timeout(180_000);

  it('follows the worked example\'s run to the end on screen, and Ctrl-C leaves nothing running', async () => {
    const dev = spawn(process.execPath, [join(repoRoot, 'hack/dev.ts')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    dev.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    dev.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
    try {
      // Hints name the command as run from the repository, as the README's tour does.
      await waitFor(async () => out.includes('stage approve waits for a judgment: node bin/staysail.js approve demo-release-1 approve\n  Release 1.1.0?\n'), 120_000,
        () => `the run never waited for its judgment:\n${out}\n${err.slice(-2000)}`);
      assert.match(err, /kwok plays the nodes: no container really runs, so runJob Jobs complete after a second without running their command/,
        'it says Job containers do not run here');
      const kubeconfig = /export KUBECONFIG=(\S+)/.exec(err)?.[1];
      assert.ok(kubeconfig, err);
      const approve = await new Promise<{ code: number; out: string }>((resolve) => execFile(process.execPath,
        [join(repoRoot, 'bin/staysail.js'), 'approve', 'demo-release-1', 'approve', '--kubeconfig', kubeconfig], (e, stdout, stderr) =>
        resolve({ code: e ? 1 : 0, out: stdout + stderr })));
      assert.equal(approve.code, 0, approve.out);
      await waitFor(async () => out.includes('run demo-release-1 Succeeded'), 90_000, () => `the run did not finish on screen:\n${out}`);
      assert.match(out, /stage deploy SUCCEEDED/);
      assert.match(err, /The run finished\. demo-prod now serves demo\/web:1\.1\.0/);
    } finally {
      dev.kill('SIGINT');
    }
    assert.equal(await exited, 0, err.slice(-2000));
    const dataDir = /kubeconfig (\/\S+)\/kubeconfig\)/.exec(err)?.[1];
    assert.ok(dataDir?.includes(dataDirPrefix), err);
    assert.deepEqual(processesMentioning(dataDir!), [], 'the control plane was torn down');
  });
});
