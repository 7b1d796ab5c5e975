// One pass over a run, as the controller makes it and the simulator replays it: restarts first (an
// ended run needs a concurrency slot to run again), then start, cancel or advance, then the
// lifecycle its stages leave it in. Every decision is a planner's; RunEffects does what needs the
// world (slots, the pipeline, the spec's judgments, the stage types, the Succeeded condition).
import { advanceStages, collectOutputs, requeueAfter, type AdvanceInput, type StageEffects } from './advance.ts';
import type { RunFacts } from './facts.ts';
import { planEntry, planLifecycle, planPass, type Lifecycle } from './lifecycle.ts';
import { phaseOf } from './phase.ts';
import { applyRestarts, pendingRestarts, supersedeCancel } from './restarts.ts';

export interface RunEffects extends StageEffects {
  /** Takes a concurrency slot for a restart; the message says what it waits for when there is none. */
  restartSlot(): Promise<{ queued?: string }>;
  /** Starts the run (its snapshot and records, or why it cannot); a delay when it must wait for a slot. */
  start(): Promise<{ started: boolean; requeueAfterMs?: number }>;
  /** Records where the run stands: phase, Succeeded condition, completion time. */
  lifecycle(l: Lifecycle): void;
  /** A restart request carried out or refused, said to whoever watches (an Event). */
  restartNote(type: 'Normal' | 'Warning', reason: 'StageRestarted' | 'RestartRefused', message: string): void;
}

/** How long a queued restart waits before it looks for a slot again (a finished run frees one sooner, through its watch). */
const queuedRetryMs = 30_000;

/** Makes one pass over the run; returns when to look again. */
export async function runPass(input: AdvanceInput, effects: RunEffects): Promise<{ requeueAfterMs?: number }> {
  const facts = (): RunFacts => ({ run: input.run, status: input.status, now: input.now() });
  const pass = planPass(facts());
  if (pass.kind === 'cancel-restart') {
    input.status.handledRestarts = [...(input.status.handledRestarts ?? []), ...pendingRestarts(input.run.spec, input.status).map((r) => r.id)];
    effects.lifecycle(pass.lifecycle);
    return {};
  }
  if (pass.kind === 'restart') {
    // The restart of a canceled run supersedes the cancel it followed; only a cancel after this counts.
    if (phaseOf(input.run.status) !== 'Queued') supersedeCancel(input.run.spec, input.status, pendingRestarts(input.run.spec, input.status)[0]!.id);
    const slot = await effects.restartSlot();
    if (slot.queued !== undefined) {
      effects.lifecycle({ phase: 'Queued', reason: 'Queued', message: slot.queued });
      return { requeueAfterMs: queuedRetryMs };
    }
  }
  const entry = planEntry(facts(), await restart(input, effects));
  if (entry.kind === 'ended') return {};
  if (entry.kind === 'cancel') { effects.lifecycle(entry.lifecycle); return {}; }
  if (entry.kind === 'start') {
    const start = await effects.start();
    if (!start.started) return start.requeueAfterMs !== undefined ? { requeueAfterMs: start.requeueAfterMs } : {};
  }
  return advance(input, effects);
}

/** Carries out the pending restart requests; true when any stage was reset. */
async function restart(input: AdvanceInput, effects: RunEffects): Promise<boolean> {
  const result = applyRestarts(input.run.spec, input.status);
  for (const r of result.refused) effects.restartNote('Warning', 'RestartRefused', `restart ${r.id}: ${r.problem}`);
  if (result.restarted.length === 0) return false;
  for (const r of result.restarted) effects.restartNote('Normal', 'StageRestarted', r.message);
  effects.lifecycle({ phase: 'Running', reason: 'Running', message: `PipelineRun "${input.run.metadata.name}" restarted` });
  return true;
}

/** Moves the stages on, then records where they leave the run. */
async function advance(input: AdvanceInput, effects: RunEffects): Promise<{ requeueAfterMs?: number }> {
  const waits = await advanceStages(input, effects);
  const outputs = collectOutputs(input.status);
  if (outputs) input.status.outputs = outputs;
  const lifecycle = planLifecycle({ run: input.run, status: input.status, now: input.now() });
  effects.lifecycle(lifecycle);
  return lifecycle.phase === 'Running' ? { requeueAfterMs: requeueAfter(waits) } : {};
}
