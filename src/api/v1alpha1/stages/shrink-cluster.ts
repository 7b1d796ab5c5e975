// The shrinkCluster stage's block.
import { bool, obj, optional } from '../../schema.ts';
import { clusterRefField, failIfRollingOut, remainingField } from './server-group-target.ts';

export const shrinkClusterBlock = obj('shrinkCluster: destroy every server group of a Cluster but the newest (or largest) few.', {
  clusterRef: clusterRefField,
  shrinkToSize: remainingField('Server groups kept.'),
  allowDeleteActive: optional(bool('Destroy enabled server groups too (by default they are kept).')),
  retainLargerOverNewer: optional(bool('Keep the largest server groups rather than the newest.')),
  failIfRollingOut,
});
