// The disableServerGroup stage's block.
import { obj, optional, percent } from '../../schema.ts';
import { targetFields, targetRules } from './server-group-target.ts';

export const disableServerGroupBlock = obj('disableServerGroup: take a server group out of its load balancers\' traffic (its instances keep running), and wait until it is out. A Cluster refuses to disable its only enabled server group.', {
  ...targetFields,
  desiredPercentage: optional(percent('Take only this share of its instances out of traffic, the rest serving (Spinnaker\'s desiredPercentage), where its provider can (Kubernetes); where it cannot, the stage fails, saying so. 100 disables it whole.')),
}, { rules: targetRules });
