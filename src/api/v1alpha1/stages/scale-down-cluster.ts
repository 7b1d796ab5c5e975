// The scaleDownCluster stage's block.
import { bool, obj, optional } from '../../schema.ts';
import { clusterRefField, failIfRollingOut, remainingField } from './server-group-target.ts';

export const scaleDownClusterBlock = obj('scaleDownCluster: scale every server group of a Cluster but the newest (or largest) few to 0 instances, keeping them for a fast rollback.', {
  clusterRef: clusterRefField,
  remainingFullSizeServerGroups: remainingField('Server groups left at their size.'),
  preferLargerOverNewer: optional(bool('Leave the largest server groups rather than the newest.')),
  allowScaleDownActive: optional(bool('Scale enabled server groups down too (by default they are left as they are).')),
  failIfRollingOut,
});
