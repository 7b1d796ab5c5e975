// `npm run dev`: a local control plane and the operator running against it, in the foreground.
// Ctrl-C stops the operator and tears the cluster down.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../test/cluster/binaries.ts';
import { LocalCluster } from '../test/cluster/cluster.ts';

const cluster = await LocalCluster.start({ handleSignals: false });
const operator = spawn(process.execPath, [join(repoRoot, 'src/main.ts'), '--kubeconfig', cluster.kubeconfigPath,
  '--health-addr', '127.0.0.1:0'], { stdio: 'inherit' });
process.stderr.write(`\nStaysail is running against a local control plane.\n  export KUBECONFIG=${cluster.kubeconfigPath}\n` +
  '  kubectl get nodes\nPress Ctrl-C to stop.\n\n');

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
