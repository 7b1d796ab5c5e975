// The staysail command (also kubectl-staysail, as a kubectl plugin).
import { judgeCommand } from './judge.ts';

const usage = `staysail: continuous delivery on Kubernetes

  staysail judge --config CANARYCONFIG.yaml --baseline SERIES.json --canary SERIES.json
      judge a canary offline with a CanaryConfig and recorded series
`;

const [command, ...rest] = process.argv.slice(2);
const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);
if (command === 'judge') process.exitCode = judgeCommand(rest, out, err);
else if (command === undefined || command === 'help' || command === '--help') process.stdout.write(usage);
else { err(`unknown command "${command}"\n\n${usage}`); process.exitCode = 2; }
