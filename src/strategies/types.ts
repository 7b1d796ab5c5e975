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
  /** rollingredblack: run a validation pipeline after each step. */
  validateSteps?: boolean;
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
  /** Results of this rollout's validation runs, by step percentage. */
  validations?: Record<number, 'Running' | 'Succeeded' | 'Failed'>;
}

export type RolloutAction =
  | { kind: 'create'; name: string; sequence: number; capacity: Capacity; enabled: boolean }
  | { kind: 'resize'; name: string; capacity: Capacity }
  | { kind: 'enable'; name: string }
  | { kind: 'disable'; name: string }
  | { kind: 'destroy'; name: string }
  /** Start the validation pipeline for a rolling step. */
  | { kind: 'validate'; percent: number; serverGroup: string; source?: string };

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
    case 'validate': return `validate ${a.serverGroup} at ${a.percent}%`;
    default: return `${a.kind} ${a.name}`;
  }
};
