// How long the local control plane takes to start and stop, and how much memory its components use.
//   node bench/cluster-start.ts [runs]      (default 3, at most 10; one line per run, then medians)
import { readFileSync } from 'node:fs';
import { LocalCluster } from '../test/cluster/cluster.ts';

const runs = Math.max(1, Math.min(10, Number(process.argv[2] ?? 3)));

/** Resident memory of each running component, by binary name. */
function rssMiB(cluster: LocalCluster): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of cluster.leftoverProcesses()) {
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0);
    const name = p.cmdline.includes('watchdog.ts') ? 'watchdog' : /\/([a-z-]+) /.exec(`${p.cmdline} `)?.[1] ?? String(p.pid);
    out[name] = Math.round(kb / 1024);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const starts: number[] = [];
const stops: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const cluster = await LocalCluster.start({ nodes: 3, log: () => {} });
  const t1 = performance.now();
  const rss = rssMiB(cluster);
  await cluster.stop();
  const t2 = performance.now();
  starts.push(t1 - t0);
  stops.push(t2 - t1);
  console.log(`run ${i + 1}: start ${(t1 - t0).toFixed(0)} ms, stop ${(t2 - t1).toFixed(0)} ms, RSS MiB ${JSON.stringify(rss)}`);
}
console.log(`median of ${runs}: start ${median(starts).toFixed(0)} ms, stop ${median(stops).toFixed(0)} ms`);
