// Spinnaker's manifest versioning, pure: a ConfigMap, Secret or bare ReplicaSet is deployed as
// <name>-vNNN (v000 first, then one more than the highest there is), unless the same content was
// deployed before, which reuses that version; the other manifests' references to it are rewritten to
// the version deployed. The annotation strategy.staysail.dev/versioned turns it off ("false") or on
// ("true") for one manifest. Older versions beyond maxVersionHistory are pruned once a deploy succeeds.
import { templateHash } from '../../../api/template-hash.ts';
import { artifactNameLabel, artifactVersionAnnotation, manifestHashAnnotation, monikerSequenceLabel,
  versionedAnnotation } from '../../../api/v1alpha1/labels.ts';
import type { KubeObject } from '../../../core/kube-client.ts';
import { renameKey, rewriteReferences, type Renames } from './references.ts';

/** Kinds versioned unless a manifest says otherwise (Spinnaker's, less bare Pods, which a Deployment never names). */
export const versionedKinds = ['ConfigMap', 'Secret', 'ReplicaSet'];
/** Kinds that pods name, whose versioning rewrites the other manifests. */
const referencedKinds = ['ConfigMap', 'Secret'] as const;

/** A versioned object as deployed: the name its manifest gave it and its version. */
export interface Version { kind: string; baseName: string; namespace?: string; name: string; sequence: number; reused: boolean }

/** The key of a versioned manifest's family: its kind, namespace and base name. */
export const familyKey = (kind: string, namespace: string | undefined, baseName: string) => `${kind}/${namespace ?? ''}/${baseName}`;

export const versionName = (baseName: string, sequence: number) => `${baseName}-v${String(sequence).padStart(3, '0')}`;

/** Whether the manifest is deployed as a version of itself. */
export function isVersioned(m: KubeObject): boolean {
  const says = m.metadata?.annotations?.[versionedAnnotation];
  if (says === 'false') return false;
  if (says === 'true') return true;
  return versionedKinds.includes(m.kind ?? '') && !(m.kind === 'ReplicaSet' && m.metadata.ownerReferences?.length);
}

/** The hash of what a manifest deploys: everything but its name and the labels and annotations versioning adds. */
export function contentHash(m: KubeObject): string {
  const { metadata, ...rest } = m;
  const { name: _n, namespace: _ns, resourceVersion: _rv, uid: _u, creationTimestamp: _c, managedFields: _m, generation: _g, ...meta } = metadata;
  return templateHash({ ...rest, metadata: meta });
}

/**
 * Versioned manifests' existing versions, by familyKey (listed by artifactNameLabel); and versions
 * already chosen for a family (a stage resumed after it applied), which are kept whatever exists.
 */
export interface VersionFacts { existing: Record<string, KubeObject[]>; chosen?: Record<string, number> }

/** The version a family's manifest is deployed as: the one chosen before, a version of the same content, or the next. */
function chooseVersion(m: KubeObject, hash: string, key: string, facts: VersionFacts): { sequence: number; reused: boolean } {
  const existing = facts.existing[key] ?? [];
  const sequenceOf = (o: KubeObject) => Number(o.metadata.labels?.[monikerSequenceLabel] ?? NaN);
  const chosen = facts.chosen?.[key];
  if (chosen !== undefined) {
    return { sequence: chosen, reused: existing.some((o) => sequenceOf(o) === chosen && o.metadata.annotations?.[manifestHashAnnotation] === hash) };
  }
  const same = existing.find((o) => o.metadata.annotations?.[manifestHashAnnotation] === hash && !o.metadata.deletionTimestamp);
  if (same && Number.isInteger(sequenceOf(same))) return { sequence: sequenceOf(same), reused: true };
  const highest = Math.max(-1, ...existing.map(sequenceOf).filter(Number.isInteger));
  return { sequence: highest + 1, reused: false };
}

/** The manifest renamed to its version, with the labels and annotations that record it. */
function asVersion(m: KubeObject, baseName: string, sequence: number, hash: string): KubeObject {
  return { ...m, metadata: { ...m.metadata, name: versionName(baseName, sequence),
    labels: { ...(m.metadata.labels ?? {}), [artifactNameLabel]: baseName, [monikerSequenceLabel]: String(sequence) },
    annotations: { ...(m.metadata.annotations ?? {}), [artifactVersionAnnotation]: `v${String(sequence).padStart(3, '0')}`, [manifestHashAnnotation]: hash } } };
}

/** What deployManifest applies: the manifests, versioned and rewritten, and the versions they came to. */
export interface VersionPlan { manifests: KubeObject[]; versions: Version[] }

/**
 * Versions the manifests: first the ConfigMaps and Secrets (pods name them), whose new names are then
 * written into every manifest; then the other versioned ones, hashed after that rewrite, so a
 * ReplicaSet that names a new ConfigMap version is a new version itself.
 */
export function planVersions(manifests: KubeObject[], facts: VersionFacts, options: { skipVersioning?: boolean } = {}): VersionPlan {
  if (options.skipVersioning) return { manifests, versions: [] };
  const versions: Version[] = [];
  const renames: Renames = {};
  const version = (m: KubeObject): KubeObject => {
    const baseName = m.metadata.name;
    const key = familyKey(m.kind!, m.metadata.namespace, baseName);
    const hash = contentHash(m);
    const { sequence, reused } = chooseVersion(m, hash, key, facts);
    const v = asVersion(m, baseName, sequence, hash);
    versions.push({ kind: m.kind!, baseName, ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}), name: v.metadata.name, sequence, reused });
    return v;
  };
  const referenced = (m: KubeObject) => (referencedKinds as readonly string[]).includes(m.kind ?? '') && isVersioned(m);
  const first = manifests.map((m) => {
    if (!referenced(m)) return m;
    const v = version(m);
    const kind = m.kind as (typeof referencedKinds)[number];
    (renames[kind] ??= {})[renameKey(m.metadata.namespace, m.metadata.name)] = v.metadata.name;
    return v;
  });
  const rewritten = first.map((m) => rewriteReferences(m, renames));
  const out = rewritten.map((m, i) => (!referenced(manifests[i]!) && isVersioned(m) ? version(m) : m));
  return { manifests: out, versions };
}

/** A version to delete: the object as listed and its family's kind (a listed object may not carry its kind). */
export interface Doomed { kind: string; object: KubeObject }

/**
 * The versions to delete once a deploy succeeded: of each family deployed, all but the
 * maxVersionHistory highest, never the one just deployed nor one above it (a newer run's, which
 * that run may still be using). Undefined maxVersionHistory keeps all.
 */
export function planPrune(versions: Version[], existing: Record<string, KubeObject[]>, maxVersionHistory: number | undefined): Doomed[] {
  if (maxVersionHistory === undefined) return [];
  return versions.flatMap((v) => {
    const family = (existing[familyKey(v.kind, v.namespace, v.baseName)] ?? [])
      .filter((o) => o.metadata.name !== v.name && !o.metadata.deletionTimestamp)
      .map((o) => ({ o, sequence: Number(o.metadata.labels?.[monikerSequenceLabel] ?? -1) }))
      .filter(({ sequence }) => !(sequence >= v.sequence))
      .sort((a, b) => b.sequence - a.sequence);
    // The deployed version counts as one of those kept, whatever its place.
    return family.slice(Math.max(0, maxVersionHistory - 1)).map(({ o }) => ({ kind: v.kind, object: o }));
  });
}
