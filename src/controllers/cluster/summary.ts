// What a Cluster tells its user in status, computed from what the controller observed: the Ready
// condition (does the active server group serve; when it is not the template's or a new one cannot
// come up, why and what to do) and the server groups as listed for display.
import { plural } from '../../api/plural.ts';
import type { ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import type { ConditionUpdate } from '../../core/conditions.ts';
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
export function readyCondition(f: ServingFacts): ConditionUpdate {
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

/** status.serverGroups: every server group, newest first, with what it runs and its canary role. */
export function listServerGroups(groups: (ObservedServerGroup & { images: string; ready: number; role?: CanaryRole })[]): NonNullable<ClusterStatus['serverGroups']> {
  return groups.map((g) => ({ name: g.name, enabled: g.enabled, readyReplicas: g.ready, desiredReplicas: g.capacity.desired,
    ...(g.images ? { images: g.images.slice(0, 1024) } : {}), ...(g.role ? { role: g.role } : {}) }));
}
