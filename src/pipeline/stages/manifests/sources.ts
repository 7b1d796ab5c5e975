// Where a manifest stage's manifests come from: inline in its block (the run's expressions already
// evaluated), or the YAML documents of a ConfigMap's key, evaluated here with the run's scope.
import { parseAllDocuments } from 'yaml';
import { isNotFound } from '../../../core/errors.ts';
import type { KubeObject, ResourceType } from '../../../core/kube-client.ts';
import { interpolate } from '../../expressions.ts';
import type { StageRun } from '../stage-type.ts';

const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

export interface ManifestSource { manifests?: KubeObject[]; manifestsFrom?: { configMapRef: { name: string }; key: string } }

/** What the manifests are not, when a person must fix them. */
export class ManifestSourceError extends Error {}

/** Each manifest checked to be an object with apiVersion, kind and metadata.name. */
function checked(manifests: unknown[], where: string): KubeObject[] {
  return manifests.map((m, i) => {
    const o = m as Partial<KubeObject> | null;
    if (!o || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new ManifestSourceError(`${where}: manifest ${i + 1} needs apiVersion, kind and metadata.name`);
    }
    return o as KubeObject;
  });
}

/** The manifests the block names; a ManifestSourceError says what is wrong with them. */
export async function loadManifests(s: StageRun, source: ManifestSource): Promise<KubeObject[]> {
  const refId = s.stage.refId;
  if (source.manifests) return checked(source.manifests, `${s.stage.type} "${refId}"`);
  const from = source.manifestsFrom!;
  const ns = s.run.metadata.namespace!;
  let cm: KubeObject & { data?: Record<string, string> };
  try {
    cm = await s.client.get(configMaps, ns, from.configMapRef.name);
  } catch (err) {
    if (isNotFound(err)) throw new ManifestSourceError(`${s.stage.type} "${refId}": ConfigMap "${from.configMapRef.name}" (manifestsFrom.configMapRef) does not exist in namespace "${ns}"`);
    throw err;
  }
  const where = `${s.stage.type} "${refId}": ConfigMap "${from.configMapRef.name}" key "${from.key}"`;
  const text = cm.data?.[from.key];
  if (text === undefined) throw new ManifestSourceError(`${where} does not exist; it has ${Object.keys(cm.data ?? {}).map((k) => `"${k}"`).join(', ') || 'no keys'}`);
  const docs = parseAllDocuments(text);
  const bad = docs.find((d) => d.errors.length > 0);
  if (bad) throw new ManifestSourceError(`${where} is not YAML: ${bad.errors[0]!.message}`);
  const values = docs.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
  return checked(values.map((v) => interpolate(v, s.scope)), where);
}
