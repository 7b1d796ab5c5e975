// The disableServerGroup stage's block.
import { obj, optional, percent } from '../../schema.ts';
import { targetFields, targetRules } from './server-group-target.ts';

export const disableServerGroupBlock = obj('disableServerGroup: take a server group out of its load balancers\' traffic (its instances keep running), and wait until it is out. A Cluster refuses to disable its only enabled server group.', {
  ...targetFields,
  desiredPercentage: optional(percent('Disable only this share of its instances (Spinnaker\'s desiredPercentage). Every provider here takes a server group out of traffic whole, so a value below 100 fails the stage, saying so.')),
}, { rules: targetRules });
