// `npm run cluster:up` / `npm run cluster:down`: a local control plane in the background for people.
//   up     starts it (a detached supervisor process owns it) and prints the kubeconfig path last
//   down   stops it and checks nothing of it is left running
//   status says whether one is running
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LocalCluster } from '../test/cluster/cluster.ts';
import { isAlive, processesMentioning, tailFile } from '../test/cluster/processes.ts';
import { kubeconfigPath, logFile, readState, stateDir, stateFile, type State } from '../test/cluster/background.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function up(): Promise<number> {
  const existing = readState();
  if (existing && isAlive(existing.pid) && existing.kubeconfig) {
    console.error(`a local cluster is already running (pid ${existing.pid})`);
    console.log(existing.kubeconfig);
    return 0;
  }
  mkdirSync(stateDir, { recursive: true });
  rmSync(stateFile, { force: true });
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve'],
    { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  console.error(`starting the local control plane (log: ${logFile})`);
  const deadline = Date.now() + 15 * 60_000; // the first run builds the binaries
  for (;;) {
    const state = readState();
    if (state?.kubeconfig) break;
    if (state?.error || !isAlive(child.pid!) || Date.now() > deadline) {
      console.error(`the local cluster did not start: ${state?.error ?? 'see the log'}\n${tailFile(logFile, 40)}`);
      return 1;
    }
    await sleep(500);
  }
  console.error(`ready. Try: kubectl --kubeconfig ${kubeconfigPath} get nodes`);
  console.log(kubeconfigPath);
  return 0;
}

async function serve(): Promise<void> {
  const write = (s: State) => writeFileSync(stateFile, JSON.stringify(s));
  write({ pid: process.pid });
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({ handleSignals: false, log: (l) => console.log(`[cluster] ${l}`) });
  } catch (err) {
    write({ pid: process.pid, error: (err as Error).message });
    process.exit(1);
  }
  copyFileSync(cluster.kubeconfigPath, kubeconfigPath);
  write({ pid: process.pid, dataDir: cluster.dataDir, kubeconfig: kubeconfigPath });
  const shutdown = async () => {
    await cluster.stop();
    rmSync(kubeconfigPath, { force: true });
    rmSync(stateFile, { force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  setInterval(() => {}, 60_000); // stay alive until signalled
}

async function down(): Promise<number> {
  const state = readState();
  if (!state || !isAlive(state.pid)) {
    rmSync(stateFile, { force: true });
    console.error('no local cluster is running');
    return 0;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (isAlive(state.pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL'); // the cluster's watchdog then reaps its components
  const stillRunning = () => (state.dataDir ? processesMentioning(state.dataDir) : []);
  let left = stillRunning();
  for (let i = 0; left.length > 0 && i < 60; i++) { await sleep(250); left = stillRunning(); }
  if (left.length > 0) {
    console.error(`still running after cluster:down:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`);
    return 1;
  }
  rmSync(stateFile, { force: true });
  console.error('local cluster stopped; nothing left running');
  return 0;
}

function status(): number {
  const state = readState();
  if (state && isAlive(state.pid) && state.kubeconfig) {
    console.log(`running (pid ${state.pid}); kubeconfig ${state.kubeconfig}`);
    return 0;
  }
  console.log('not running');
  return 1;
}

const command = process.argv[2];
if (command === 'serve') await serve();
else if (command === 'up') process.exit(await up());
else if (command === 'down') process.exit(await down());
else if (command === 'status') process.exit(status());
else {
  console.error('usage: node hack/cluster.ts up|down|status');
  process.exit(2);
}
