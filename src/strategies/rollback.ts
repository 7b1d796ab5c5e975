// The step lists that take traffic back: an automatic rollback after a failed step, and a rollback a
// person asked for in the Cluster's spec. Neither depends on the strategy.
import { destroyCanaryPair } from './canary.ts';
import { disableOthers, restorePrevious, step, waitHealthy, type Step } from './steps.ts';
import type { RolloutAction } from './types.ts';

/** Re-enable the previous server group, then disable (or destroy) the new one. */
export const rollbackSteps: Step[] = [
  restorePrevious,
  step('disable the new', (s) => (s.newGroup?.enabled ? { actions: [{ kind: 'disable', name: s.newGroup.name }] } : 'next')),
  step('destroy the new', (s) => (s.input.strategy.destroyLatestOnFailure && s.newGroup ? { actions: [{ kind: 'destroy', name: s.newGroup.name }] } : 'next')),
  destroyCanaryPair,
];

/** A manual rollback: bring the target back to full size and enabled, wait for it, disable the rest (and any canary pair). */
export const manualRollbackSteps: Step[] = [
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
