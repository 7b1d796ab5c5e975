// The destroyServerGroup stage's block.
import { bool, obj, optional } from '../../schema.ts';
import { targetFields, targetRules } from './server-group-target.ts';

export const destroyServerGroupBlock = obj('destroyServerGroup: delete a server group and what its provider made for it, and wait until it is gone. A Cluster refuses to destroy its only enabled server group unless allowDeleteActive.', {
  ...targetFields,
  allowDeleteActive: optional(bool('Destroy it even when it is the Cluster\'s only enabled server group, leaving nothing to take traffic.')),
}, { rules: targetRules });
