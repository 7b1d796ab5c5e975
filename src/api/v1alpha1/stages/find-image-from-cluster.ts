// The findImageFromCluster stage's block.
import { bool, obj, oneOf } from '../../schema.ts';
import { clusterRefField } from './server-group-target.ts';

export const selectionStrategies = ['NEWEST', 'LARGEST', 'OLDEST', 'FAIL'] as const;

export const findImageFromClusterBlock = obj('findImageFromCluster: put what a server group of a Cluster runs in the stage\'s outputs (image, and images by container on Kubernetes), for later stages.', {
  clusterRef: clusterRefField,
  selectionStrategy: oneOf('Which server group: NEWEST, LARGEST (most desired instances; the newest of equals), OLDEST, or FAIL (fail unless exactly one matches).', selectionStrategies, { default: 'NEWEST' }),
  onlyEnabled: bool('Only server groups that take traffic.', { default: true }),
});
