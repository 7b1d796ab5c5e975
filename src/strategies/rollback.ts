// The step lists that take traffic back: an automatic rollback after a failed step, a rollback a
// person asked for in the Cluster's spec, and the end of a rollout its strategy no longer fits.
// None depends on the strategy.
import { destroyCanaryPair } from './canary.ts';
import { disableOthers, previousGroup, restoreActions, restorePrevious, step, waitForHealth, waitHealthy, type Step } from './steps.ts';

const waitPrevious = waitForHealth('wait for the previous', (s) => ({ name: s.rollout.previousServerGroup, group: previousGroup(s) }));
/** The wait for the previous server group, when there is one (a first deploy rolls back to none). */
const waitPreviousIfAny = step(waitPrevious.label, (s) => (previousGroup(s) ? waitPrevious(s) : 'next'));

/** Re-enable the previous server group, wait until it serves with its share back, then disable (or destroy) the new one. */
export const rollbackSteps: Step[] = [
  restorePrevious,
  waitPreviousIfAny,
  step('disable the new', (s) => {
    const g = s.newGroup;
    if (!g?.enabled) return 'next';
    // A weighted route gives the newest its weight first: 0 moves the traffic back to the previous one before the new one leaves.
    if (previousGroup(s)?.enabled && (g.trafficWeight ?? 0) > 0) return { actions: [{ kind: 'weight', name: g.name, trafficWeight: 0 }] };
    return { actions: [{ kind: 'disable', name: g.name }] };
  }),
  step('destroy the new', (s) => (s.input.strategy.destroyLatestOnFailure && s.newGroup ? { actions: [{ kind: 'destroy', name: s.newGroup.name }] } : 'next')),
  destroyCanaryPair,
];

/** A manual rollback: bring the target back to full size and enabled, wait for it, disable the rest (and any canary pair). */
export const manualRollbackSteps: Step[] = [
  destroyCanaryPair,
  step('restore the target', (s) => {
    const g = s.newGroup;
    if (!g) return { fail: `server group ${s.rollout.newServerGroup} does not exist` };
    const actions = restoreActions(g, s.input.capacity);
    return actions.length ? { actions } : 'next';
  }),
  waitHealthy,
  disableOthers,
];

/**
 * The end of a rollout whose strategy changed: its canary pair goes, the previous server group serves
 * again at full size, and only then does the new one leave traffic (kept, as any older server group,
 * for the next rollout's strategy to clean up). With no previous server group left, the new one keeps
 * serving.
 */
export const endingSteps: Step[] = [
  destroyCanaryPair,
  restorePrevious,
  waitPreviousIfAny,
  step('disable the new', (s) => (previousGroup(s)?.enabled && s.newGroup?.enabled ? { actions: [{ kind: 'disable', name: s.newGroup.name }] } : 'next')),
];
