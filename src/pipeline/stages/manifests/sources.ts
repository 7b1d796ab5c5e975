// Where a manifest stage's manifests come from: inline in its block (the run's expressions already
// evaluated), the YAML documents of a ConfigMap's key (evaluated here with the run's scope), or what
// an upstream bakeManifest stage rendered (left as rendered unless evaluateExpressions asks).
import type { KubeObject } from '../../../core/kube-client.ts';
import { interpolate } from '../../expressions.ts';
import { downstreamOf, type StageNode } from '../../graph/dag.ts';
import type { StageRun } from '../stage-type.ts';
import { bakeShaAnnotation, sha256Of, type BakeOutputs } from './bake/output.ts';
import { configMaps, parseObjects, readNamed } from './reading.ts';

export interface ManifestsFrom { configMapRef?: { name: string }; key?: string; stage?: string; evaluateExpressions?: boolean }
export interface ManifestSource { manifests?: KubeObject[]; manifestsFrom?: ManifestsFrom }

/** What the manifests are not, when a person must fix them. */
export class ManifestSourceError extends Error {}

const refuse = (message: string) => new ManifestSourceError(message);

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

/** The YAML documents of text, checked, with expressions evaluated when asked. */
const parseManifests = (s: StageRun, text: string, where: string, evaluate: boolean): KubeObject[] =>
  parseObjects(text, where, refuse, evaluate ? (v) => interpolate(v, s.scope) : undefined).map((p) => p.object);

const readConfigMap = (s: StageRun, name: string, field: string) => readNamed<KubeObject & { data?: Record<string, string> }>(s, configMaps, name, field, refuse);

/**
 * Whether the bake is upstream of this stage: by the run's copy of the pipeline when it has one,
 * else (a pass before the copy was read back) by this stage's own requisiteStageRefIds.
 */
function isUpstream(s: StageRun, bake: string): boolean {
  const stages = (s.run.status as { pipelineSpec?: { stages?: StageNode[] } } | undefined)?.pipelineSpec?.stages;
  if (stages?.length) return downstreamOf(stages, bake).includes(s.stage.refId);
  return (s.stage.requisiteStageRefIds ?? []).includes(bake);
}

/** The manifests an upstream bakeManifest stage rendered, checked to be what it rendered. */
async function loadBaked(s: StageRun, from: ManifestsFrom & { stage: string }): Promise<KubeObject[]> {
  if (!isUpstream(s, from.stage)) {
    throw new ManifestSourceError(`manifestsFrom.stage "${from.stage}" is not upstream of this stage; add it to requisiteStageRefIds so the bake finishes first`);
  }
  const bake = (s.scope.stages[from.stage] as { outputs?: Partial<BakeOutputs> } | undefined)?.outputs;
  if (!bake?.configMap || !bake.key || !bake.sha256) {
    throw new ManifestSourceError(`manifestsFrom.stage "${from.stage}" has no rendered manifests in its outputs; name a bakeManifest stage that succeeded`);
  }
  const cm = await readConfigMap(s, bake.configMap, `the outputs of stage "${from.stage}"`);
  const where = `ConfigMap "${bake.configMap}" of stage "${from.stage}"`;
  const text = cm.data?.[bake.key];
  if (text === undefined || sha256Of(text) !== bake.sha256 || cm.metadata.annotations?.[bakeShaAnnotation] !== bake.sha256) {
    throw new ManifestSourceError(`${where} no longer holds the manifests the bake rendered (sha256 ${bake.sha256}); restart stage "${from.stage}"`);
  }
  return parseManifests(s, text, where, from.evaluateExpressions === true);
}

/** The manifests the block names; a ManifestSourceError says what is wrong with them (the stage's failure adds the stage's name). */
/**
 * The most objects one deployManifest applies: the run's status lists each (outputs and the stage's
 * state), and the whole PipelineRun must stay well inside etcd's object size limit.
 */
export const maxManifests = 500;

export async function loadManifests(s: StageRun, source: ManifestSource): Promise<KubeObject[]> {
  const all = await loadAll(s, source);
  if (all.length > maxManifests) {
    throw new ManifestSourceError(`${source.manifestsFrom?.stage ? `manifestsFrom.stage "${source.manifestsFrom.stage}"` : 'manifestsFrom'} holds ${all.length} manifests; `
      + `one deployManifest applies at most ${maxManifests} (the run's status lists each): split them over several deployManifest stages`);
  }
  return all;
}

async function loadAll(s: StageRun, source: ManifestSource): Promise<KubeObject[]> {
  if (source.manifests) return checked(source.manifests, 'manifests');
  const from = source.manifestsFrom!;
  if (from.stage) return loadBaked(s, { ...from, stage: from.stage });
  const cm = await readConfigMap(s, from.configMapRef!.name, 'manifestsFrom.configMapRef');
  const where = `ConfigMap "${from.configMapRef!.name}" key "${from.key}"`;
  const text = cm.data?.[from.key!];
  if (text === undefined) throw new ManifestSourceError(`${where} does not exist; it has ${Object.keys(cm.data ?? {}).map((k) => `"${k}"`).join(', ') || 'no keys'}`);
  return parseManifests(s, text, where, from.evaluateExpressions !== false);
}
