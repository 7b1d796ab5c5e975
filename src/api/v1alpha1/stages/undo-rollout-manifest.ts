// The undoRolloutManifest stage's block.
import { int, obj, optional } from '../../schema.ts';
import { manifestAccountRef, manifestNamespace, manifestTarget, waitForStable } from './deploy-manifest.ts';

export const undoRolloutManifestBlock = obj('undoRolloutManifest: roll a Deployment back to an earlier revision, as kubectl rollout undo (its ReplicaSet\'s pod template copied into the Deployment), and wait until it is stable.', {
  accountRef: manifestAccountRef,
  namespace: manifestNamespace,
  target: manifestTarget('The Deployment to roll back.'),
  numRevisionsBack: optional(int('How many revisions back from the current one (default 1: the previous revision).', { minimum: 1, maximum: 1000 })),
  revision: optional(int('The revision to roll back to (the deployment.kubernetes.io/revision of one of its ReplicaSets), instead of numRevisionsBack.', { minimum: 1 })),
  waitForStable,
}, { rules: [
  { rule: "self.target.kind == 'Deployment' && self.target.apiVersion == 'apps/v1'", message: 'undoRolloutManifest rolls back a Deployment (apiVersion apps/v1); set target.kind Deployment', fieldPath: '.target.kind' },
  { rule: '!(has(self.numRevisionsBack) && has(self.revision))', message: 'set numRevisionsBack or revision, not both', fieldPath: '.revision' },
] });
