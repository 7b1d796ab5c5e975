// The enableServerGroup stage's block.
import { obj } from '../../schema.ts';
import { targetFields, targetRules } from './server-group-target.ts';

export const enableServerGroupBlock = obj('enableServerGroup: put a server group (back) into its load balancers\' traffic, and wait until it takes traffic.',
  { ...targetFields }, { rules: targetRules });
