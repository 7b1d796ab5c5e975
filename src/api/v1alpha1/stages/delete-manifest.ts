// The deleteManifest stage's block.
import { obj, oneOf, optional, str } from '../../schema.ts';
import { manifestAccountRef, manifestNamespace } from './deploy-manifest.ts';

export const deleteManifestBlock = obj('deleteManifest: delete Kubernetes objects by kind and name, or by kind and label selector, and wait until they are gone.', {
  accountRef: manifestAccountRef,
  namespace: manifestNamespace,
  apiVersion: str('The objects\' apiVersion, e.g. v1 or apps/v1.', { maxLength: 253 }),
  kind: str('The objects\' kind, e.g. ConfigMap.', { maxLength: 63 }),
  name: optional(str('The object\'s name (may be an expression).', { minLength: 1, maxLength: 253 })),
  labelSelector: optional(str('A label selector, as kubectl\'s -l: every object of the kind it selects in the namespace is deleted.', { minLength: 1, maxLength: 4096 })),
  cascade: oneOf('What happens to the objects they own, as kubectl delete --cascade: background (deleted after), foreground (deleted first) or orphan (kept).',
    ['background', 'foreground', 'orphan'] as const, { default: 'background' }),
}, { rules: [
  { rule: 'has(self.name) != has(self.labelSelector)', message: 'set name or labelSelector, one of the two', fieldPath: '.name' },
] });
