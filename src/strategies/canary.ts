// canary (Spinnaker's canary deployment, judged as Kayenta does): a baseline (the current version) and
// a canary (the new one) at the canary size beside production, both taking traffic; once both are
// healthy each interval is judged as its window ends; when the last reaches pass the new version is
// deployed by red/black at full size and the pair goes; at or below marginal the rollout fails.
import { parseServerGroupName, serverGroupName } from '../api/moniker.ts';
import { analysisWindows, canaryVerdict } from '../canary/judge/intervals.ts';
import { redBlackSteps } from './red-black.ts';
import { healthPollMs, healthyNeeded, iso, problemNote, refused, step, type Step, type StepContext } from './steps.ts';
import type { CanaryProgress, CanaryRole } from './types.ts';

/** The canary strategy's baseline and canary server group names for a rollout: cluster-baseline-vNNN and cluster-canary-vNNN. */
export function canaryPairNames(newServerGroup: string): Record<CanaryRole, string> {
  const { cluster, sequence } = parseServerGroupName(newServerGroup);
  const name = (role: CanaryRole) => serverGroupName(cluster.includes('-') ? `${cluster}-${role}` : `${cluster}--${role}`, sequence ?? 0);
  return { baseline: name('baseline'), canary: name('canary') };
}

/** The pair this rollout wants: names, and the template each runs (the baseline the previous group's, the canary the new one). */
function wantedPair(s: StepContext): Record<CanaryRole, { name: string; templateHash: string }> | undefined {
  const previous = s.others.find((g) => g.name === s.rollout.previousServerGroup);
  if (s.input.strategy.type !== 'canary' || !previous) return undefined;
  const names = canaryPairNames(s.rollout.newServerGroup!);
  return { baseline: { name: names.baseline, templateHash: previous.templateHash }, canary: { name: names.canary, templateHash: s.input.templateHash } };
}

const pairMember = (s: StepContext, role: CanaryRole) => {
  const want = wantedPair(s)?.[role];
  return s.input.canaryGroups?.find((g) => g.role === role && g.name === want?.name && g.templateHash === want.templateHash);
};

/**
 * First in every rollout, whatever its strategy: a baseline or canary that is not this rollout's own
 * (an earlier canary whose template changed while it ran, or left when the strategy changed) is destroyed.
 */
export const clearStalePair = step('clear a stale canary pair', (s) => {
  const want = wantedPair(s);
  const stale = (s.input.canaryGroups ?? []).filter((g) => g.name !== want?.[g.role].name || g.templateHash !== want[g.role].templateHash);
  return stale.length ? { actions: stale.map((g) => ({ kind: 'destroy' as const, name: g.name })) } : 'next';
});

/**
 * The weight each of the baseline and the canary takes on weighted routes: canary.weight, or else
 * their share of the pods, replicas / (production's desired + 2 × replicas), rounded down (at least 1).
 * Production's server group weighs 100 (red/black's), which would leave a pair without a weight
 * nothing at all.
 */
export const pairWeight = (weight: number | undefined, replicas: number, production: number): number =>
  weight ?? Math.max(1, Math.floor((100 * replicas) / (production + 2 * replicas)));

const createCanaryPair = step('start the canary pair', (s) => {
  const previous = s.rollout.previousServerGroup;
  if (!previous) return 'next'; // a first deploy has nothing to compare with
  const problem = s.input.canary?.configProblem;
  if (problem && !pairMember(s, 'baseline') && !pairMember(s, 'canary')) return { fail: `no canary started: ${problem}` };
  const n = s.input.strategy.canary!.replicas;
  const weight = pairWeight(s.input.strategy.canary!.weight, n, s.input.capacity.desired);
  const names = canaryPairNames(s.rollout.newServerGroup!);
  const sequence = parseServerGroupName(s.rollout.newServerGroup!).sequence ?? 0;
  const actions = (['baseline', 'canary'] as const).filter((role) => !pairMember(s, role)).map((role) => ({
    kind: 'create' as const, name: names[role], sequence, capacity: { min: n, max: n, desired: n }, enabled: true, role,
    ...(role === 'baseline' ? { templateFrom: previous } : {}), trafficWeight: weight }));
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

/** Scores count only for this rollout; a decision is taken whenever it comes. */
function progressOf(s: StepContext): CanaryProgress {
  const given = s.input.canary;
  return given?.revision === s.rollout.revision ? given : { scores: [], ...(given?.decision ? { decision: given.decision } : {}) };
}

/** Judge each interval as its window ends; fail at once at or below marginal, promote when the last reaches pass. */
const analyze = step('canary analysis', (s) => {
  if (!s.rollout.previousServerGroup) return 'next';
  const c = s.input.strategy.canary!;
  const progress = progressOf(s);
  if (progress.decision) {
    s.rollout.canaryDecisionId = progress.decision.id;
    if (progress.decision.decision === 'promote') return 'next';
    return { fail: `the canary was aborted (decision ${progress.decision.id})` };
  }
  if (progress.error) return { fail: `canary analysis failed: ${progress.error}` };
  let windows;
  try {
    windows = analysisWindows({ startMs: Date.parse(s.rollout.stepStartTime!), warmupMs: c.warmupMs, lifetimeMs: c.lifetimeMs, intervalMs: c.intervalMs });
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
}, { analysis: true });

export const destroyCanaryPair = step('destroy the canary pair', (s) => {
  const pair = s.input.canaryGroups ?? [];
  return pair.length ? { actions: pair.map((g) => ({ kind: 'destroy' as const, name: g.name })) } : 'next';
});

/** Promotion is a red/black deploy of the new version at full size; the pair goes once it is live. */
export const canarySteps = (): Step[] => [createCanaryPair, waitCanaryPairHealthy, analyze, ...redBlackSteps(), destroyCanaryPair];
