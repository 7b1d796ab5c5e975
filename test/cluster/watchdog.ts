// Watchdog of one local cluster, started detached by the harness: when the process that owns the
// cluster dies without tearing it down (SIGKILL, a crashed test runner), it stops every component
// listed in <dataDir>/pids.json and removes the data folder. It exits as soon as the folder is gone.
//   node test/cluster/watchdog.ts <ownerPid> <dataDir>
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, signalGroup } from './processes.ts';

const [ownerArg, dataDir] = process.argv.slice(2);
const owner = Number(ownerArg);
if (!owner || !dataDir) {
  console.error('usage: watchdog.ts <ownerPid> <dataDir>');
  process.exit(2);
}

function componentPids(): number[] {
  try { return JSON.parse(readFileSync(join(dataDir!, 'pids.json'), 'utf8')) as number[]; } catch { return []; }
}

async function reap(): Promise<void> {
  const pids = componentPids();
  for (const pid of pids) signalGroup(pid, 'SIGTERM');
  const end = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  for (const pid of pids) signalGroup(pid, 'SIGKILL');
  rmSync(dataDir!, { recursive: true, force: true });
}

const timer = setInterval(() => {
  if (!existsSync(dataDir)) { clearInterval(timer); return; }
  if (isAlive(owner)) return;
  clearInterval(timer);
  void reap();
}, 500);
