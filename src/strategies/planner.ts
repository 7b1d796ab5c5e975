// The rollout engine (Orca's deploy strategies as pure planners): from what is observed and the
// rollout record, the next actions. It picks the rollout (a new one when the template changes, a
// manual rollback, a retry), then runs its list of steps from the recorded one until a step acts,
// waits or fails; a failed step turns into the rollback's steps. A step number is read only against
// the list it was planned with (the record keeps the strategy and a hash of the list): a rollout whose
// strategy changed is ended and a new one starts from its first step. The strategies only list steps.
import { canarySteps, clearStalePair } from './canary.ts';
import { highlanderSteps } from './highlander.ts';
import { noneSteps } from './none.ts';
import { redBlackSteps } from './red-black.ts';
import { rollingRedBlackSteps } from './rolling-red-black.ts';
import { endingSteps, manualRollbackSteps, rollbackSteps } from './rollback.ts';
import { adopted, afterEnding, beginEnding, endingBase, fail, finish, isFinished, manualBase, manualRollback, newestEnabled, rollbackBase, startRollout,
  type ListKind } from './rollout-record.ts';
import { iso, type Step, type StepContext } from './steps.ts';
import { describeAction, type RolloutAction, type RolloutInput, type RolloutPlan, type RolloutRecord, type StrategySettings } from './types.ts';

export { healthyNeeded } from './steps.ts';

const strategies: Record<StrategySettings['type'], (s: StrategySettings) => Step[]> = {
  redblack: redBlackSteps, rollingredblack: rollingRedBlackSteps, highlander: highlanderSteps, canary: canarySteps, none: noneSteps,
};

/** A strategy's own steps, without the step every rollout starts with. */
const strategySteps = (strategy: StrategySettings): Step[] => strategies[strategy.type](strategy);

/** Every rollout's steps: first a stale canary pair goes, then the strategy's own. */
export const stepsFor = (strategy: StrategySettings): Step[] => [clearStalePair, ...strategySteps(strategy)];

interface StepList { kind: ListKind; base: number; steps: Step[] }

/** The list a step number counts in, and the index in it. */
function listAt(strategy: StrategySettings, step: number): { list: StepList; index: number } {
  const list: StepList = step >= endingBase ? { kind: 'ending', base: endingBase, steps: endingSteps }
    : step >= manualBase ? { kind: 'manual rollback', base: manualBase, steps: manualRollbackSteps }
      : step >= rollbackBase ? { kind: 'rollback', base: rollbackBase, steps: rollbackSteps }
        : { kind: 'rollout', base: 0, steps: stepsFor(strategy) };
  return { list, index: step - list.base };
}

/** A short hash of a list of steps (their labels, in order: FNV-1a), kept with the step number. */
export function hashSteps(steps: Step[]): string {
  let h = 0x811c9dc5;
  for (const c of steps.map((x) => x.label).join('\n')) h = Math.imul(h ^ c.codePointAt(0)!, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Whether the recorded step still means what it meant when it was planned. A rollout's own steps
 * planned with another strategy (or other steps of it) are ended, saying so; another list whose steps
 * changed (a new version of the operator) starts again from its first step, which finds done what is
 * done. A record kept before the strategy and hash were is taken as planned with the lists in force.
 */
function checkStepList(input: RolloutInput, r: RolloutRecord): RolloutAction | undefined {
  const { list } = listAt(input.strategy, r.step ?? 0);
  const hash = hashSteps(list.steps);
  r.strategy ??= input.strategy.type;
  r.stepsHash ??= hash;
  const same = r.stepsHash === hash && (list.kind !== 'rollout' || r.strategy === input.strategy.type);
  if (same) return undefined;
  if (list.kind === 'rollout') return beginEnding(input, r);
  Object.assign(r, { step: list.base, stepStartTime: iso(input.now) });
  return undefined;
}

/** Which rollout this pass works on: a manual rollback, a new rollout, a retry, or the one recorded. */
function chooseRollout(input: RolloutInput): RolloutRecord {
  const r = input.rollout;
  const request = input.rollbackRequest;
  const retry = input.retryRequest && input.retryRequest.id !== r?.retryId ? input.retryRequest : undefined;
  if (request && r && request.id !== r.rollbackId) return manualRollback(input, r, request);
  if (!r) return adopted(input) ?? startRollout(input, r, undefined, newestEnabled(input));
  if (r.templateHash !== input.templateHash) return startRollout(input, r, undefined, newestEnabled(input));
  // Retrying after a rollback or a failure: the same template again, as a new server group.
  if (retry && (r.phase === 'RolledBack' || r.phase === 'Failed')) return startRollout(input, r, retry, newestEnabled(input));
  // A retry with nothing failed to retry counts as handled.
  return { ...r, ...(retry ? { retryId: retry.id } : {}) };
}

const contextOf = (input: RolloutInput, r: RolloutRecord): StepContext => ({
  input, rollout: r,
  newGroup: input.serverGroups.find((g) => g.name === r.newServerGroup),
  others: input.serverGroups.filter((g) => g.name !== r.newServerGroup),
  stepElapsedMs: input.now - Date.parse(r.stepStartTime ?? iso(input.now)),
});

/** Runs steps from the recorded one until one acts, waits or fails; an ended rollout's successor runs on in the same pass. */
function runSteps(input: RolloutInput, record: RolloutRecord): RolloutPlan {
  let r = record;
  for (let guard = 0; guard < 100; guard++) {
    const at = r.step ?? 0;
    const { list, index } = listAt(input.strategy, at);
    const current = list.steps[index];
    if (!current) {
      if (list.kind !== 'ending') return { actions: [], rollout: finish(input, r, list.kind) };
      r = afterEnding(input, r);
      continue;
    }
    const result = current(contextOf(input, r));
    r.phase = current.analysis && result !== 'next' && !('fail' in result) ? 'Analyzing' : 'Progressing';
    if (result === 'next') {
      Object.assign(r, { step: at + 1, stepStartTime: iso(input.now) });
      continue;
    }
    // While rolling back or ending, the message keeps saying why.
    const says = list.kind === 'rollout' || list.kind === 'manual rollback';
    if ('actions' in result) {
      if (says) r.message = result.actions.map(describeAction).join('; ');
      return { actions: result.actions, rollout: r };
    }
    if ('waitMs' in result) {
      if (says) r.message = result.message;
      return { actions: [], rollout: r, requeueAfterMs: result.waitMs };
    }
    const stopped = fail(input, r, list.kind, result.fail);
    if (stopped) return stopped;
  }
  throw new Error('rollout planner did not settle');
}

/** The next actions of the Cluster's rollout, the record to keep, and when to come back. */
export function planRollout(input: RolloutInput): RolloutPlan {
  const r = chooseRollout(input);
  if (isFinished(r)) return { actions: [], rollout: r };
  const ending = checkStepList(input, r);
  const plan = runSteps(input, r);
  plan.rollout.stepsHash = hashSteps(listAt(input.strategy, plan.rollout.step ?? 0).list.steps);
  return ending ? { ...plan, actions: [ending, ...plan.actions] } : plan;
}

/** A step as a person reads it: what it does, the percentage it grows to, whether it is the canary analysis. */
export interface StepOutline { label: string; percent?: number; analysis?: boolean }

/**
 * The steps a rollout at `step` is taking, outlined: the strategy's own (the first step, which clears
 * a stale canary pair, counts as part of the next), an automatic rollback's or a requested one's (the
 * end of a superseded rollout is a rollback, `ending`); and where in them it is (the length once past
 * the last).
 */
export function outlineAt(strategy: StrategySettings, step: number): { kind: Exclude<ListKind, 'ending'>; ending?: true; steps: StepOutline[]; index: number } {
  const { list, index } = listAt(strategy, step);
  const own = list.kind === 'rollout';
  const steps = own ? strategySteps(strategy) : list.steps;
  return { ...(list.kind === 'ending' ? { kind: 'rollback', ending: true } : { kind: list.kind }),
    index: Math.min(own ? Math.max(0, index - 1) : index, steps.length),
    steps: steps.map((x) => ({ label: x.label, ...(x.percent !== undefined ? { percent: x.percent } : {}), ...(x.analysis ? { analysis: true } : {}) })) };
}
