// What deploy strategies see and what they ask for. Pure data: the Cluster controller observes the
// provider, calls a planner, applies the actions, and records the returned rollout in status.
import { plural } from '../api/plural.ts';
import type { Capacity } from '../api/v1alpha1/common.ts';

export interface ObservedServerGroup {
  name: string;
  sequence: number;
  createdAt: string;
  enabled: boolean;
  capacity: Capacity;
  /** Healthy (ready) instances. */
  healthy: number;
  templateHash: string;
  /** The share (percent) of its instances its spec takes out of traffic while it is enabled; absent: none. */
  disabledPercentage?: number;
  /** Its weight (percent) on weighted routes, as its spec says; absent: none. */
  trafficWeight?: number;
  /** Whether its controller has acted on its latest spec (a share of traffic asked is in force, or said to be beyond its provider); absent: it has. */
  current?: boolean;
  /** What its controller could not do, as it reports it: permanent when retrying cannot help (the provider refused its template). */
  problem?: { message: string; permanent: boolean };
}

/** What the Cluster's status keeps of a rollout: only what cannot be observed again. */
export interface RolloutRecord {
  phase: 'Idle' | 'Progressing' | 'Analyzing' | 'Succeeded' | 'Failed' | 'RolledBack';
  revision: number;
  templateHash: string;
  /** The strategy the rollout was planned with. */
  strategy?: StrategySettings['type'];
  step?: number;
  /** Hash of the list of steps `step` counts in: a step number is read only against the list it was planned with. */
  stepsHash?: string;
  startTime?: string;
  stepStartTime?: string;
  newServerGroup?: string;
  previousServerGroup?: string;
  message?: string;
  /** The last manual rollback request carried out. */
  rollbackId?: string;
  /** The last canary decision applied (or standing when the rollout started). */
  canaryDecisionId?: string;
  /** The last retry request carried out (or standing when the rollout started). */
  retryId?: string;
}

export type CanaryRole = 'baseline' | 'canary';

/** canary: the analysis' shape; the CanaryConfig itself is read by the controller. */
export interface CanarySettings {
  /** Instances in each of the baseline and canary server groups. */
  replicas: number;
  /** The percent of a weighted route's traffic each of the baseline and the canary takes (production the rest); absent: by their pods. */
  weight?: number;
  warmupMs?: number;
  intervalMs?: number;
  lifetimeMs: number;
}

/** What the controller knows of the running analysis. */
export interface CanaryProgress {
  /** The rollout the scores belong to: scores of another rollout are not this one's. */
  revision?: number;
  /** Scores of the intervals judged so far, in order. */
  scores: number[];
  /** The thresholds in force (known once the first interval has been judged). */
  thresholds?: { pass: number; marginal: number };
  /** A person's decision from the Cluster's spec, not yet applied. */
  decision?: { id: string; decision: 'promote' | 'abort' };
  /** Why the CanaryConfig cannot judge this canary (missing, or not Ready): the pair is not started. */
  configProblem?: string;
  /** Why an interval could not be judged (the CanaryConfig cannot be used, a query was refused): the analysis fails. */
  error?: string;
}

export interface StrategySettings {
  type: 'redblack' | 'rollingredblack' | 'highlander' | 'canary' | 'none';
  maxRemainingServerGroups?: number;
  delayBeforeCleanupMs?: number;
  scaleDown?: boolean;
  delayBeforeScaleDownMs?: number;
  rollbackOnFailure?: boolean;
  destroyLatestOnFailure?: boolean;
  /** rollingredblack: increasing steps ending at 100. */
  targetPercentages?: number[];
  /** rollingredblack: run a validation pipeline after each step. */
  validateSteps?: boolean;
  canary?: CanarySettings;
}

export interface RolloutInput {
  now: number;
  cluster: string;
  /** Hash of the desired template: a change starts a rollout. */
  templateHash: string;
  /** What the desired template runs, for messages (e.g. web=shop:2). */
  templateImages?: string;
  capacity: Capacity;
  strategy: StrategySettings;
  targetHealthyPercentage: number;
  /** How long the new server group may take to become healthy before the rollout fails. */
  progressDeadlineMs: number;
  /** The cluster's server groups, newest first (without the canary strategy's baseline and canary). */
  serverGroups: ObservedServerGroup[];
  /** canary: the baseline and canary server groups that exist. */
  canaryGroups?: (ObservedServerGroup & { role: CanaryRole })[];
  canary?: CanaryProgress;
  rollout?: RolloutRecord;
  /** A manual rollback request from the Cluster's spec. */
  rollbackRequest?: { id: string; toServerGroup?: string };
  /** A request from the Cluster's spec to roll the template out again after a rollback or a failure. */
  retryRequest?: { id: string };
  /** Results of this rollout's validation runs, by step percentage. */
  validations?: Record<number, 'Running' | 'Succeeded' | 'Failed'>;
}

export type RolloutAction =
  /** Create a server group; a canary pair member runs the template of `templateFrom` (baseline) or the desired one (canary). */
  | { kind: 'create'; name: string; sequence: number; capacity: Capacity; enabled: boolean; role?: CanaryRole; templateFrom?: string; trafficWeight?: number }
  | { kind: 'resize'; name: string; capacity: Capacity }
  | { kind: 'enable'; name: string }
  | { kind: 'disable'; name: string }
  /** Takes this share (percent) of an enabled server group's instances out of traffic, 0 putting them all back (Orca's disableServerGroup with desiredPercentage). */
  | { kind: 'traffic'; name: string; disabledPercentage: number }
  /** Sets a server group's weight (percent) on weighted routes (a LoadBalancer's HTTPRoute). */
  | { kind: 'weight'; name: string; trafficWeight: number }
  | { kind: 'destroy'; name: string }
  /** Start the validation pipeline for a rolling step. */
  | { kind: 'validate'; percent: number; serverGroup: string; source?: string }
  /** Judge canary against baseline over one interval's window, and record the score. */
  | { kind: 'analyze'; interval: number; startMs: number; endMs: number; baseline: string; canary: string }
  /** Nothing to change: the rollout `revision` ends before its steps are done, because of `reason` (said as an Event). */
  | { kind: 'supersede'; revision: number; reason: string };

export interface RolloutPlan {
  actions: RolloutAction[];
  rollout: RolloutRecord;
  /** Come back after this long (a delay or a wait for health); undefined: when something changes. */
  requeueAfterMs?: number;
}

export const describeAction = (a: RolloutAction): string => {
  switch (a.kind) {
    case 'create': return `create ${a.name} (${a.enabled ? 'enabled' : 'disabled'}, ${plural(a.capacity.desired, 'instance')}`
      + `${a.trafficWeight !== undefined ? `, weighing ${a.trafficWeight}% on weighted routes` : ''})`;
    case 'resize': return `resize ${a.name} to ${a.capacity.desired}`;
    case 'traffic': return a.disabledPercentage ? `take ${a.disabledPercentage}% of ${a.name} out of traffic` : `put all of ${a.name} back in traffic`;
    case 'weight': return `weigh ${a.name} at ${a.trafficWeight}% on weighted routes`;
    case 'validate': return `validate ${a.serverGroup} at ${a.percent}%`;
    case 'analyze': return `judge ${a.canary} against ${a.baseline} (interval ${a.interval})`;
    case 'supersede': return `end rollout ${a.revision}: ${a.reason}`;
    default: return `${a.kind} ${a.name}`;
  }
};
