// The rollingRestartManifest stage's block.
import { obj } from '../../schema.ts';
import { manifestAccountRef, manifestNamespace, manifestTarget, waitForStable } from './deploy-manifest.ts';

export const rollingRestartManifestBlock = obj('rollingRestartManifest: restart the pods of a Deployment, StatefulSet or DaemonSet as kubectl rollout restart (pod-template annotation kubectl.kubernetes.io/restartedAt), and wait until it is stable.', {
  accountRef: manifestAccountRef,
  namespace: manifestNamespace,
  target: manifestTarget('The workload to restart.'),
  waitForStable,
}, { rules: [
  { rule: "self.target.apiVersion == 'apps/v1' && self.target.kind in ['Deployment', 'StatefulSet', 'DaemonSet']",
    message: 'rollingRestartManifest restarts a Deployment, StatefulSet or DaemonSet (apiVersion apps/v1); set target to one of those', fieldPath: '.target.kind' },
] });
