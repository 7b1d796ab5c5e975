// A whole run, simulated: the same planners the controller uses (src/pipeline/run) driven over a
// clock, with scripted stages in place of stage types and requests (cancel, restart, judge, skip a
// window) made at set times. It returns a readable transcript of the run events, pass by pass.
// Pure: no I/O, no real time.
import type { PipelineRunSpec, PipelineRunStatus } from '../../api/v1alpha1/pipeline-run.ts';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import { formatDuration } from '../../api/duration.ts';
import { plural } from '../../api/plural.ts';
import type { StageOutcome } from '../stages/stage-type.ts';
import type { StageEffects } from './advance.ts';
import { computeRunEvents, type RunEvent } from './events.ts';
import type { RunFacts, StageRecord } from './facts.ts';
import { recordLifecycle, succeededStatus, type Lifecycle } from './lifecycle.ts';
import { runPass, type RunEffects } from './pass.ts';
import { phaseOf } from './phase.ts';
import { judgmentFor, startRecords } from './records.ts';

/** What an attempt of a scripted stage comes to: it succeeds, fails (retryable), fails for good, or runs until stopped. */
export type Attempt = 'ok' | 'fail' | 'final' | 'hang';

/** A request made while the run goes on, at a time after its start. */
export type Request = { atMs: number } & ({ cancel: true } | { restart: string } | { skipWindow: string }
  | { judge: string; decision: 'approve' | 'reject' });

export interface Scenario {
  name: string;
  /** The pipeline's stages; type `task` is scripted by attempts, `manualJudgment` waits for a judge request. */
  stages: Stage[];
  /** Per stage, what each attempt comes to (default: every attempt ok). */
  attempts?: Record<string, Attempt[]>;
  /** How long an attempt of a stage takes (default 1s). */
  takesMs?: Record<string, number>;
  requests?: Request[];
  parameters?: Record<string, unknown>;
  /** When the run is created (default 2026-01-05T10:00:00Z, a Monday). */
  start?: string;
}

const traits = { task: { retryable: true }, manualJudgment: { retryable: false, defaultTimeoutMs: 72 * 3_600_000, timeoutField: 'timeout' } };

/** Simulates the run to its end (or 500 passes); returns the transcript's lines. */
export async function simulateRun(sc: Scenario): Promise<string[]> {
  const t0 = Date.parse(sc.start ?? '2026-01-05T10:00:00Z');
  const sim = { now: t0, spec: { pipelineRef: { name: 'sim' }, ...(sc.parameters ? { parameters: sc.parameters } : {}) } as PipelineRunSpec, cancels: 0 };
  let status: PipelineRunStatus = {};
  const lines: string[] = [];
  const pending = [...(sc.requests ?? [])].sort((a, b) => a.atMs - b.atMs);
  // A run is looked at once it is created, and again whenever it asks to be or a request changes it.
  for (let pass = 1; pass <= 500; pass++) {
    for (const r of pending.filter((x) => t0 + x.atMs <= sim.now)) { pending.splice(pending.indexOf(r), 1); lines.push(`${at(sim.now - t0)}  request: ${request(r, sim)}`); }
    const before = status;
    const { status: after, requeueMs, notes } = await reconcile(sc, sim, before);
    for (const n of notes) lines.push(`${at(sim.now - t0)}  ${n}`);
    for (const e of computeRunEvents({ status: before, spec: sim.spec }, { status: after, spec: sim.spec })) lines.push(`${at(sim.now - t0)}  ${describeEvent(e)}`);
    status = after;
    const next = Math.min(requeueMs !== undefined ? sim.now + requeueMs : Infinity, ...pending.map((r) => t0 + r.atMs));
    if (next === Infinity) {
      const c = status.conditions?.find((x) => x.type === 'Succeeded');
      lines.push(`=> ${phaseOf(status)} (${c?.reason}) after ${plural(pass, 'pass', 'passes')}: ${c?.message}`);
      break;
    }
    sim.now = Math.max(next, sim.now + 1);
  }
  return lines;
}

const at = (ms: number) => `+${formatDuration(ms)}`.padStart(8);

/** Applies a request to the run's spec, as a person or the CLI would; returns what it was. */
function request(r: Request, sim: { spec: PipelineRunSpec; cancels: number }): string {
  const spec = sim.spec;
  if ('cancel' in r) {
    // The first cancel as kubectl patch writes it; later ones with a new cancelId, as the CLI does.
    spec.status = 'Canceled';
    if (sim.cancels++ > 0) spec.cancelId = `cancel-${sim.cancels}`;
    return `cancel${spec.cancelId ? ` (cancelId ${spec.cancelId})` : ''}`;
  }
  if ('restart' in r) {
    const id = `restart-${(spec.restarts?.length ?? 0) + 1}`;
    spec.restarts = [...(spec.restarts ?? []), { id, stage: r.restart }];
    return `restart stage ${r.restart} (${id})`;
  }
  if ('skipWindow' in r) {
    spec.skipExecutionWindows = [...(spec.skipExecutionWindows ?? []), r.skipWindow];
    return `skip the execution window of ${r.skipWindow}`;
  }
  // Each decision is told from the last by its id, as the CLI writes one: a restart sets the last one aside.
  spec.judgments = [...(spec.judgments ?? []).filter((j) => j.stage !== r.judge), { stage: r.judge, decision: r.decision, id: `at-${r.atMs}` }];
  return `${r.decision} ${r.judge}`;
}

type Sim = { now: number; spec: PipelineRunSpec };

/** One pass, as the controller makes it (runPass), with scripted effects; a simulated run is alone, so a slot is always free. */
async function reconcile(sc: Scenario, sim: Sim, before: PipelineRunStatus): Promise<{ status: PipelineRunStatus; requeueMs?: number; notes: string[] }> {
  const status = structuredClone(before);
  const notes: string[] = [];
  const run: RunFacts['run'] = { metadata: { name: 'sim', namespace: 'sim', uid: 'sim-uid' }, spec: sim.spec, status: before };
  const effects: RunEffects = {
    ...scripted(sc, sim),
    restartSlot: async () => ({}),
    async start() {
      Object.assign(status, { pipelineSpec: { stages: sc.stages }, parameters: sc.parameters ?? {}, startTime: new Date(sim.now).toISOString(),
        stages: startRecords(sc.stages) });
      lifecycle(status, { phase: 'Running', reason: 'Running', message: 'PipelineRun "sim" started' }, sim.now);
      return { started: true };
    },
    lifecycle: (l) => { lifecycle(status, l, sim.now); },
    restartNote: (_type, reason, message) => { notes.push(`${reason}: ${message}`); },
  };
  const { requeueAfterMs } = await runPass({ run, status, now: () => sim.now }, effects);
  return { status, notes, ...(requeueAfterMs !== undefined ? { requeueMs: requeueAfterMs } : {}) };
}

/** Records the lifecycle as the controller does: phase, completion time and the Succeeded condition. */
function lifecycle(status: PipelineRunStatus, l: Lifecycle, now: number): PipelineRunStatus {
  recordLifecycle(status, l, now);
  status.conditions = [{ type: 'Succeeded', status: succeededStatus(l.phase), reason: l.reason, message: l.message, lastTransitionTime: new Date(now).toISOString() }];
  return status;
}

/** Scripted stage types: a task's attempt takes its time and comes to what the scenario says; a judgment waits for its decision. */
function scripted(sc: Scenario, sim: Sim): StageEffects {
  return {
    traits: (def) => traits[def.type as keyof typeof traits] ?? { retryable: false },
    execute: async (def, r) => (def.type === 'manualJudgment' ? judgment(r, sim.spec) : task(sc, sim, def, r)),
    stop: async () => '',
  };
}

function task(sc: Scenario, sim: Sim, def: Stage, r: StageRecord): StageOutcome {
  const began = typeof r.state?.began === 'number' ? r.state.began : sim.now;
  const takes = sc.takesMs?.[def.refId] ?? 1000;
  const attempt = r.attempts ?? 1;
  const outcome = sc.attempts?.[def.refId]?.[attempt - 1] ?? 'ok';
  if (outcome === 'hang') return { status: 'RUNNING', pollAfterMs: 3_600_000, state: { began } };
  if (sim.now < began + takes) return { status: 'RUNNING', pollAfterMs: began + takes - sim.now, state: { began } };
  if (outcome === 'ok') return { status: 'SUCCEEDED', message: `attempt ${attempt} succeeded`, outputs: { attempt } };
  return { status: 'FAILED', message: `attempt ${attempt} failed`, final: outcome === 'final' };
}

function judgment(r: StageRecord, spec: PipelineRunSpec): StageOutcome {
  const j = judgmentFor(spec.judgments, r);
  if (!j) return { status: 'RUNNING', pollAfterMs: 3_600_000, message: 'waits for a judgment' };
  return j.decision === 'approve' ? { status: 'SUCCEEDED', message: 'approved' } : { status: 'FAILED', message: 'rejected', final: true };
}

/** One event as a transcript line. */
export function describeEvent(e: RunEvent): string {
  if ('phase' in e) return `${e.kind}: ${e.message}`;
  if ('from' in e) return `${e.kind} ${e.stage} ${e.from} -> ${e.to}${e.message ? `: ${e.message}` : ''}`;
  if (e.kind === 'JudgmentWaiting') return `${e.kind} ${e.stage}${e.refused ? ' (refused)' : ''}: ${e.message}`;
  return `${e.kind} ${e.stage}: ${e.message}`;
}

