// The rollbackCluster stage's block.
import { obj, optional, str } from '../../schema.ts';
import { clusterRefField, failIfRollingOut } from './server-group-target.ts';

export const rollbackClusterBlock = obj('rollbackCluster: return a Cluster\'s traffic to an earlier server group at the current capacity (its spec.rollback), and wait until it serves and the others are disabled.', {
  clusterRef: clusterRefField,
  toServerGroup: optional(str('The server group to return to (may be an expression). Default: the newest one older than the active one that runs another image, else the one before the active one (Spinnaker\'s previous image rule).', { minLength: 1, maxLength: 256 })),
  failIfRollingOut,
});
