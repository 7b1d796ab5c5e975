// What deploy strategies see and what they ask for. Pure data: the Cluster controller observes the
// provider, calls a planner, applies the actions, and records the returned rollout in status.
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
}

/** What the Cluster's status keeps of a rollout: only what cannot be observed again. */
export interface RolloutRecord {
  phase: 'Idle' | 'Progressing' | 'Analyzing' | 'Succeeded' | 'Failed' | 'RolledBack';
  revision: number;
  templateHash: string;
  step?: number;
  startTime?: string;
  stepStartTime?: string;
  newServerGroup?: string;
  previousServerGroup?: string;
  message?: string;
  /** The last manual rollback request carried out. */
  rollbackId?: string;
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
}

export interface RolloutInput {
  now: number;
  cluster: string;
  /** Hash of the desired template: a change starts a rollout. */
  templateHash: string;
  capacity: Capacity;
  strategy: StrategySettings;
  targetHealthyPercentage: number;
  /** How long the new server group may take to become healthy before the rollout fails. */
  progressDeadlineMs: number;
  /** The cluster's server groups, newest first. */
  serverGroups: ObservedServerGroup[];
  rollout?: RolloutRecord;
  /** A manual rollback request from the Cluster's spec. */
  rollbackRequest?: { id: string; toServerGroup?: string };
}

export type RolloutAction =
  | { kind: 'create'; name: string; sequence: number; capacity: Capacity; enabled: boolean }
  | { kind: 'resize'; name: string; capacity: Capacity }
  | { kind: 'enable'; name: string }
  | { kind: 'disable'; name: string }
  | { kind: 'destroy'; name: string };

export interface RolloutPlan {
  actions: RolloutAction[];
  rollout: RolloutRecord;
  /** Come back after this long (a delay or a wait for health); undefined: when something changes. */
  requeueAfterMs?: number;
}

export const describeAction = (a: RolloutAction): string => {
  switch (a.kind) {
    case 'create': return `create ${a.name} (${a.enabled ? 'enabled' : 'disabled'}, ${a.capacity.desired} instances)`;
    case 'resize': return `resize ${a.name} to ${a.capacity.desired}`;
    default: return `${a.kind} ${a.name}`;
  }
};
