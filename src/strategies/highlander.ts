// highlander (Orca's HighlanderStrategy): as red/black until the new server group is enabled, then
// every other server group is destroyed: there can be only one.
import { create, destroyOthers, enableNew, full, waitHealthy, type Step } from './steps.ts';

export const highlanderSteps = (): Step[] => [create(full, false, 100), waitHealthy, enableNew, destroyOthers];
