// Fails when a process of a local test cluster is still running (the clusters' data folders all start
// with the same prefix). The background cluster of `npm run cluster:up`, if any, is not a leftover.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirPrefix } from '../test/cluster/cluster.ts';
import { processesMentioning } from '../test/cluster/processes.ts';
import { readState } from '../test/cluster/background.ts';

const keep = readState()?.dataDir;
const left = processesMentioning(join(tmpdir(), dataDirPrefix)).filter((p) => !keep || !p.cmdline.includes(keep));
if (left.length > 0) {
  console.error(`processes of test clusters are still running:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`);
  process.exit(1);
}
console.log('no test-cluster process left running');
