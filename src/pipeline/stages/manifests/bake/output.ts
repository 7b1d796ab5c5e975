// Where a bake's manifests are kept: not in the run's status (the whole PipelineRun must fit in
// etcd's ~1.5 MB object), but in a ConfigMap named from the run and the stage and owned by the run,
// so deleting the run deletes it. The stage's outputs say where it is, its sha256 and what it holds.
import { createHash } from 'node:crypto';
import { pipelineRunLabel, stageLabel } from '../../../../api/v1alpha1/labels.ts';
import { isNotFound } from '../../../../core/errors.ts';
import type { KubeObject } from '../../../../core/kube-client.ts';
import type { StageRun } from '../../stage-type.ts';
import { childName, ownerReference } from '../../children.ts';
import { configMaps, parseObjects } from '../reading.ts';
import { BakeError } from './errors.ts';

/** The key of the bake's ConfigMap holding the manifests. */
export const bakeKey = 'manifests.yaml';
/** On the bake's ConfigMap: the sha256 of its manifests, which deployManifest checks before it deploys them. */
export const bakeShaAnnotation = 'staysail.dev/manifests-sha256';
/** The most a bake keeps: a ConfigMap holds 1 MiB in all, and its metadata and the API server's overhead need some of it. */
export const maxBakeBytes = 900 * 1024;

/** An object the bake rendered. */
export interface BakedObject { apiVersion: string; kind: string; name: string; namespace?: string }

/** The most objects a bake's outputs list: they are in the run's status, which must stay small; objectCount says how many there are. */
export const maxListedObjects = 100;

/** What a bake's outputs say: where its manifests are, their sha256, how many objects and the first of them. */
export interface BakeOutputs { configMap: string; key: string; sha256: string; objectCount: number; objects: BakedObject[] }

const shortHash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 6);

/**
 * The ConfigMap of a run's bake stage: <run>-<refId>-manifests (the run and stage part at most 63
 * characters). A refId a name cannot hold as it is (bake_web, Bake-Web) gets a short hash of itself,
 * so it does not share bake-web's ConfigMap.
 */
export function bakeConfigMapName(run: string, refId: string): string {
  const part = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(refId) ? refId : `${refId}-${shortHash(refId)}`;
  return `${childName(run, part)}-manifests`;
}

export const sha256Of = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The objects the rendered YAML holds; refuses YAML that does not parse or is too big to keep. */
export function summarize(text: string): { sha256: string; objects: BakedObject[] } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBakeBytes) {
    throw new BakeError(`the rendered manifests are ${Math.ceil(bytes / 1024)} KiB, above the ${maxBakeBytes / 1024} KiB a bake keeps; render fewer objects, or split them across stages`);
  }
  const objects = parseObjects(text, 'the rendered output', (m) => new BakeError(m)).map(({ object: o }) =>
    ({ apiVersion: o.apiVersion!, kind: o.kind!, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }));
  return { sha256: sha256Of(text), objects };
}

/**
 * Keeps the manifests in the run's ConfigMap for this stage: created, or (a pass repeated after a
 * crash, a restarted stage) left as it is when it already holds them, else rewritten. One not made
 * by this run for this stage (another owner, or another stage's label) is never touched.
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
  const madeFor = existing.metadata.labels?.[stageLabel];
  if (madeFor !== s.stage.refId) {
    throw new BakeError(`ConfigMap ${name} exists but was made by this run for ${madeFor === undefined ? 'no stage' : `stage "${madeFor}"`} (label ${stageLabel}); delete it, then restart the stage`);
  }
  if (existing.metadata.annotations?.[bakeShaAnnotation] === sha256) return name;
  await s.client.mergePatch(configMaps, ns, name, { metadata: { annotations: desired.metadata.annotations }, data: desired.data });
  return name;
}
