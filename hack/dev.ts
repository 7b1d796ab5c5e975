// `npm run dev`: the local tour. Starts a local control plane, installs Staysail's CRDs and judgment
// policy, runs the operator, applies the worked example (config/samples/example/demo.yaml) and
// follows its pipeline run on screen until it finishes: it waits for your approval, then deploys.
// The operator keeps running afterwards; Ctrl-C stops it and tears the control plane down.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connect } from '../src/cli/kube.ts';
import { showRun } from '../src/cli/runs.ts';
import { cacheDir } from '../test/cluster/background.ts';
import { repoRoot } from '../test/cluster/binaries.ts';
import { LocalCluster } from '../test/cluster/cluster.ts';
import { waitFor } from '../test/cluster/probe.ts';

const say = (s: string) => process.stderr.write(`${s}\n`);
const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());
process.once('SIGTERM', () => interrupted.abort());

say('starting a local control plane (etcd, kube-apiserver, controllers, kwok nodes)...');
say('kwok plays the nodes: no container really runs, so runJob Jobs complete after a second without running their command (docs/stages/run-job.md, "On the local control plane").');
const cluster = await LocalCluster.start({ handleSignals: false });
const kubectl = (...args: string[]) => execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
const logDir = join(cacheDir, 'dev');
mkdirSync(logDir, { recursive: true });
const operatorLog = join(logDir, 'operator.log');
let operator: ReturnType<typeof spawn> | undefined;

let stopping: Promise<void> | undefined;
const stop = () => (stopping ??= (async () => {
  if (operator && operator.exitCode === null) {
    operator.kill('SIGTERM');
    await new Promise((r) => operator!.once('exit', r));
  }
  await cluster.stop();
})());

try {
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds'));
  kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=staysail');
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'config/policy'));
  operator = spawn(process.execPath, [join(repoRoot, 'src/main.ts'), '--kubeconfig', cluster.kubeconfigPath,
    '--health-addr', '127.0.0.1:0', '--metrics-addr', '127.0.0.1:0'], { stdio: ['ignore', openSync(operatorLog, 'w'), openSync(operatorLog, 'a')] });
  operator.once('exit', (code) => { if (!stopping) { say(`the operator stopped (code ${code}); see ${operatorLog}`); interrupted.abort(); } });
  await waitFor(async () => {
    try { kubectl('get', 'serviceaccount', 'default'); return true; } catch { return false; }
  }, 30_000, () => 'the default namespace has no ServiceAccount');
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'config/samples/example/demo.yaml'));
  const staysail = `node ${relative(process.cwd(), join(repoRoot, 'bin/staysail.js')) || join(repoRoot, 'bin/staysail.js')}`;
  say(`
Staysail is running against a local control plane (operator log: ${operatorLog}).
The worked example is applied: an application, a red/black Cluster behind a LoadBalancer, and a
pipeline whose run demo-release-1 starts now. In another terminal:

  export KUBECONFIG=${cluster.kubeconfigPath}
  ${staysail} approve demo-release-1 approve     # approve the release when it asks
  kubectl get staysail                          # every Staysail object
  kubectl get clusters -w                       # watch the deploy stage roll out demo-prod-v001

(\`npm install -g ./\` puts it on your PATH as \`staysail\` and \`kubectl staysail\`: docs/cli.md.) Ctrl-C stops everything.
`);
  const code = await showRun(connect({ kubeconfig: cluster.kubeconfigPath, namespace: 'default' }), {
    out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`), tty: process.stdout.isTTY === true,
    colour: process.stdout.isTTY === true && !process.env.NO_COLOR, now: () => Date.now(), signal: interrupted.signal, command: staysail,
  }, 'demo-release-1', { watch: true, output: 'text' });
  if (!interrupted.signal.aborted) {
    say(code === 0
      ? `\nThe run finished. demo-prod now serves demo/web:1.1.0:\n  kubectl get clusters,servergroups\nStart another: ${staysail} start demo-release -p version=1.2.0 --watch\nCtrl-C stops everything.`
      : `\nThe run did not succeed: ${staysail} get run demo-release-1 shows why. Ctrl-C stops everything.`);
    await new Promise((resolve) => interrupted.signal.addEventListener('abort', resolve, { once: true }));
  }
} catch (err) {
  say(`npm run dev failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  say('stopping the operator and the local control plane...');
  await stop();
}
