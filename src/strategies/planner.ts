// The deploy strategies as pure planners (Orca's red/black, rolling red/black, highlander and none):
// from what is observed and the rollout record, the next actions. A rollout is a list of steps; each
// step first asks whether the world is already so (then the next step runs at once), else returns
// the actions that make it so, or how long to wait. Called again after the actions are applied, the
// same step finds its work done and moves on.
import { plural } from '../api/plural.ts';
import { nextSequence, parseServerGroupName, serverGroupName } from '../api/moniker.ts';
import type { Capacity } from '../api/v1alpha1/common.ts';
import { analysisWindows, canaryVerdict } from '../canary/judge/intervals.ts';
import { describeAction, type CanaryRole, type ObservedServerGroup, type RolloutAction, type RolloutInput, type RolloutPlan,
  type RolloutRecord, type StrategySettings } from './types.ts';

type StepResult = 'next' | { actions: RolloutAction[] } | { waitMs: number; message: string } | { fail: string };
/** A step, and what it does in a word or two (shown as the rollout's progress). */
type Step = ((s: StepContext) => StepResult) & { label: string; percent?: number };
const step = (label: string, fn: (s: StepContext) => StepResult): Step => Object.assign(fn, { label });

interface StepContext {
  input: RolloutInput;
  rollout: RolloutRecord;
  newGroup?: ObservedServerGroup;
  others: ObservedServerGroup[];
  stepElapsedMs: number;
}

/** Rollback steps are numbered from here, after any strategy's own steps. */
const rollbackBase = 1000;
/** Steps of a manual rollback (requested in the Cluster's spec) are numbered from here. */
const manualBase = 2000;
const healthPollMs = 2000;

const iso = (ms: number) => new Date(ms).toISOString();

// ---- steps -----------------------------------------------------------------------------------

const create = (capacity: (s: StepContext) => Capacity, enabled: boolean): Step => step('create', (s) => {
  if (s.newGroup) return 'next';
  const name = s.rollout.newServerGroup!;
  return { actions: [{ kind: 'create', name, sequence: Number(name.slice(-3)), capacity: capacity(s), enabled }] };
});

/** Healthy instances needed: targetHealthyPercentage of desired, rounded up, never 0 unless 0 is wanted. */
export function healthyNeeded(desired: number, percent: number): number {
  if (desired === 0 || percent === 0) return 0;
  return Math.max(1, Math.ceil((desired * percent) / 100));
}

/** A server group its provider refused (Invalid) will not get better by waiting: the rollout fails at once. */
const refused = (g: ObservedServerGroup | undefined): string | undefined =>
  (g?.problem?.permanent ? `${g.name} failed: ${g.problem.message}` : undefined);
const problemNote = (g: ObservedServerGroup | undefined) => (g?.problem ? `; ${g.problem.message}` : '');

const waitHealthy = step('wait for health', (s) => {
  const g = s.newGroup;
  if (!g) return { waitMs: healthPollMs, message: `waiting for ${s.rollout.newServerGroup} to appear` };
  const needed = healthyNeeded(g.capacity.desired, s.input.targetHealthyPercentage);
  if (g.healthy >= needed) return 'next';
  const failed = refused(g);
  if (failed) return { fail: failed };
  if (s.stepElapsedMs >= s.input.progressDeadlineMs) {
    return { fail: `${g.name} has ${g.healthy} of ${plural(needed, 'healthy instance')} needed after ${Math.round(s.input.progressDeadlineMs / 1000)}s${problemNote(g)}` };
  }
  return { waitMs: healthPollMs, message: `waiting for ${g.name}: ${g.healthy} of ${plural(needed, 'healthy instance')}${problemNote(g)}` };
});

const enableNew = step('enable', (s) => (s.newGroup!.enabled ? 'next' : { actions: [{ kind: 'enable', name: s.newGroup!.name }] }));

/** Destroys the oldest disabled server groups beyond maxRemaining (counting the new one). */
const shrink = step('keep maxRemainingServerGroups', (s) => {
  const max = s.input.strategy.maxRemainingServerGroups;
  if (!max) return 'next';
  const doomed = s.others.slice(Math.max(0, max - 1)).filter((g) => !g.enabled);
  return doomed.length ? { actions: doomed.map((g) => ({ kind: 'destroy' as const, name: g.name })) } : 'next';
});

/** A wait before touching the old server groups; with none (a first deploy) there is nothing to wait for. */
const delay = (ms: (s: StepContext) => number | undefined, what: string): Step => step(`wait ${what}`, (s) => {
  const wanted = s.others.length ? ms(s) ?? 0 : 0;
  return s.stepElapsedMs >= wanted ? 'next' : { waitMs: wanted - s.stepElapsedMs, message: `waiting ${Math.round(wanted / 1000)}s ${what}` };
});

const disableOthers = step('disable the others', (s) => {
  const enabled = s.others.filter((g) => g.enabled);
  return enabled.length ? { actions: enabled.map((g) => ({ kind: 'disable' as const, name: g.name })) } : 'next';
});

const scaleDownOthers = step('scale down', (s) => {
  if (!s.input.strategy.scaleDown) return 'next';
  const big = s.others.filter((g) => !g.enabled && g.capacity.desired > 0);
  return big.length ? { actions: big.map((g) => ({ kind: 'resize' as const, name: g.name, capacity: { min: 0, max: g.capacity.max, desired: 0 } })) } : 'next';
});

const destroyOthers = step('destroy the others', (s) => (s.others.length ? { actions: s.others.map((g) => ({ kind: 'destroy' as const, name: g.name })) } : 'next'));

/** rolling red/black: grow the new server group to p% of the desired capacity, pinned until 100%. */
const growTo = (percent: number): Step => Object.assign(step(`grow to ${percent}%`, (s) => {
  const c = s.input.capacity;
  const size = Math.ceil((c.desired * percent) / 100);
  const capacity = percent < 100 ? { min: size, max: size, desired: size } : { ...c };
  const g = s.newGroup!;
  if (g.capacity.desired === capacity.desired && g.capacity.min === capacity.min && g.capacity.max === capacity.max) return 'next';
  return { actions: [{ kind: 'resize', name: g.name, capacity }] };
}), { percent });

/** rolling red/black: the validation pipeline for this step must succeed before the next. */
const validate = (percent: number): Step => step(`validate at ${percent}%`, (s) => {
  if (!s.input.strategy.validateSteps) return 'next';
  const result = s.input.validations?.[percent];
  if (result === 'Succeeded') return 'next';
  if (result === 'Failed') return { fail: `the validation pipeline failed at ${percent}%` };
  if (result === 'Running') return { waitMs: healthPollMs, message: `validating ${s.rollout.newServerGroup} at ${percent}%` };
  return { actions: [{ kind: 'validate', percent, serverGroup: s.rollout.newServerGroup!, ...(s.rollout.previousServerGroup ? { source: s.rollout.previousServerGroup } : {}) }] };
});

/** The canary strategy's baseline and canary server group names for a rollout: cluster-baseline-vNNN and cluster-canary-vNNN. */
export function canaryPairNames(newServerGroup: string): Record<CanaryRole, string> {
  const { cluster, sequence } = parseServerGroupName(newServerGroup);
  const name = (role: CanaryRole) => serverGroupName(cluster.includes('-') ? `${cluster}-${role}` : `${cluster}--${role}`, sequence ?? 0);
  return { baseline: name('baseline'), canary: name('canary') };
}

/** The pair this rollout wants: names, and the template each runs (the baseline the previous group's, the canary the new one). */
function wantedPair(s: StepContext): Record<CanaryRole, { name: string; templateHash: string }> | undefined {
  const previous = s.others.find((g) => g.name === s.rollout.previousServerGroup);
  if (s.input.strategy.type !== 'canary' || !previous || s.rollout.step! >= rollbackBase) return undefined;
  const names = canaryPairNames(s.rollout.newServerGroup!);
  return { baseline: { name: names.baseline, templateHash: previous.templateHash }, canary: { name: names.canary, templateHash: s.input.templateHash } };
}

const pairMember = (s: StepContext, role: CanaryRole) => {
  const want = wantedPair(s)?.[role];
  return s.input.canaryGroups?.find((g) => g.role === role && g.name === want?.name && g.templateHash === want.templateHash);
};

/**
 * First in every rollout: a baseline or canary that is not this rollout's own (an earlier canary
 * whose template changed while it ran, or left when the strategy changed) is destroyed.
 */
const clearStalePair = step('clear a stale canary pair', (s) => {
  const want = wantedPair(s);
  const stale = (s.input.canaryGroups ?? []).filter((g) => g.name !== want?.[g.role].name || g.templateHash !== want[g.role].templateHash);
  return stale.length ? { actions: stale.map((g) => ({ kind: 'destroy' as const, name: g.name })) } : 'next';
});

/** canary: the baseline (the current version) and the canary (the new one), each at the canary size, both taking traffic. */
const createCanaryPair = step('start the canary pair', (s) => {
  const previous = s.rollout.previousServerGroup;
  if (!previous) return 'next'; // a first deploy has nothing to compare with
  const problem = s.input.canary?.configProblem;
  if (problem && !pairMember(s, 'baseline') && !pairMember(s, 'canary')) return { fail: `no canary started: ${problem}` };
  const n = s.input.strategy.canary!.replicas;
  const names = canaryPairNames(s.rollout.newServerGroup!);
  const sequence = parseServerGroupName(s.rollout.newServerGroup!).sequence ?? 0;
  const actions = (['baseline', 'canary'] as const).filter((role) => !pairMember(s, role)).map((role) => ({
    kind: 'create' as const, name: names[role], sequence, capacity: { min: n, max: n, desired: n }, enabled: true, role,
    ...(role === 'baseline' ? { templateFrom: previous } : {}) }));
  return actions.length ? { actions } : 'next';
});

const waitCanaryPairHealthy = step('wait for the canary pair', (s) => {
  if (!s.rollout.previousServerGroup) return 'next';
  const needed = healthyNeeded(s.input.strategy.canary!.replicas, s.input.targetHealthyPercentage);
  const pair = [pairMember(s, 'baseline'), pairMember(s, 'canary')];
  const short = pair.filter((g) => !g || g.healthy < needed);
  if (short.length === 0) return 'next';
  const failed = short.map(refused).find(Boolean);
  if (failed) return { fail: `the canary pair cannot run: ${failed}` };
  const says = pair.map((g, i) => `${g?.name ?? (i ? 'canary' : 'baseline')}: ${g?.healthy ?? 0} of ${needed}${problemNote(g)}`).join(', ');
  if (s.stepElapsedMs >= s.input.progressDeadlineMs) return { fail: `the canary pair is not healthy after ${Math.round(s.input.progressDeadlineMs / 1000)}s (${says})` };
  return { waitMs: healthPollMs, message: `waiting for the canary pair to be healthy (${says})` };
});

/** canary: judge each interval as its window ends; fail at once at or below marginal, promote when the last reaches pass. */
const analyze = step('canary analysis', (s) => {
  if (!s.rollout.previousServerGroup) return 'next';
  const c = s.input.strategy.canary!;
  // Scores count only for this rollout; a decision is taken whenever it comes.
  const given = s.input.canary;
  const progress = given?.revision === s.rollout.revision ? given : { scores: [], ...(given?.decision ? { decision: given.decision } : {}) };
  if (progress.decision) {
    s.rollout.canaryDecisionId = progress.decision.id;
    if (progress.decision.decision === 'promote') return 'next';
    return { fail: `the canary was aborted (decision ${progress.decision.id})` };
  }
  const startMs = Date.parse(s.rollout.stepStartTime!);
  let windows;
  try {
    windows = analysisWindows({ startMs, warmupMs: c.warmupMs, lifetimeMs: c.lifetimeMs, intervalMs: c.intervalMs });
  } catch (err) {
    return { fail: `spec.strategy.canary: ${(err as Error).message}` };
  }
  const verdict = progress.thresholds ? canaryVerdict(progress.scores, windows.length, progress.thresholds) : { outcome: 'continue' as const };
  if (verdict.outcome === 'pass') return 'next';
  if (verdict.outcome === 'fail') return { fail: `canary analysis failed: ${verdict.reason}` };
  const next = windows[progress.scores.length]!;
  const names = canaryPairNames(s.rollout.newServerGroup!);
  const scored = progress.scores.length ? `interval ${progress.scores.length} scored ${progress.scores.at(-1)}; ` : '';
  if (s.input.now < next.endMs) return { waitMs: next.endMs - s.input.now, message: `${scored}judging interval ${next.index} of ${windows.length} at ${iso(next.endMs)}` };
  return { actions: [{ kind: 'analyze', interval: next.index, startMs: next.startMs, endMs: next.endMs, baseline: names.baseline, canary: names.canary }] };
});

const destroyCanaryPair = step('destroy the canary pair', (s) => {
  const pair = s.input.canaryGroups ?? [];
  return pair.length ? { actions: pair.map((g) => ({ kind: 'destroy' as const, name: g.name })) } : 'next';
});

// ---- strategies ------------------------------------------------------------------------------

const delayBeforeCleanup = delay((s) => s.input.strategy.delayBeforeCleanupMs, 'before cleanup');
const delayBeforeScaleDown = delay((s) => (s.input.strategy.scaleDown ? s.input.strategy.delayBeforeScaleDownMs : 0), 'before scaling down');
const full = (s: StepContext) => s.input.capacity;

export function stepsFor(strategy: StrategySettings): Step[] {
  return [clearStalePair, ...strategySteps(strategy)];
}

function strategySteps(strategy: StrategySettings): Step[] {
  switch (strategy.type) {
    case 'none':
      return [create(full, true), waitHealthy];
    case 'highlander':
      return [create(full, false), waitHealthy, enableNew, destroyOthers];
    case 'rollingredblack': {
      const percents = [...(strategy.targetPercentages ?? [])];
      if (percents[percents.length - 1] !== 100) percents.push(100);
      return [create(() => ({ min: 0, max: 0, desired: 0 }), false),
        ...percents.flatMap((p, i) => [growTo(p), waitHealthy, ...(i === 0 ? [enableNew] : []), delayBeforeCleanup, validate(p)]),
        disableOthers, delayBeforeScaleDown, scaleDownOthers];
    }
    case 'redblack':
      return [create(full, false), waitHealthy, enableNew, shrink, delayBeforeCleanup, disableOthers, delayBeforeScaleDown, scaleDownOthers];
    case 'canary':
      // Promotion is a red/black deploy of the new version at full size; the pair goes once it is live.
      return [createCanaryPair, waitCanaryPairHealthy, analyze, create(full, false), waitHealthy, enableNew, shrink, delayBeforeCleanup, disableOthers,
        delayBeforeScaleDown, scaleDownOthers, destroyCanaryPair];
  }
}

/** Re-enable the previous server group, then disable (or destroy) the new one. */
const rollbackSteps: Step[] = [
  step('re-enable the previous', (s) => {
    const prev = s.others.find((g) => g.name === s.rollout.previousServerGroup);
    if (!prev) return 'next';
    const actions: RolloutAction[] = [];
    if (prev.capacity.desired < s.input.capacity.desired) actions.push({ kind: 'resize', name: prev.name, capacity: { ...s.input.capacity } });
    if (!prev.enabled) actions.push({ kind: 'enable', name: prev.name });
    return actions.length ? { actions } : 'next';
  }),
  step('disable the new', (s) => (s.newGroup?.enabled ? { actions: [{ kind: 'disable', name: s.newGroup.name }] } : 'next')),
  step('destroy the new', (s) => (s.input.strategy.destroyLatestOnFailure && s.newGroup ? { actions: [{ kind: 'destroy', name: s.newGroup.name }] } : 'next')),
  destroyCanaryPair,
];

/** A manual rollback: bring the target back to full size and enabled, wait for it, disable the rest (and any canary pair). */
const manualRollbackSteps: Step[] = [
  destroyCanaryPair,
  step('restore the target', (s) => {
    const g = s.newGroup;
    if (!g) return { fail: `server group ${s.rollout.newServerGroup} does not exist` };
    const actions: RolloutAction[] = [];
    if (g.capacity.desired < s.input.capacity.desired) actions.push({ kind: 'resize', name: g.name, capacity: { ...s.input.capacity } });
    if (!g.enabled) actions.push({ kind: 'enable', name: g.name });
    return actions.length ? { actions } : 'next';
  }),
  waitHealthy,
  disableOthers,
];

// ---- the planner -----------------------------------------------------------------------------

/** What a rollback or a failed rollout leaves to say: the template is not what serves, and how to deploy it. */
const notDeployed = (input: RolloutInput) => `the template${input.templateImages ? ` (${input.templateImages})` : ''} is not deployed: to deploy it again, `
  + `run kubectl staysail retry ${input.cluster} (or set spec.retry), or change spec.template`;

/** A new rollout of the desired template: the next version, from step 0. */
function startRollout(input: RolloutInput, r: RolloutRecord | undefined, retry: { id: string } | undefined): RolloutRecord {
  const { now, serverGroups } = input;
  const name = serverGroupName(input.cluster, nextSequence(input.cluster, serverGroups));
  const request = input.rollbackRequest;
  const previous = serverGroups.find((g) => g.enabled)?.name;
  return { phase: 'Progressing', revision: (r?.revision ?? 0) + 1, templateHash: input.templateHash, step: 0, startTime: iso(now), stepStartTime: iso(now),
    newServerGroup: name, ...(previous ? { previousServerGroup: previous } : {}),
    message: retry ? `rolling out ${name} again (retry ${retry.id})` : `rolling out ${name}`,
    // A rollback request standing in the spec before any rollout has nothing to roll back: it counts as handled.
    ...(r?.rollbackId ?? request?.id ? { rollbackId: r?.rollbackId ?? request!.id } : {}),
    // So is a canary decision (it was meant for an earlier canary), and a retry (for an earlier failure).
    ...(input.canary?.decision?.id ?? r?.canaryDecisionId ? { canaryDecisionId: input.canary?.decision?.id ?? r?.canaryDecisionId } : {}),
    ...(retry?.id ?? input.retryRequest?.id ?? r?.retryId ? { retryId: retry?.id ?? input.retryRequest?.id ?? r?.retryId } : {}) };
}

const finished = (r: RolloutRecord) => r.phase === 'Succeeded' || r.phase === 'Failed' || r.phase === 'RolledBack';

export function planRollout(input: RolloutInput): RolloutPlan {
  const { now, serverGroups } = input;
  let r = input.rollout;
  const request = input.rollbackRequest;
  const retry = input.retryRequest && input.retryRequest.id !== r?.retryId ? input.retryRequest : undefined;
  if (request && r && request.id !== r.rollbackId) {
    // A manual rollback: the cluster stays on its target until the template changes again (or a retry).
    const active = serverGroups.find((g) => g.enabled);
    const target = request.toServerGroup ?? serverGroups.find((g) => g.name !== active?.name && g.name !== r?.newServerGroup)?.name
      ?? serverGroups.find((g) => g.name !== active?.name)?.name;
    r = { ...(r.retryId ? { retryId: r.retryId } : {}), phase: 'Progressing', revision: (r?.revision ?? 0) + 1, templateHash: input.templateHash,
      step: manualBase, startTime: iso(now), stepStartTime: iso(now), newServerGroup: target, previousServerGroup: active?.name, rollbackId: request.id,
      message: target ? `rolling back to ${target} (request ${request.id})` : `no server group to roll back to (request ${request.id})` };
    if (!target) return { actions: [], rollout: { ...r, phase: 'Failed' } };
  } else if (!r || r.templateHash !== input.templateHash) {
    const newest = serverGroups[0];
    if (!r && newest && newest.templateHash === input.templateHash) {
      // Adopting a cluster whose newest server group already runs the template.
      return { actions: [], rollout: { phase: 'Succeeded', revision: 0, templateHash: input.templateHash, newServerGroup: newest.name,
        message: `${newest.name} runs the current template`, ...(input.retryRequest ? { retryId: input.retryRequest.id } : {}) } };
    }
    r = startRollout(input, r, undefined);
  } else if (retry && (r.phase === 'RolledBack' || r.phase === 'Failed')) {
    // Retrying after a rollback or a failure: the same template again, as a new server group.
    r = startRollout(input, r, retry);
  } else {
    // A retry with nothing failed to retry counts as handled.
    r = { ...r, ...(retry ? { retryId: retry.id } : {}) };
  }
  if (finished(r)) return { actions: [], rollout: r };

  const steps = stepsFor(input.strategy);
  for (let guard = 0; guard < 100; guard++) {
    const at = r.step ?? 0;
    const manual = at >= manualBase;
    const rollingBack = !manual && at >= rollbackBase;
    const list = manual ? manualRollbackSteps : rollingBack ? rollbackSteps : steps;
    const index = at - (manual ? manualBase : rollingBack ? rollbackBase : 0);
    if (index >= list.length) {
      r.phase = manual || rollingBack ? (input.strategy.rollbackOnFailure === false && rollingBack ? 'Failed' : 'RolledBack') : 'Succeeded';
      r.message = manual ? `rolled back to ${r.newServerGroup} on request ${r.rollbackId}; ${notDeployed(input)}`
        : rollingBack ? `rolled back to ${r.previousServerGroup}: ${r.message?.replace(/^rolling back: /, '')}; ${notDeployed(input)}` : `${r.newServerGroup} is live`;
      return { actions: [], rollout: r };
    }
    const ctx: StepContext = {
      input, rollout: r,
      newGroup: serverGroups.find((g) => g.name === r!.newServerGroup),
      others: serverGroups.filter((g) => g.name !== r!.newServerGroup),
      stepElapsedMs: now - Date.parse(r.stepStartTime ?? iso(now)),
    };
    const current = list[index]!;
    const result = current(ctx);
    r.phase = current === analyze && result !== 'next' && !('fail' in result) ? 'Analyzing' : 'Progressing';
    if (result === 'next') {
      r.step = at + 1;
      r.stepStartTime = iso(now);
      continue;
    }
    if ('actions' in result) {
      // While rolling back, the message keeps saying why.
      if (!rollingBack) r.message = result.actions.map(describeAction).join('; ');
      return { actions: result.actions, rollout: r };
    }
    if ('waitMs' in result) {
      if (!rollingBack) r.message = result.message;
      return { actions: [], rollout: r, requeueAfterMs: result.waitMs };
    }
    // A step failed: roll back (or stop, when rollback is off, this was a rollback, or there is nothing to return to).
    if (input.strategy.rollbackOnFailure === false || manual || rollingBack || !r.previousServerGroup) {
      r.phase = 'Failed';
      r.message = manual ? result.fail : `${result.fail}; ${notDeployed(input)}`;
      return { actions: [], rollout: r };
    }
    r.message = `rolling back: ${result.fail}`;
    r.step = rollbackBase;
    r.stepStartTime = iso(now);
  }
  throw new Error('rollout planner did not settle');
}

/** A step as a person reads it: what it does, the percentage it grows to, whether it is the canary analysis. */
export interface StepOutline { label: string; percent?: number; analysis?: boolean }

/**
 * The steps a rollout at `step` is taking, outlined: the strategy's own (the first step, which clears
 * a stale canary pair, counts as part of the next), an automatic rollback's or a requested one's; and
 * where in them it is (the length once past the last).
 */
export function outlineAt(strategy: StrategySettings, step: number): { kind: 'rollout' | 'rollback' | 'manual rollback'; steps: StepOutline[]; index: number } {
  const kind = step >= manualBase ? 'manual rollback' : step >= rollbackBase ? 'rollback' : 'rollout';
  const list = kind === 'manual rollback' ? manualRollbackSteps : kind === 'rollback' ? rollbackSteps : strategySteps(strategy);
  const index = kind === 'manual rollback' ? step - manualBase : kind === 'rollback' ? step - rollbackBase : Math.max(0, step - 1);
  return { kind, index: Math.min(index, list.length),
    steps: list.map((x) => ({ label: x.label, ...(x.percent !== undefined ? { percent: x.percent } : {}), ...(x === analyze ? { analysis: true } : {}) })) };
}
