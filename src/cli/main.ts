// The staysail command, also kubectl-staysail (`kubectl staysail ...` as a kubectl plugin): follow
// and drive pipeline runs and clusters, and judge a canary offline.
import { parseArgs } from 'node:util';
import { decideCanary, parseImages, retryCluster, rollbackCluster, setImage, showCluster } from './clusters.ts';
import { commandName } from './invocation.ts';
import { judgeCommand } from './judge.ts';
import { CliError, connect } from './kube.ts';
import { cancelRun, decide, listRuns, parseParams, print, restartStage, showRun, skipWindow, startRun, type Io, type Output } from './runs.ts';

/** The usage text, naming the command as it was invoked (`kubectl staysail`, `staysail`...). */
function usage(cmd: string): string {
  const sections: [string, [string, string?][]][] = [
    ['Runs', [
      ['get run RUN [--watch]', 'a run\'s stages as a tree; --watch follows it to the end'],
      ['list runs [--pipeline P]', 'the runs in the namespace, newest first'],
      ['start PIPELINE [-p key=value]... [--watch]', 'start a run (parameters are checked first)'],
      ['approve RUN STAGE [--input X] [--comment C]'],
      ['reject RUN STAGE [--comment C]', 'decide a manual judgment, as you'],
      ['cancel RUN', 'cancel a run'],
      ['restart RUN STAGE', 'run a finished stage and what follows it again'],
      ['skip-window RUN STAGE', 'run a stage now instead of waiting for its execution window'],
    ]],
    ['Clusters', [
      ['get cluster CLUSTER [--watch]', 'its rollout: step, server groups, traffic; --watch follows it to the end'],
      ['set image CLUSTER CONTAINER=IMAGE...', 'change a container\'s image: the cluster rolls it out'],
      ['rollback CLUSTER [--to SERVERGROUP]'],
      ['retry CLUSTER', 'roll the template out again after a rollback or a failure'],
      ['promote CLUSTER', 'end a running canary analysis and roll out'],
      ['abort CLUSTER', 'end a running canary analysis and roll back'],
    ]],
    ['Canary', [
      ['judge --config CANARYCONFIG.yaml --baseline SERIES.json --canary SERIES.json', 'judge a canary offline with a CanaryConfig and recorded series'],
    ]],
  ];
  const width = 36 + cmd.length;
  const rows = sections.flatMap(([title, lines]) => [title, ...lines.flatMap(([synopsis, what]) => {
    const left = `  ${cmd} ${synopsis}`;
    if (!what) return [left];
    return left.length < width ? [`${left.padEnd(width)} ${what}`] : [left, `${' '.repeat(width)} ${what}`];
  })]);
  return [`${cmd}: continuous delivery on Kubernetes${cmd === 'staysail' ? ' (also: kubectl staysail)' : ''}`, '', ...rows, `Options
  -n, --namespace NS     the namespace (default: the context's, or default)
  --kubeconfig FILE      the kubeconfig (default: KUBECONFIG or ~/.kube/config)
  --context NAME         the kubeconfig context
  -o, --output FORMAT    text (default), json or yaml
  --no-color             plain text even on a terminal (so does NO_COLOR)`].join('\n');
}

const options = {
  namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, context: { type: 'string' },
  output: { type: 'string', short: 'o' }, watch: { type: 'boolean', short: 'w' }, param: { type: 'string', short: 'p', multiple: true },
  input: { type: 'string' }, comment: { type: 'string' }, pipeline: { type: 'string' }, to: { type: 'string' }, user: { type: 'string' },
  'no-color': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

async function run(argv: string[], io: Io, err: (s: string) => void): Promise<number> {
  if (argv[0] === 'judge') return judgeCommand(argv.slice(1), io.out, err);
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [command, ...args] = positionals;
  if (!command || values.help || command === 'help') { io.out(usage(io.command)); return 0; }
  const output = (values.output ?? 'text') as Output;
  if (!['text', 'json', 'yaml'].includes(output)) throw new UsageError(`-o ${values.output}: use text, json or yaml`);
  const need = (n: number, what: string) => { if (args.length !== n) throw new UsageError(`${command} takes ${what}`); };
  const target = (kind: string) => { if (args[0] !== kind && args[0] !== `${kind}s`) throw new UsageError(`${command} what? try: ${io.command} ${command} ${kind} ...`); return args.slice(1); };
  const conn = () => connect({ kubeconfig: values.kubeconfig, context: values.context, namespace: values.namespace });
  if (values['no-color']) io.colour = false;
  switch (command) {
    case 'get': {
      if (!['run', 'runs', 'cluster', 'clusters'].includes(args[0] ?? '')) {
        throw new UsageError(`get what? try: ${io.command} get run RUN, or ${io.command} get cluster CLUSTER`);
      }
      const kind = args[0]!.startsWith('cluster') ? 'cluster' : 'run';
      const rest = target(kind);
      if (rest.length !== 1) throw new UsageError(`get ${kind} takes the ${kind}'s name`);
      if (kind === 'cluster') return showCluster(conn(), io, rest[0]!, { watch: values.watch ?? false, output, width: process.stdout.columns });
      return showRun(conn(), io, rest[0]!, { watch: values.watch ?? false, output });
    }
    case 'set':
      if (args[0] !== 'image') throw new UsageError(`set what? try: ${io.command} set image CLUSTER CONTAINER=IMAGE`);
      if (args.length < 3) throw new UsageError('set image takes CLUSTER CONTAINER=IMAGE [CONTAINER=IMAGE...]');
      io.out(await setImage(conn(), args[1]!, parseImages(args.slice(2))));
      return 0;
    case 'list':
      target('run');
      await listRuns(conn(), io, { ...(values.pipeline ? { pipeline: values.pipeline } : {}), output });
      return 0;
    case 'start': {
      need(1, 'the pipeline\'s name');
      const c = conn();
      const created = await startRun(c, io, args[0]!, parseParams(values.param ?? []));
      if (values.watch) return showRun(c, io, created.metadata.name, { watch: true, output });
      if (output === 'text') io.out(`started PipelineRun ${created.metadata.name}; follow it with: ${io.command} get run ${created.metadata.name} --watch`);
      else print(io, output, created);
      return 0;
    }
    case 'approve': case 'reject':
      need(2, 'RUN STAGE');
      io.out(await decide(conn(), args[0]!, args[1]!, command, { ...(values.input !== undefined ? { input: values.input } : {}),
        ...(values.comment ? { comment: values.comment } : {}), ...(values.user ? { user: values.user } : {}) }));
      return 0;
    case 'cancel':
      need(1, 'the run\'s name');
      io.out(await cancelRun(conn(), args[0]!));
      return 0;
    case 'restart':
      need(2, 'RUN STAGE');
      io.out(await restartStage(conn(), args[0]!, args[1]!, io.now()));
      return 0;
    case 'skip-window':
      need(2, 'RUN STAGE');
      io.out(await skipWindow(conn(), args[0]!, args[1]!));
      return 0;
    case 'rollback':
      need(1, 'the cluster\'s name');
      io.out(await rollbackCluster(conn(), args[0]!, values.to, io.now()));
      return 0;
    case 'retry':
      need(1, 'the cluster\'s name');
      io.out(await retryCluster(conn(), args[0]!, io.now()));
      return 0;
    case 'promote': case 'abort':
      need(1, 'the cluster\'s name');
      io.out(await decideCanary(conn(), args[0]!, command, io.now()));
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const err = (s: string) => process.stderr.write(`${s}\n`);
const io: Io = { out: (s) => process.stdout.write(`${s}\n`), err, tty: process.stdout.isTTY === true,
  colour: process.stdout.isTTY === true && !process.env.NO_COLOR, now: () => Date.now(), signal: controller.signal, command: commandName() };
try {
  process.exitCode = await run(process.argv.slice(2), io, err);
} catch (e) {
  if (e instanceof CliError) { err(`error: ${e.message}`); process.exitCode = 1; }
  else if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) { err(`${(e as Error).message}\n\n${usage(io.command)}`); process.exitCode = 2; }
  else throw e;
}
