// Moving a started run's stages forward, as far as they go now: each round reads the facts, asks the
// planners what to do (start, skip or hold a stage; time out, retry or execute a running one; cancel
// what must stop) and applies it to the stage records. What needs the world (a stage type's execute
// and cancel) is done through StageEffects, so the controller and the simulator share every decision.
import type { PipelineRunStatus } from '../../api/v1alpha1/pipeline-run.ts';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import type { ExpressionScope } from '../expressions.ts';
import { planRun, type ExecutionStatus } from '../graph/scheduler.ts';
import type { StageOutcome } from '../stages/stage-type.ts';
import { isCancelRequested, iso, scopeOf, snapshotOf, type RunFacts, type StageRecord } from './facts.ts';
import { transition } from './records.ts';
import { planStageStart, planSuspended } from './stage-start.ts';
import { applyOutcome, failStage, planStageConfig, planStep, type StageTypeTraits } from './stage-step.ts';

/** What carrying out the decisions needs from the world: the stage types. */
export interface StageEffects {
  traits(def: Stage): StageTypeTraits;
  /** Runs the stage type; a failure of the stage is { error } (anything else thrown ends the pass). */
  execute(def: Stage, r: StageRecord, config: Record<string, unknown>, scope: ExpressionScope): Promise<StageOutcome | { error: string }>;
  /** Stops what the stage started; returns a note for its message when that failed. */
  stop(def: Stage, r: StageRecord, config: Record<string, unknown>): Promise<string>;
}

/** The run as read, its status being built, and the clock. */
export interface AdvanceInput { run: RunFacts['run']; status: PipelineRunStatus; now: () => number }

/** One round: its facts, and the delays after which stages want to be looked at again. */
interface Round { facts: RunFacts; effects: StageEffects; waits: number[] }

/** Moves the stages on as far as they go now; returns the delays the waiting ones asked for. */
export async function advanceStages(input: AdvanceInput, effects: StageEffects): Promise<number[]> {
  const waits: number[] = [];
  const factsNow = (): RunFacts => ({ run: input.run, status: input.status, now: input.now() });
  const rounds = snapshotOf(factsNow()).stages.length * 4 + 4;
  for (let i = 0; i < rounds; i++) {
    if (!(await advanceOnce({ facts: factsNow(), effects, waits }))) break;
  }
  return waits;
}

const recordOf = (status: PipelineRunStatus, refId: string): StageRecord => status.stages!.find((r) => r.refId === refId)!;

/** Carries out one round of decisions; true when any stage's record changed. */
async function advanceOnce(p: Round): Promise<boolean> {
  const { status, now } = p.facts;
  const stages = snapshotOf(p.facts).stages;
  const canceled = isCancelRequested(p.facts.run.spec, status);
  const statuses = Object.fromEntries((status.stages ?? []).map((r) => [r.refId, r.status as ExecutionStatus]));
  const plan = planRun(stages, statuses, canceled);
  const defOf = (id: string) => stages.find((s) => s.refId === id)!;
  for (const id of plan.cancel) {
    const note = await p.effects.stop(defOf(id), recordOf(status, id), {});
    transition(recordOf(status, id), 'CANCELED', `${canceled ? 'canceled with the run' : 'canceled because the run failed'}${note}`, now);
  }
  for (const id of plan.start) startStage(p, defOf(id), recordOf(status, id));
  let changed = plan.cancel.length + plan.start.length > 0;
  for (const def of stages) {
    const r = recordOf(status, def.refId);
    if (r.status === 'SUSPENDED' && !canceled) changed = resume(p, def, r) || changed;
    if (r.status === 'RUNNING' && !plan.cancel.includes(def.refId)) changed = (await stepStage(p, def, r)) || changed;
  }
  return changed;
}

function startStage(p: Round, def: Stage, r: StageRecord): void {
  const decision = planStageStart(def, p.facts);
  if (decision.until !== undefined) {
    r.suspendedUntil = iso(decision.until);
    p.waits.push(decision.until - p.facts.now);
  }
  transition(r, decision.status, decision.message, p.facts.now);
}

/** A SUSPENDED stage whose window opened (or was skipped) runs; true when it did. */
function resume(p: Round, def: Stage, r: StageRecord): boolean {
  const decision = planSuspended(def, r.suspendedUntil, p.facts);
  if (!decision.run) { p.waits.push(decision.waitMs); return false; }
  transition(r, 'RUNNING', decision.message, p.facts.now);
  return true;
}

/** Runs one step of a RUNNING stage; true when its record changed. */
async function stepStage(p: Round, def: Stage, r: StageRecord): Promise<boolean> {
  const before = JSON.stringify(r);
  const now = p.facts.now;
  const type = p.effects.traits(def);
  const scope = scopeOf(p.facts);
  const planned = planStageConfig(def, type, scope);
  if ('error' in planned) { failStage(r, def, planned.error, now); return true; }
  const step = planStep(r, planned.timeoutMs, now);
  if (step.action === 'wait') { p.waits.push(step.waitMs); return false; }
  if (step.action === 'timeout') {
    failStage(r, def, `${step.message}${await p.effects.stop(def, r, planned.config)}`, now);
    r.timedOut = true;
    return true;
  }
  const outcome = await p.effects.execute(def, r, planned.config, scope);
  if ('error' in outcome) { failStage(r, def, outcome.error, now); return true; }
  const { waitMs } = applyOutcome(r, def, outcome, { type, scope, now, timeoutMs: planned.timeoutMs });
  if (waitMs !== undefined) p.waits.push(waitMs);
  return JSON.stringify(r) !== before;
}

/** Every stage's outputs, by refId, for status.outputs (undefined when no stage has any). */
export function collectOutputs(status: PipelineRunStatus): Record<string, unknown> | undefined {
  const outputs = Object.fromEntries((status.stages ?? []).filter((r) => r.outputs && Object.keys(r.outputs).length).map((r) => [r.refId, r.outputs]));
  return Object.keys(outputs).length ? outputs : undefined;
}

/** When the run wants to be looked at again, from the delays its stages asked for. */
export const requeueAfter = (waits: readonly number[]): number | undefined => (waits.length ? Math.max(100, Math.min(...waits)) : undefined);
