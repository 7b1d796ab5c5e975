// `npm run dev`: a local control plane with Staysail's CRDs and the operator running against it, in
// the foreground. Ctrl-C stops the operator and tears the cluster down.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../test/cluster/binaries.ts';
import { LocalCluster } from '../test/cluster/cluster.ts';

const cluster = await LocalCluster.start({ handleSignals: false });
const kubectl = (...args: string[]) => execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds'));
  kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=staysail');
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'config/policy'));
} catch (err) {
  await cluster.stop();
  throw err;
}
const operator = spawn(process.execPath, [join(repoRoot, 'src/main.ts'), '--kubeconfig', cluster.kubeconfigPath,
  '--health-addr', '127.0.0.1:0', '--metrics-addr', '127.0.0.1:0'], { stdio: 'inherit' });
process.stderr.write(`\nStaysail is running against a local control plane, with its CRDs installed.\n  export KUBECONFIG=${cluster.kubeconfigPath}\n` +
  '  kubectl apply --server-side -f config/samples/example/demo.yaml\n  kubectl get staysail\nPress Ctrl-C to stop.\n\n');

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  if (operator.exitCode === null) {
    operator.kill('SIGTERM');
    await new Promise((r) => operator.once('exit', r));
  }
  await cluster.stop();
  process.exit(code);
};
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
operator.once('exit', (code) => void stop(code ?? 1));
