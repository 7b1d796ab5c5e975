// The scaleManifest stage's block.
import { int, obj } from '../../schema.ts';
import { manifestAccountRef, manifestNamespace, manifestTarget, waitForStable } from './deploy-manifest.ts';

export const scaleManifestBlock = obj('scaleManifest: set the replicas of a Kubernetes object through its scale subresource (Deployment, StatefulSet, ReplicaSet...) and wait until it is stable.', {
  accountRef: manifestAccountRef,
  namespace: manifestNamespace,
  target: manifestTarget('The object to scale.'),
  replicas: int('The replicas it is to have.', { minimum: 0, maximum: 100000 }),
  waitForStable,
});
