// A Cluster's spec.strategy as the planners take it: durations in milliseconds, defaults applied.
import { parseDuration } from '../api/duration.ts';
import type { ClusterSpec } from '../api/v1alpha1/cluster.ts';
import type { StrategySettings } from './types.ts';

/** The strategy settings a planner takes, from a Cluster's spec. */
export function strategySettings(spec: Pick<ClusterSpec, 'strategy'>): StrategySettings {
  const s = spec.strategy ?? { type: 'redblack' as const };
  const ms = (d?: string) => (d ? parseDuration(d) : undefined);
  switch (s.type) {
    case 'canary': {
      const k = s.canary!;
      return { type: 'canary', rollbackOnFailure: true,
        canary: { replicas: k.replicas, ...(k.weight !== undefined ? { weight: k.weight } : {}), warmupMs: ms(k.warmup), intervalMs: ms(k.interval), lifetimeMs: parseDuration(k.lifetime ?? '30m') } };
    }
    case 'rollingredblack': {
      const r = s.rollingRedBlack!;
      return { type: 'rollingredblack', targetPercentages: r.targetPercentages, validateSteps: r.validationPipelineRef !== undefined,
        delayBeforeCleanupMs: ms(r.delayBeforeCleanup), scaleDown: r.scaleDown,
        delayBeforeScaleDownMs: ms(r.delayBeforeScaleDown), rollbackOnFailure: r.rollback?.onFailure ?? true, destroyLatestOnFailure: r.rollback?.destroyLatest };
    }
    case 'redblack': {
      const r = s.redBlack ?? {};
      return { type: 'redblack', maxRemainingServerGroups: r.maxRemainingServerGroups, delayBeforeCleanupMs: ms(r.delayBeforeCleanup), scaleDown: r.scaleDown,
        delayBeforeScaleDownMs: ms(r.delayBeforeScaleDown), rollbackOnFailure: r.rollback?.onFailure ?? true, destroyLatestOnFailure: r.rollback?.destroyLatest };
    }
    default:
      return { type: s.type };
  }
}
