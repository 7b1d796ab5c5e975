// The disableCluster stage's block.
import { bool, obj, optional } from '../../schema.ts';
import { clusterRefField, failIfRollingOut, remainingField } from './server-group-target.ts';

export const disableClusterBlock = obj('disableCluster: disable every server group of a Cluster but the newest (or largest) few. A Cluster refuses when that leaves no server group enabled.', {
  clusterRef: clusterRefField,
  remainingEnabledServerGroups: remainingField('Server groups left as they are.'),
  preferLargerOverNewer: optional(bool('Leave the largest server groups rather than the newest.')),
  failIfRollingOut,
});
