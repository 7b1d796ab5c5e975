// What a strategy is made of: steps, and the ones several strategies share. A step first asks whether
// the world is already so (then the next step runs at once), else returns the actions that make it
// so, how long to wait, or why the rollout fails. Called again after its actions are applied, the
// same step finds its work done and moves on.
import { plural } from '../api/plural.ts';
import type { Capacity } from '../api/v1alpha1/common.ts';
import type { ObservedServerGroup, RolloutAction, RolloutInput, RolloutRecord } from './types.ts';

export type StepResult = 'next' | { actions: RolloutAction[] } | { waitMs: number; message: string } | { fail: string };

export interface StepContext {
  input: RolloutInput;
  rollout: RolloutRecord;
  /** The server group the rollout is about (the new one; a manual rollback's target). */
  newGroup?: ObservedServerGroup;
  others: ObservedServerGroup[];
  stepElapsedMs: number;
}

/** A step, and what it does in a word or two (shown as the rollout's progress). */
export type Step = ((s: StepContext) => StepResult) & { label: string; percent?: number; analysis?: boolean };

export const step = (label: string, fn: (s: StepContext) => StepResult, extra: { percent?: number; analysis?: boolean } = {}): Step =>
  Object.assign(fn, { label }, extra);

export const healthPollMs = 2000;

export const iso = (ms: number) => new Date(ms).toISOString();

/** Healthy instances needed: targetHealthyPercentage of desired, rounded up, never 0 unless 0 is wanted. */
export function healthyNeeded(desired: number, percent: number): number {
  if (desired === 0 || percent === 0) return 0;
  return Math.max(1, Math.ceil((desired * percent) / 100));
}

/** A server group its provider refused (Invalid) will not get better by waiting: the rollout fails at once. */
export const refused = (g: ObservedServerGroup | undefined): string | undefined =>
  (g?.problem?.permanent ? `${g.name} failed: ${g.problem.message}` : undefined);
export const problemNote = (g: ObservedServerGroup | undefined) => (g?.problem ? `; ${g.problem.message}` : '');

export const previousGroup = (s: StepContext) => s.others.find((g) => g.name === s.rollout.previousServerGroup);

/** Creates the new server group; trafficWeight is its weight on weighted routes (100: enabling it moves all of their traffic to it at once). */
export const create = (capacity: (s: StepContext) => Capacity, enabled: boolean, trafficWeight?: number | ((s: StepContext) => number)): Step => step('create', (s) => {
  if (s.newGroup) return 'next';
  const name = s.rollout.newServerGroup!;
  const weight = typeof trafficWeight === 'function' ? trafficWeight(s) : trafficWeight;
  return { actions: [{ kind: 'create', name, sequence: Number(name.slice(-3)), capacity: capacity(s), enabled,
    ...(weight !== undefined ? { trafficWeight: weight } : {}) }] };
});

export const full = (s: StepContext) => s.input.capacity;

/** Waits until targetHealthyPercentage of a server group is healthy; fails at progressDeadline, or at once when its provider refused it. */
export const waitForHealth = (label: string, which: (s: StepContext) => { name?: string; group?: ObservedServerGroup }): Step => step(label, (s) => {
  const { name, group: g } = which(s);
  if (!g) return { waitMs: healthPollMs, message: `waiting for ${name} to appear` };
  const needed = healthyNeeded(g.capacity.desired, s.input.targetHealthyPercentage);
  if (g.healthy >= needed) return 'next';
  const failed = refused(g);
  if (failed) return { fail: failed };
  if (s.stepElapsedMs >= s.input.progressDeadlineMs) {
    return { fail: `${g.name} has ${g.healthy} of ${plural(needed, 'healthy instance')} needed after ${Math.round(s.input.progressDeadlineMs / 1000)}s${problemNote(g)}` };
  }
  return { waitMs: healthPollMs, message: `waiting for ${g.name}: ${g.healthy} of ${plural(needed, 'healthy instance')}${problemNote(g)}` };
});

export const waitHealthy = waitForHealth('wait for health', (s) => ({ name: s.rollout.newServerGroup, group: s.newGroup }));

export const enableNew = step('enable', (s) => (s.newGroup!.enabled ? 'next' : { actions: [{ kind: 'enable', name: s.newGroup!.name }] }));

/** Destroys the oldest disabled server groups beyond maxRemaining (counting the new one). */
export const shrink = step('keep maxRemainingServerGroups', (s) => {
  const max = s.input.strategy.maxRemainingServerGroups;
  if (!max) return 'next';
  const doomed = s.others.slice(Math.max(0, max - 1)).filter((g) => !g.enabled);
  return doomed.length ? { actions: doomed.map((g) => ({ kind: 'destroy' as const, name: g.name })) } : 'next';
});

/** A wait before touching the old server groups; with none (a first deploy) there is nothing to wait for. */
const delay = (ms: (s: StepContext) => number | undefined, what: string): Step => step(`wait ${what}`, (s) => {
  const wanted = s.others.length ? ms(s) ?? 0 : 0;
  return s.stepElapsedMs >= wanted ? 'next' : { waitMs: wanted - s.stepElapsedMs, message: `waiting ${Math.round(wanted / 1000)}s ${what}` };
});

export const delayBeforeCleanup = delay((s) => s.input.strategy.delayBeforeCleanupMs, 'before cleanup');
export const delayBeforeScaleDown = delay((s) => (s.input.strategy.scaleDown ? s.input.strategy.delayBeforeScaleDownMs : 0), 'before scaling down');

/**
 * While the new server group's controller has not acted on its latest spec (its enable, a share put
 * back), the wait before the others leave traffic: until then it may not serve what the step counts on.
 */
export const waitForNewInForce = (s: StepContext): StepResult | undefined =>
  (s.newGroup?.current === false ? { waitMs: healthPollMs, message: `waiting for ${s.newGroup.name} to take traffic as its spec says` } : undefined);

/**
 * The others leave traffic, once the new one serves: each enabled one is disabled, and the share a
 * rolling step took out of it is cleared (it would come back with the server group, were it enabled
 * again by hand or by a later rollout).
 */
export const disableOthers = step('disable the others', (s) => {
  const enabled = s.others.filter((g) => g.enabled);
  const shared = s.others.filter((g) => g.disabledPercentage);
  if (!enabled.length && !shared.length) return 'next';
  const wait = enabled.length ? waitForNewInForce(s) : undefined;
  if (wait) return wait;
  // Newer ones (a rollback's) would keep a weighted route's traffic, newest first: their weight goes to 0 before they leave.
  const newer = enabled.filter((g) => s.newGroup && g.sequence > s.newGroup.sequence && (g.trafficWeight ?? 0) > 0);
  if (newer.length) return { actions: newer.map((g) => ({ kind: 'weight' as const, name: g.name, trafficWeight: 0 })) };
  return { actions: [...enabled.map((g) => ({ kind: 'disable' as const, name: g.name })),
    ...shared.map((g) => ({ kind: 'traffic' as const, name: g.name, disabledPercentage: 0 }))] };
});

export const scaleDownOthers = step('scale down', (s) => {
  if (!s.input.strategy.scaleDown) return 'next';
  const big = s.others.filter((g) => !g.enabled && g.capacity.desired > 0);
  return big.length ? { actions: big.map((g) => ({ kind: 'resize' as const, name: g.name, capacity: { min: 0, max: g.capacity.max, desired: 0 } })) } : 'next';
});

export const destroyOthers = step('destroy the others', (s) => {
  if (!s.others.length) return 'next';
  return (s.others.some((g) => g.enabled) ? waitForNewInForce(s) : undefined) ?? { actions: s.others.map((g) => ({ kind: 'destroy' as const, name: g.name })) };
});

/** What brings a server group back to the cluster's capacity with all of its instances in traffic (a share a rolling step took out comes back first, and its weight to 100). */
export function restoreActions(g: ObservedServerGroup, capacity: Capacity): RolloutAction[] {
  const actions: RolloutAction[] = [];
  if (g.capacity.desired < capacity.desired) actions.push({ kind: 'resize', name: g.name, capacity: { ...capacity } });
  if (g.disabledPercentage) actions.push({ kind: 'traffic', name: g.name, disabledPercentage: 0 });
  // On weighted routes it takes all of the traffic back (weights are given newest first, 100 in all).
  if (g.trafficWeight !== undefined && g.trafficWeight !== 100) actions.push({ kind: 'weight', name: g.name, trafficWeight: 100 });
  if (!g.enabled) actions.push({ kind: 'enable', name: g.name });
  return actions;
}

/** Brings the previous server group back to the cluster's capacity and into traffic. */
export const restorePrevious = step('re-enable the previous', (s) => {
  const prev = previousGroup(s);
  if (!prev) return 'next';
  const actions = restoreActions(prev, s.input.capacity);
  return actions.length ? { actions } : 'next';
});
