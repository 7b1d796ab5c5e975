// CustomResourceDefinitions generated from the kinds' schemas: crds/ is written from this by
// `npm run gen`, never by hand.
import { stringify } from 'yaml';
import type { KindDefinition } from './kind.ts';
import { patternHint } from './pattern-hints.ts';
import { group, kinds, version } from './v1alpha1/index.ts';

export const category = 'staysail';

type Node = Record<string, unknown>;

/**
 * A plain JSON copy of a schema for a CRD: TypeBox's symbol keys dropped, fields the API server
 * defaults no longer required, so manifests may leave them out, and a patterned string checked by a
 * rule that says what to write instead (the API server's refusal of a pattern shows only the regular
 * expression).
 */
export function crdSchema(schema: unknown): Node {
  const copy = JSON.parse(JSON.stringify(schema)) as Node;
  const walk = (node: Node) => {
    const props = node.properties as Record<string, Node> | undefined;
    if (props && Array.isArray(node.required)) {
      node.required = (node.required as string[]).filter((name) => props[name]?.default === undefined);
      if ((node.required as string[]).length === 0) delete node.required;
    }
    const hint = typeof node.pattern === 'string' ? patternHint(node.pattern) : undefined;
    if (hint) {
      // The rule checks the pattern, so the pattern itself would only add a second, less helpful refusal.
      node['x-kubernetes-validations'] = [...(node['x-kubernetes-validations'] as unknown[] ?? []),
        { rule: `self.matches(r'${node.pattern as string}')`, message: hint }];
      delete node.pattern;
    }
    for (const child of [...Object.values(props ?? {}), node.items, node.additionalProperties]) {
      if (child && typeof child === 'object') walk(child as Node);
    }
  };
  walk(copy);
  return copy;
}

export function crdFor(def: KindDefinition): Record<string, unknown> {
  const root: Record<string, unknown> = {
    type: 'object',
    description: def.description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'The versioned schema of this object: staysail.dev/v1alpha1.' },
      kind: { type: 'string', description: `The kind of this object: ${def.kind}.` },
      metadata: def.nameMaxLength
        ? { type: 'object', properties: { name: { type: 'string', maxLength: def.nameMaxLength } } }
        : { type: 'object' },
      spec: crdSchema(def.spec),
      // An object the controller has not yet written reads as observedGeneration -1 (the default), so
      // kstatus and Argo CD see it as in progress from its creation, not as current until the first pass.
      status: { ...crdSchema(def.status), default: {} },
    },
  };
  if (def.rules?.length) root['x-kubernetes-validations'] = def.rules;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${group}`, labels: { 'app.kubernetes.io/part-of': 'staysail' } },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind: def.kind, listKind: `${def.kind}List`, plural: def.plural, singular: def.singular, shortNames: def.shortNames,
        categories: [category] },
      versions: [{
        name: version, served: true, storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: def.printerColumns,
        schema: { openAPIV3Schema: root },
      }],
    },
  };
}

/** File name and YAML text of every CRD. */
export function renderCrds(): { file: string; text: string }[] {
  return kinds.map((def) => ({
    file: `${group}_${def.plural}.yaml`,
    text: `# Generated from src/api by \`npm run gen\`; do not edit.\n${stringify(crdFor(def), { lineWidth: 0 })}`,
  }));
}
