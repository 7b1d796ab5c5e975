// The undoRolloutManifest stage's block.
import { int, obj, optional } from '../../schema.ts';
import { manifestAccountRef, manifestNamespace, manifestTarget, waitForStable } from './deploy-manifest.ts';

export const undoRolloutManifestBlock = obj('undoRolloutManifest: roll a Deployment, StatefulSet or DaemonSet back to an earlier revision, as kubectl rollout undo (the pod template of its ReplicaSet or ControllerRevision put back), and wait until it is stable.', {
  accountRef: manifestAccountRef,
  namespace: manifestNamespace,
  target: manifestTarget('The Deployment, StatefulSet or DaemonSet to roll back.'),
  numRevisionsBack: optional(int('How many revisions back from the current one (default 1: the previous revision).', { minimum: 1, maximum: 1000 })),
  revision: optional(int('The revision to roll back to (a ReplicaSet\'s deployment.kubernetes.io/revision, a ControllerRevision\'s revision), instead of numRevisionsBack.', { minimum: 1 })),
  waitForStable,
}, { rules: [
  { rule: "self.target.apiVersion == 'apps/v1' && self.target.kind in ['Deployment', 'StatefulSet', 'DaemonSet']",
    message: 'undoRolloutManifest rolls back a Deployment, StatefulSet or DaemonSet (apiVersion apps/v1); set target to one of those', fieldPath: '.target.kind' },
  { rule: '!(has(self.numRevisionsBack) && has(self.revision))', message: 'set numRevisionsBack or revision, not both', fieldPath: '.revision' },
] });
