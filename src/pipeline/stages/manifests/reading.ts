// What the manifest stages read alike: an object of the run's namespace named by a field (a missing
// or forbidden one named by that field), and the Kubernetes objects of a YAML text, each checked to
// be one. Each caller gives its own error class, so its failure reads as its stage's.
import { parseAllDocuments } from 'yaml';
import { ApiError, isNotFound } from '../../../core/errors.ts';
import type { KubeObject, ResourceType } from '../../../core/kube-client.ts';
import type { StageRun } from '../stage-type.ts';

export const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
export const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

const isForbidden = (err: unknown) => err instanceof ApiError && err.status === 403;

/** Makes the error a person must act on, of the caller's class. */
export type Refusal = (message: string) => Error;

/**
 * The object field names in the run's namespace. Not there, or not readable by the operator (403),
 * is a refusal naming the field; anything else (the API server out of reach) is thrown as it is.
 */
export async function readNamed<T extends KubeObject>(s: StageRun, rt: ResourceType, name: string, field: string, refuse: Refusal): Promise<T> {
  const ns = s.run.metadata.namespace!;
  try {
    return await s.client.get<T>(rt, ns, name);
  } catch (err) {
    if (isNotFound(err)) throw refuse(`${rt.kind} "${name}" (${field}) does not exist in namespace "${ns}"`);
    if (isForbidden(err)) throw refuse(`${rt.kind} "${name}" (${field}) cannot be read: the operator may not get ${rt.plural} in namespace "${ns}"; grant it, or name another`);
    throw err;
  }
}

/** An object of a YAML text, and the template it came from when helm said so (its "# Source:" comment). */
export interface ParsedObject { object: KubeObject; source?: string }

/** The `# Source: web/templates/x.yaml` helm writes above each document it renders. */
function sourceOf(comment: string | null | undefined): string | undefined {
  return comment?.match(/^\s*Source:\s*(\S+)/m)?.[1];
}

/**
 * The YAML documents of text, empty ones dropped, each checked to be an object with apiVersion, kind
 * and metadata.name. map (when given) turns each parsed value first (expressions evaluated).
 * where names the text in messages; a document is named by its helm template when there is one.
 */
export function parseObjects(text: string, where: string, refuse: Refusal, map: (v: unknown) => unknown = (v) => v): ParsedObject[] {
  const docs = parseAllDocuments(text);
  const bad = docs.find((d) => d.errors.length > 0);
  if (bad) throw refuse(`${where} is not YAML: ${bad.errors[0]!.message}`);
  const values = docs.map((d) => ({ value: d.toJS() as unknown, source: sourceOf(d.commentBefore) ?? sourceOf(d.contents?.commentBefore) }))
    .filter((d) => d.value !== null && d.value !== undefined);
  return values.map((d, i) => {
    const o = map(d.value) as Partial<KubeObject> | null;
    if (!o || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      const which = d.source ? `document ${i + 1} (${d.source})` : `document ${i + 1}`;
      throw refuse(`${where}: ${which} is not a Kubernetes object: it needs apiVersion, kind and metadata.name`);
    }
    return { object: o as KubeObject, ...(d.source ? { source: d.source } : {}) };
  });
}
