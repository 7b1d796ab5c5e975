// red/black (Orca's RedBlackStrategy): the new server group comes up disabled at full size, is
// enabled once healthy, then the old ones leave traffic (and are scaled down, kept for a fast rollback).
// On a weighted route the new one weighs 100, so enabling it moves all of the route's traffic at once.
import { create, delayBeforeCleanup, delayBeforeScaleDown, disableOthers, enableNew, full, scaleDownOthers, shrink, waitHealthy,
  type Step } from './steps.ts';

/** The red/black deploy, also the canary strategy's promotion. */
export const redBlackSteps = (): Step[] =>
  [create(full, false, 100), waitHealthy, enableNew, shrink, delayBeforeCleanup, disableOthers, delayBeforeScaleDown, scaleDownOthers];
