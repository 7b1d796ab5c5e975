// The patchManifest stage's block.
import { anyValue, obj, oneOf } from '../../schema.ts';
import { manifestAccountRef, manifestNamespace, manifestTarget, waitForStable } from './deploy-manifest.ts';

export const patchManifestBlock = obj('patchManifest: patch a Kubernetes object (JSON merge, strategic merge or JSON patch) and wait until it is stable.', {
  accountRef: manifestAccountRef,
  namespace: manifestNamespace,
  target: manifestTarget('The object to patch.'),
  patchType: oneOf('merge (RFC 7386 JSON merge patch), strategic (Kubernetes\' strategic merge patch: lists merged by key; built-in kinds only) or json (RFC 6902 operations).',
    ['merge', 'strategic', 'json'] as const, { default: 'strategic' }),
  patch: anyValue('The patch: an object for merge and strategic, a list of operations for json. Expressions ${...} fill it in.'),
  waitForStable,
});
