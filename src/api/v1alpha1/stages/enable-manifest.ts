// The enableManifest stage's block.
import { obj } from '../../schema.ts';
import { manifestAccountRef, manifestNamespace, manifestTarget } from './deploy-manifest.ts';

export const enableManifestBlock = obj('enableManifest: put a ReplicaSet back in the Services its annotation traffic.staysail.dev/load-balancers names (their selectors copied onto its pod template and running pods).', {
  accountRef: manifestAccountRef,
  namespace: manifestNamespace,
  target: manifestTarget('The ReplicaSet.'),
}, { rules: [
  { rule: "self.target.kind == 'ReplicaSet' && self.target.apiVersion == 'apps/v1'",
    message: 'enableManifest moves traffic of a ReplicaSet (apiVersion apps/v1) only: a Deployment would roll out on the change; set target.kind ReplicaSet', fieldPath: '.target.kind' },
] });
