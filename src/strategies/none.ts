// none: the new server group is created enabled beside the old ones, which are left as they are.
import { create, full, waitHealthy, type Step } from './steps.ts';

export const noneSteps = (): Step[] => [create(full, true), waitHealthy];
