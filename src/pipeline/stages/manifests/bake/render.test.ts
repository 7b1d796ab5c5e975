import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BakeError } from './errors.ts';
import { findRenderer, helmRenderer, renderEnv, runRenderer, trimMessage } from './render.ts';

describe('running a renderer', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'render-test-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  const script = async (name: string, body: string) => {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  };

  it('gives the renderer none of the operator\'s environment, and no PATH or way out by HTTP unless network is allowed', () => {
    const operator = { PATH: '/usr/bin', KUBECONFIG: '/k', AWS_SECRET_ACCESS_KEY: 's', KUBERNETES_SERVICE_HOST: '10.0.0.1', HTTPS_PROXY: 'http://proxy:3128' };
    const closed = renderEnv('/tmp/staysail-bake-x', false, operator);
    assert.equal(closed.PATH, '');
    assert.equal(closed.HTTPS_PROXY, 'http://127.0.0.1:9');
    assert.equal(closed.HOME, '/tmp/staysail-bake-x/.home');
    for (const k of ['KUBECONFIG', 'AWS_SECRET_ACCESS_KEY', 'KUBERNETES_SERVICE_HOST']) assert.equal(k in closed, false, k);
    const open = renderEnv('/tmp/staysail-bake-x', true, operator);
    assert.equal(open.PATH, '/usr/bin');
    assert.equal(open.HTTPS_PROXY, 'http://proxy:3128');
    for (const k of ['KUBECONFIG', 'AWS_SECRET_ACCESS_KEY', 'KUBERNETES_SERVICE_HOST']) assert.equal(k in open, false, k);
  });

  it('finds the renderer by its environment variable, else on PATH, and says how to fix neither', async () => {
    const helm = await script('helm', 'echo');
    assert.equal(findRenderer(helmRenderer, { STAYSAIL_HELM: helm }), helm);
    assert.equal(findRenderer(helmRenderer, { PATH: `/nonexistent:${dir}` }), helm);
    assert.throws(() => findRenderer(helmRenderer, { PATH: '/nonexistent' }), /helm is not on the operator's PATH: install it beside the operator or set STAYSAIL_HELM to its path/);
    assert.throws(() => findRenderer(helmRenderer, { STAYSAIL_HELM: 'helm' }), /STAYSAIL_HELM=helm is not an executable file given by its absolute path/);
  });

  it('gives stdout, or the renderer\'s own error lines; stops one that runs too long', async () => {
    const ok = await script('ok', 'echo "kind: A"; echo "$HOME" >&2');
    assert.equal(await runRenderer({ binary: ok, args: [], cwd: dir, env: renderEnv(dir, false), what: 'ok' }), 'kind: A\n');
    const bad = await script('bad', 'echo "Error: template: x.yaml:3: bad" >&2; echo "  more" >&2; exit 1');
    await assert.rejects(runRenderer({ binary: bad, args: [], cwd: dir, env: {}, what: 'helm template' }), (err: Error) => err instanceof BakeError && err.message === 'helm template failed: Error: template: x.yaml:3: bad; more');
    const slow = await script('slow', 'exec /bin/sleep 30');
    await assert.rejects(runRenderer({ binary: slow, args: [], cwd: dir, env: {}, what: 'slow', timeoutMs: 200 }), /slow did not finish within 0.2s/);
  });

  it('cuts a long message', () => {
    assert.equal(trimMessage('a\n\n b \n'), 'a; b');
    assert.equal(trimMessage('Error: bad\n\nUse --debug flag to render out invalid YAML\n'), 'Error: bad');
    assert.ok(trimMessage('x'.repeat(5000)).length <= 1501);
  });
});
