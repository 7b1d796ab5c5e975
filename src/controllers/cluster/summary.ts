// What a Cluster tells its user in status, computed from what the controller observed: the Ready
// condition (does the active server group serve; when it is not the template's or a new one cannot
// come up, why and what to do), whether work goes on or is stuck (kstatus' Reconciling and Stalled),
// and the server groups as listed for display.
import { plural } from '../../api/plural.ts';
import type { ClusterProgressReason, ClusterReadyReason, ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import type { ConditionUpdate } from '../../core/conditions.ts';
import type { Because } from '../../core/controller.ts';
import type { CanaryRole, ObservedServerGroup, RolloutRecord } from '../../strategies/types.ts';

export interface ServingFacts {
  /** The newest enabled server group. */
  active?: ObservedServerGroup;
  /** Healthy instances the active server group needs to count as serving. */
  needed: number;
  rollout: RolloutRecord;
  /** The server group being rolled out, when it is not the active one. */
  rolling?: ObservedServerGroup;
}

const done = (r: RolloutRecord) => r.phase === 'Succeeded' || r.phase === 'Failed' || r.phase === 'RolledBack';

/** The Ready condition: serving or not, and after a rollback or a failure, that the template is not what serves and why. */
export function readyCondition(f: ServingFacts): ConditionUpdate & { reason: ClusterReadyReason } {
  const { active, rollout } = f;
  // The rollout's own message says what happened and how to deploy the template again.
  const why = done(rollout) && rollout.phase !== 'Succeeded' && rollout.message ? `; ${rollout.message}`
    : !done(rollout) && f.rolling?.problem ? `; ${f.rolling.name} is not coming up: ${f.rolling.problem.message}` : '';
  if (!active) return { type: 'Ready', status: 'False', reason: 'NoActiveServerGroup', message: `no server group is enabled yet${why}` };
  const count = `${active.healthy} of ${plural(active.capacity.desired, 'instance')} healthy`;
  if (active.healthy >= f.needed) return { type: 'Ready', status: 'True', reason: 'Serving', message: `${active.name} serves with ${count}${why}` };
  return { type: 'Ready', status: 'False', reason: 'Unhealthy',
    message: `${active.name} has ${count}${active.problem ? `; ${active.problem.message}` : ''}${why}` };
}

export interface ProgressFacts {
  rollout: RolloutRecord;
  /** What the rollout's steps are: the strategy's, an automatic rollback's, or a rollback a person asked for. */
  kind: 'rollout' | 'rollback' | 'manual rollback';
  /** Whether this pass changed server groups between rollouts (a resize). */
  resized: boolean;
  /** What the live server group's controller has yet to do, in its words (from its Reconciling condition). */
  liveSettling?: string;
}

type ProgressReason = Because & { reason: ClusterProgressReason };

/**
 * Work under way (a rollout, a rollback, a resize and the live server group reaching its capacity) is
 * Reconciling; a rollout that failed, or rolled back on its own, is Stalled: the template is not
 * deployed until it changes or is retried. A rollback a person asked for is done once it is over.
 */
export function progressOf(f: ProgressFacts): { reconciling?: ProgressReason; stalled?: ProgressReason } {
  const { rollout: r } = f;
  const message = `rollout ${r.revision}: ${r.message ?? r.phase}`;
  if (r.phase === 'Progressing' || r.phase === 'Analyzing') {
    const reason = f.kind !== 'rollout' ? 'RollingBack' : r.phase === 'Analyzing' ? 'Analyzing' : 'RollingOut';
    return { reconciling: { reason, message } };
  }
  if (r.phase === 'Failed') return { stalled: { reason: 'RolloutFailed', message } };
  if (r.phase === 'RolledBack' && f.kind !== 'manual rollback') return { stalled: { reason: 'RolledBack', message } };
  if (f.resized || f.liveSettling) return { reconciling: { reason: 'Scaling', message: f.liveSettling ?? `resizing ${r.newServerGroup}` } };
  return {};
}

/** status.serverGroups: every server group, newest first, with what it runs and its canary role. */
export function listServerGroups(groups: (ObservedServerGroup & { images: string; ready: number; role?: CanaryRole })[]): NonNullable<ClusterStatus['serverGroups']> {
  return groups.map((g) => ({ name: g.name, enabled: g.enabled, readyReplicas: g.ready, desiredReplicas: g.capacity.desired,
    ...(g.images ? { images: g.images.slice(0, 1024) } : {}), ...(g.role ? { role: g.role } : {}) }));
}
