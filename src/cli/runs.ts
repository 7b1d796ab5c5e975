// The CLI's pipeline commands: show and follow a run, list runs, start a pipeline, decide a
// judgment, cancel a run, restart a stage. Decisions are written to the run's spec, as kubectl
// patch would, with server-side apply so one entry changes and nothing else.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { resources } from '../api/v1alpha1/index.ts';
import type { Stage } from '../api/v1alpha1/stages/index.ts';
import type { KubeObject } from '../core/kube-client.ts';
import { createRun } from '../pipeline/create-run.ts';
import { resolveParameters, type ParameterDefinition } from '../pipeline/parameters.ts';
import { isEndedPhase, phaseOf } from '../pipeline/run/phase.ts';
import { commandName } from './invocation.ts';
import { call, CliError, whoAmI, type Connection } from './kube.ts';
import { awaitsJudgment, runChanges, runPhase, runTree, shortDuration, table, type RunView } from './render.ts';

export type Output = 'text' | 'json' | 'yaml';
/** The CLI's terminal: where lines and notes go, whether it is a terminal, colour, the clock, Ctrl-C, and the command's name for hints. */
export interface Io { out: (line: string) => void; err: (line: string) => void; tty: boolean; colour: boolean; now: () => number; signal?: AbortSignal; command: string }

type Run = RunView & KubeObject;
const fieldManager = 'staysail';

export function print(io: Io, output: Output, obj: unknown): void {
  io.out(output === 'json' ? JSON.stringify(obj, null, 2) : stringify(obj).trimEnd());
}

export async function getRun(conn: Connection, name: string): Promise<Run> {
  return call(conn, () => conn.client.get<Run>(resources.pipelineRun, conn.namespace, name),
    `PipelineRun "${name}" not found in namespace "${conn.namespace}" (${commandName()} list runs shows the runs there)`);
}

const finished = (run: RunView) => isEndedPhase(phaseOf(run.status));

/** Shows a run; with watch, follows it to its end (redrawn on a terminal, one line per change otherwise). Returns the exit code. */
export async function showRun(conn: Connection, io: Io, name: string, options: { watch: boolean; output: Output }): Promise<number> {
  let run = await getRun(conn, name);
  const view = runView(io, options);
  view.first(run);
  if (!options.watch) return 0;
  while (!finished(run) && !io.signal?.aborted) {
    await sleep(1000, undefined, { signal: io.signal }).catch(() => undefined);
    if (io.signal?.aborted) break;
    const next = await getRun(conn, name);
    view.next(run, next);
    run = next;
  }
  return runPhase(run) === 'Succeeded' ? 0 : finished(run) ? 1 : 130;
}

/** How a run is shown and followed: as JSON or YAML, redrawn on a terminal, or one line per change. */
function runView(io: Io, { output, watch }: { watch: boolean; output: Output }): { first: (run: Run) => void; next: (run: Run, next: Run) => void } {
  if (output !== 'text') {
    return { first: (run) => print(io, output, run),
      next: (run, next) => { if (next.metadata.resourceVersion !== run.metadata.resourceVersion) print(io, output, next); } };
  }
  // Shown once, or followed on a terminal: the tree, redrawn in place.
  if (!watch || io.tty) {
    let drawn = 0;
    return {
      first: (run) => { const lines = runTree(run, io.now(), io); io.out(lines.join('\n')); drawn = lines.length; },
      next: (_run, next) => { const lines = runTree(next, io.now(), io); io.out(`\x1b[${drawn}A\x1b[J${lines.join('\n')}`); drawn = lines.length; },
    };
  }
  return { first: (run) => { for (const line of runChanges(undefined, run, io.now(), io.command)) io.out(line); },
    next: (run, next) => { for (const line of runChanges(run, next, io.now(), io.command)) io.out(line); } };
}

export async function listRuns(conn: Connection, io: Io, options: { pipeline?: string; output: Output }): Promise<void> {
  const runs = (await call(conn, () => conn.client.list<Run>(resources.pipelineRun, conn.namespace))).items
    .filter((r) => !options.pipeline || r.spec?.pipelineRef.name === options.pipeline)
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  if (options.output !== 'text') { print(io, options.output, { items: runs }); return; }
  if (runs.length === 0) { io.out(`no PipelineRuns in namespace "${conn.namespace}"${options.pipeline ? ` for pipeline "${options.pipeline}"` : ''}`); return; }
  io.out(table(['NAME', 'PIPELINE', 'STATUS', 'STARTED', 'DURATION', 'WAITING'], runs.map((r) => [
    r.metadata.name, r.spec?.pipelineRef.name ?? '', runPhase(r), r.status?.startTime ?? '',
    r.status?.startTime ? shortDuration((r.status.completionTime ? Date.parse(r.status.completionTime) : io.now()) - Date.parse(r.status.startTime)) : '',
    (r.status?.stages ?? []).filter((s) => awaitsJudgment(r, s.refId)).map((s) => `judgment ${s.refId}`).join(', '),
  ])).join('\n'));
}

/** Parses -p key=value pairs. */
export function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError(`-p ${p}: give parameters as key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** Starts a run of the pipeline with the given parameters, checked first; returns the run. */
export async function startRun(conn: Connection, io: Io, pipeline: string, params: Record<string, string>): Promise<Run> {
  const p = await call(conn, () => conn.client.get<PipelineObject>(resources.pipeline, conn.namespace, pipeline),
    `Pipeline "${pipeline}" not found in namespace "${conn.namespace}" (kubectl get pipelines shows the pipelines there)`);
  if (p.spec?.disabled) throw new CliError(`Pipeline "${pipeline}" is disabled (spec.disabled); enable it first`);
  await refuseInvalid(conn, p, io);
  const problems = resolveParameters(pipeline, p.spec?.parameters, params).problems;
  if (problems.length) throw new CliError(problems.join('\n'));
  const user = await whoAmI(conn).catch(() => undefined);
  const created = await call(conn, () => createRun(conn.client, { namespace: conn.namespace, pipeline, parameters: params,
    trigger: { type: 'manual', ...(user ? { user } : {}) } }));
  return created.run as Run;
}

type PipelineObject = KubeObject<{ parameters?: ParameterDefinition[]; disabled?: boolean },
  { observedGeneration?: number; conditions?: { type: string; status: string; message: string; observedGeneration?: number }[] }>;

/**
 * Refuses to start a Pipeline the operator found invalid (its graph, stage types, expressions), with
 * the Ready condition's message. A Pipeline not yet checked since its last change is waited for a few
 * seconds; if the operator does not get to it, the run is started and the operator judges it.
 */
async function refuseInvalid(conn: Connection, p: PipelineObject, io: Io): Promise<void> {
  const ready = (x: PipelineObject) => x.status?.conditions?.find((c) => c.type === 'Ready');
  const current = (x: PipelineObject) => (ready(x)?.observedGeneration ?? x.status?.observedGeneration) === x.metadata.generation;
  for (let i = 0; !current(p) && i < 10; i++) {
    await sleep(500);
    p = await call(conn, () => conn.client.get<PipelineObject>(resources.pipeline, conn.namespace, p.metadata.name));
  }
  const c = ready(p);
  if (!current(p)) io.err(`note: the operator has not checked Pipeline "${p.metadata.name}" since its last change (is it running?); starting anyway`);
  else if (c?.status === 'False') throw new CliError(`Pipeline "${p.metadata.name}" is not valid, so no run was started: ${c.message}`);
}

/**
 * Changes one list of the run's spec (judgments by stage, restarts by id, skipped windows), keeping
 * every other entry: a JSON patch guarded by the resourceVersion it read, tried again if the run
 * changed meanwhile.
 */
async function updateList<T>(conn: Connection, runName: string, field: 'judgments' | 'restarts' | 'skipExecutionWindows', update: (list: T[]) => T[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const run = await getRun(conn, runName);
    const list = ((run.spec as Record<string, unknown> | undefined)?.[field] ?? []) as T[];
    const ops = [{ op: 'test', path: '/metadata/resourceVersion', value: run.metadata.resourceVersion },
      { op: 'add', path: `/spec/${field}`, value: update(list) }];
    try {
      await conn.client.jsonPatch(resources.pipelineRun, conn.namespace, runName, ops, { fieldManager });
      return;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if ((status === 409 || status === 422) && attempt < 5) continue; // the run changed since it was read
      await call(conn, () => Promise.reject(err));
    }
  }
}

/** Puts one entry, by its key, into a list of the run's spec. */
const putEntry = (conn: Connection, runName: string, field: 'judgments' | 'restarts', key: string, entry: Record<string, unknown>) =>
  updateList<Record<string, unknown>>(conn, runName, field, (list) => [...list.filter((e) => e[key] !== entry[key]), entry]);

/** The run's record of a stage, or an error naming the stages it has. */
function stageRecord(run: Run, stage: string): NonNullable<NonNullable<Run['status']>['stages']>[number] {
  const record = run.status?.stages?.find((s) => s.refId === stage);
  if (!record) throw new CliError(`PipelineRun "${run.metadata.name}" has no stage "${stage}" (stages: ${(run.status?.stages ?? []).map((s) => s.refId).join(', ') || 'none yet'})`);
  return record;
}

/** Approves or rejects a manual judgment, naming the caller as the judgment policy asks. */
export async function decide(conn: Connection, runName: string, stage: string, decision: 'approve' | 'reject',
  options: { input?: string; comment?: string; user?: string }): Promise<string> {
  refuseDecision(await getRun(conn, runName), stage, decision, options.input);
  const user = options.user ?? await whoAmI(conn);
  // A new id each time: a stage restarted after an earlier decision waits for one other than it.
  await putEntry(conn, runName, 'judgments', 'stage', { stage, decision, user, id: randomUUID().slice(0, 8), ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.comment ? { comment: options.comment } : {}) });
  return `${decision === 'approve' ? 'approved' : 'rejected'} stage "${stage}" of PipelineRun "${runName}" as ${user}`;
}

/** Throws, saying what to do, when the stage is not waiting for a judgment or the input is not one it offers. */
function refuseDecision(run: Run, stage: string, decision: 'approve' | 'reject', input: string | undefined): void {
  const runName = run.metadata.name;
  const record = stageRecord(run, stage);
  if (!awaitsJudgment(run, stage)) {
    throw new CliError(`stage "${stage}" of PipelineRun "${runName}" is not waiting for a judgment (it is a ${record.type} stage, ${record.status})`);
  }
  const def = ((run.status?.pipelineSpec?.stages ?? []) as Stage[]).find((s) => s.refId === stage);
  const inputs = def?.manualJudgment?.inputs ?? [];
  if (input !== undefined && inputs.length && !inputs.includes(input)) {
    throw new CliError(`--input ${input} is not one of stage "${stage}"'s inputs: ${inputs.join(', ')}`);
  }
  if (decision === 'approve' && input === undefined && inputs.length) {
    throw new CliError(`stage "${stage}" of PipelineRun "${runName}" asks for one of its inputs: ${inputs.join(', ')}; `
      + `approve with --input, e.g. ${commandName()} approve ${runName} ${stage} --input ${inputs[0]}`);
  }
}

/**
 * Cancels a run. Each cancel has its own spec.cancelId, so a run whose earlier cancel a restart
 * superseded is canceled again (the same spec.status alone would not change anything).
 */
export async function cancelRun(conn: Connection, runName: string, now: number = Date.now()): Promise<string> {
  const run = await getRun(conn, runName);
  if (finished(run)) throw new CliError(`PipelineRun "${runName}" has already finished (${runPhase(run)}); nothing to cancel`);
  const cancelId = `cancel-${now.toString(36)}`;
  await call(conn, () => conn.client.mergePatch(resources.pipelineRun, conn.namespace, runName, { spec: { status: 'Canceled', cancelId } }));
  return `canceling PipelineRun "${runName}"`;
}

export async function restartStage(conn: Connection, runName: string, stage: string, now: number): Promise<string> {
  const run = await getRun(conn, runName);
  const record = stageRecord(run, stage);
  if (['RUNNING', 'SUSPENDED'].includes(record.status)) throw new CliError(`stage "${stage}" of PipelineRun "${runName}" is ${record.status}; only a finished stage can restart`);
  const id = `restart-${now.toString(36)}`;
  await putEntry(conn, runName, 'restarts', 'id', { id, stage });
  return `restarting stage "${stage}" of PipelineRun "${runName}" and what follows it (request ${id})`;
}

/** Makes a stage waiting for its execution window run now (spec.skipExecutionWindows). */
export async function skipWindow(conn: Connection, runName: string, stage: string): Promise<string> {
  const run = await getRun(conn, runName);
  const record = stageRecord(run, stage);
  // A stage yet to start may be told in advance; one that started is past its window.
  const windowed = ((run.status?.pipelineSpec?.stages ?? []) as Stage[]).find((s) => s.refId === stage)?.executionWindow !== undefined;
  if (record.status !== 'SUSPENDED' && !(record.status === 'NOT_STARTED' && windowed)) {
    throw new CliError(`stage "${stage}" of PipelineRun "${runName}" is not waiting for its execution window (it is ${record.status})`);
  }
  await updateList<string>(conn, runName, 'skipExecutionWindows', (list) => (list.includes(stage) ? list : [...list, stage]));
  return `stage "${stage}" of PipelineRun "${runName}" no longer waits for its execution window`;
}
