// A rollout's progress in words, for people (the CLI's view of a Cluster): which step of how many,
// the percentage a rolling red/black has reached, the interval a canary analysis is judging.
import { analysisWindows } from '../canary/judge/intervals.ts';
import { outlineAt } from './planner.ts';
import type { RolloutRecord, StrategySettings } from './types.ts';

/** Whether the rollout is a rollback someone asked for in the Cluster's spec. */
export const isManualRollback = (r: RolloutRecord): boolean => outlineAt({ type: 'none' }, r.step ?? 0).kind === 'manual rollback';

/**
 * Where a rollout is: "step 2/3 (50%)" in rolling red/black, "interval 2 of 6" while a canary is
 * judged, "step 3/8 (enable)" otherwise, "rollback step 3/5 (disable the new)", "ending step 3/4
 * (wait for the previous)" while a rollout whose strategy changed ends; '' before any rollout.
 */
export function describeProgress(strategy: StrategySettings, rollout: RolloutRecord | undefined, intervalsJudged = 0): string {
  if (rollout?.step === undefined) return '';
  const { kind, ending, steps, index } = outlineAt(strategy, rollout.step);
  const current = steps[index];
  const at = `${Math.min(index + 1, steps.length)}/${steps.length}${current ? ` (${current.label})` : ''}`;
  if (kind !== 'rollout') return `${ending ? 'ending' : 'rollback'} step ${at}`;
  if (strategy.type === 'rollingredblack') {
    const growth = steps.map((x, i) => ({ ...x, i })).filter((x) => x.percent !== undefined);
    const reached = Math.max(1, growth.filter((x) => x.i <= index).length);
    return `step ${reached}/${growth.length} (${growth[reached - 1]!.percent}%)`;
  }
  const c = strategy.canary;
  if (current?.analysis && c) {
    let count = 0;
    try { count = analysisWindows({ startMs: 0, warmupMs: c.warmupMs, lifetimeMs: c.lifetimeMs, intervalMs: c.intervalMs }).length; } catch { /* a spec the planner fails */ }
    if (count) return `interval ${Math.min(intervalsJudged + 1, count)} of ${count}`;
  }
  return `step ${at}`;
}
