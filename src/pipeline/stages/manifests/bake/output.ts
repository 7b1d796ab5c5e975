// Where a bake's manifests are kept: not in the run's status (the whole PipelineRun must fit in
// etcd's ~1.5 MB object), but in a ConfigMap named from the run and the stage and owned by the run,
// so deleting the run deletes it. The stage's outputs say where it is, its sha256 and what it holds.
import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { pipelineRunLabel, stageLabel } from '../../../../api/v1alpha1/labels.ts';
import { isNotFound } from '../../../../core/errors.ts';
import type { KubeObject, ResourceType } from '../../../../core/kube-client.ts';
import type { StageRun } from '../../stage-type.ts';
import { childName, ownerReference } from '../../children.ts';
import { BakeError } from './errors.ts';

export const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

/** The key of the bake's ConfigMap holding the manifests. */
export const bakeKey = 'manifests.yaml';
/** On the bake's ConfigMap: the sha256 of its manifests, which deployManifest checks before it deploys them. */
export const bakeShaAnnotation = 'staysail.dev/manifests-sha256';
/** The most a bake keeps: a ConfigMap holds 1 MiB in all, and its metadata and the API server's overhead need some of it. */
export const maxBakeBytes = 900 * 1024;

/** An object the bake rendered. */
export interface BakedObject { apiVersion: string; kind: string; name: string; namespace?: string }

/** What a bake's outputs say: where its manifests are, their sha256 and their objects. */
export interface BakeOutputs { configMap: string; key: string; sha256: string; objects: BakedObject[] }

/** The ConfigMap of a run's bake stage: <run>-<refId>-manifests (the run and stage part at most 63 characters). */
export const bakeConfigMapName = (run: string, refId: string) => `${childName(run, refId)}-manifests`;

export const sha256Of = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The objects the rendered YAML holds; refuses YAML that does not parse or is too big to keep. */
export function summarize(text: string): { sha256: string; objects: BakedObject[] } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBakeBytes) {
    throw new BakeError(`the rendered manifests are ${Math.ceil(bytes / 1024)} KiB, above the ${maxBakeBytes / 1024} KiB a bake keeps; render fewer objects, or split them across stages`);
  }
  const docs = parseAllDocuments(text);
  const bad = docs.find((d) => d.errors.length > 0);
  if (bad) throw new BakeError(`the rendered output is not YAML: ${bad.errors[0]!.message}`);
  const objects = docs.map((d) => d.toJS() as Partial<KubeObject> | null).filter((o) => o !== null && o !== undefined).map((o, i) => {
    if (typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new BakeError(`rendered document ${i + 1} is not a Kubernetes object: it needs apiVersion, kind and metadata.name`);
    }
    return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
  });
  return { sha256: sha256Of(text), objects };
}

/**
 * Keeps the manifests in the run's ConfigMap for this stage: created, or (a pass repeated after a
 * crash, a restarted stage) left as it is when it already holds them, else rewritten. One not made
 * by this run is never touched.
 */
export async function storeBake(s: StageRun, text: string, sha256: string): Promise<string> {
  const ns = s.run.metadata.namespace!;
  const name = bakeConfigMapName(s.run.metadata.name, s.stage.refId);
  const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ownerReferences: [ownerReference(s.run)],
    labels: { [pipelineRunLabel]: s.run.metadata.name, [stageLabel]: s.stage.refId }, annotations: { [bakeShaAnnotation]: sha256 } },
    data: { [bakeKey]: text } };
  let existing: KubeObject;
  try {
    existing = await s.client.get(configMaps, ns, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await s.client.create(configMaps, desired as KubeObject);
    return name;
  }
  if (!existing.metadata.ownerReferences?.some((o) => o.uid === s.run.metadata.uid)) {
    throw new BakeError(`ConfigMap ${name} exists but was not made by this run; delete it, then restart the stage`);
  }
  if (existing.metadata.annotations?.[bakeShaAnnotation] === sha256) return name;
  await s.client.mergePatch(configMaps, ns, name, { metadata: { annotations: desired.metadata.annotations }, data: desired.data });
  return name;
}
