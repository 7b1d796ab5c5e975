// rolling red/black (Orca's RollingRedBlackStrategy): the new server group starts at 0 and grows
// through targetPercentages (100 added when missing), each step healthy (and validated) before the
// next. After each step below 100% the same share of the old server groups' instances leaves traffic
// ("Disable p% of Traffic on <source>"), so traffic follows the steps rather than pod counts; the old
// ones keep their size, and the rest of their traffic until the new one is at 100%. Where a provider
// cannot take part of a server group out of traffic its ServerGroup says so, and the old ones keep all of it.
// On a weighted route the new server group weighs each step's percentage (the old ones the rest), set
// before the step is validated, then 100; with no old server group in traffic (a first deploy) 100 throughout.
import type { RolloutAction, StrategySettings } from './types.ts';
import { create, delayBeforeCleanup, delayBeforeScaleDown, disableOthers, enableNew, healthPollMs, scaleDownOthers, step, waitForNewInForce, waitHealthy,
  type Step, type StepContext } from './steps.ts';

/** Grows the new server group to p% of the desired capacity, pinned until 100%. */
const growTo = (percent: number): Step => step(`grow to ${percent}%`, (s) => {
  const c = s.input.capacity;
  const size = Math.ceil((c.desired * percent) / 100);
  const capacity = percent < 100 ? { min: size, max: size, desired: size } : { ...c };
  const g = s.newGroup!;
  if (g.capacity.desired === capacity.desired && g.capacity.min === capacity.min && g.capacity.max === capacity.max) return 'next';
  return { actions: [{ kind: 'resize', name: g.name, capacity }] };
}, { percent });

/**
 * Takes p% of each enabled old server group's instances out of traffic, and waits until their
 * controllers have acted on it. The share is of instances: its provider rounds the count down, so
 * old and new together never serve fewer than the desired count.
 */
const shareTraffic = (percent: number): Step => step(`take ${percent}% of the others out of traffic`, (s) => {
  const serving = s.others.filter((g) => g.enabled);
  const behind = serving.filter((g) => (g.disabledPercentage ?? 0) !== percent);
  const weigh = weighNew(s, percent);
  if (weigh.length) return { actions: weigh };
  if (behind.length) {
    // The old ones give up a share only once the new one serves as its spec says (enabled, weighed).
    const wait = waitForNewInForce(s);
    if (wait) return wait;
    return { actions: [...behind.map((g) => ({ kind: 'traffic' as const, name: g.name, disabledPercentage: percent }))] };
  }
  const pending = serving.filter((g) => g.current === false);
  if (pending.length) return { waitMs: healthPollMs, message: `waiting for ${pending.map((g) => g.name).join(', ')} to take ${percent}% out of traffic` };
  return 'next';
});

/**
 * The new server group's weight on weighted routes for a step, when it is not so: the step's
 * percentage beside enabled old server groups, 100 with none (a first deploy: its only backend, which
 * a weight of 0 would leave without traffic).
 */
const weighNew = (s: StepContext, percent: number): RolloutAction[] => {
  const weight = s.others.some((g) => g.enabled) ? percent : 100;
  return s.newGroup && s.newGroup.trafficWeight !== weight ? [{ kind: 'weight', name: s.newGroup.name, trafficWeight: weight }] : [];
};

/** At 100% the new server group takes all of a weighted route's traffic before the old ones leave it. */
const weighFull = step('weigh the new at 100%', (s) => { const a = weighNew(s, 100); return a.length ? { actions: a } : 'next'; });

/** The validation pipeline for this step must succeed before the next. */
const validate = (percent: number): Step => step(`validate at ${percent}%`, (s) => {
  if (!s.input.strategy.validateSteps) return 'next';
  // What is validated is the step as it serves: the new one weighed for it, its weight in force.
  const weigh = weighNew(s, percent);
  if (weigh.length) return { actions: weigh };
  if (!s.input.validations?.[percent]) { const wait = waitForNewInForce(s); if (wait) return wait; }
  const result = s.input.validations?.[percent];
  if (result === 'Succeeded') return 'next';
  if (result === 'Failed') return { fail: `the validation pipeline failed at ${percent}%` };
  if (result === 'Running') return { waitMs: healthPollMs, message: `validating ${s.rollout.newServerGroup} at ${percent}%` };
  return { actions: [{ kind: 'validate', percent, serverGroup: s.rollout.newServerGroup!, ...(s.rollout.previousServerGroup ? { source: s.rollout.previousServerGroup } : {}) }] };
});

export function rollingRedBlackSteps(strategy: StrategySettings): Step[] {
  const percents = [...(strategy.targetPercentages ?? [])];
  if (percents[percents.length - 1] !== 100) percents.push(100);
  return [create(() => ({ min: 0, max: 0, desired: 0 }), false, (s) => (s.others.some((g) => g.enabled) ? 0 : 100)),
    ...percents.flatMap((p, i) => [growTo(p), waitHealthy, ...(i === 0 ? [enableNew] : []), delayBeforeCleanup, validate(p),
      ...(p < 100 ? [shareTraffic(p)] : [])]),
    weighFull, disableOthers, delayBeforeScaleDown, scaleDownOthers];
}
