// Where a pod spec names a ConfigMap or a Secret, and the rewrite of those names to the versions a
// deployManifest stage deployed: volumes, projected volumes, envFrom, env valueFrom and (Secrets)
// imagePullSecrets, in every kind that carries a pod spec. Pure: returns a new object.
import type { KubeObject } from '../../../core/kube-client.ts';

/**
 * Versioned names by kind and by the namespace and name the manifests use (renameKey):
 * ConfigMap -> shop/web-config -> web-config-v001. A pod names a ConfigMap of its own namespace
 * only, so a same-named one deployed elsewhere must not rename it.
 */
export type Renames = Partial<Record<'ConfigMap' | 'Secret', Record<string, string>>>;

/** The key of a name in Renames. */
export const renameKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/** The renames of one namespace, by bare name, as a pod spec there names them. */
function inNamespace(renames: Renames, namespace: string | undefined): Renames {
  const prefix = renameKey(namespace, '');
  const scoped: Renames = {};
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    for (const [key, to] of Object.entries(renames[kind] ?? {})) {
      if (key.startsWith(prefix)) (scoped[kind] ??= {})[key.slice(prefix.length)] = to;
    }
  }
  return scoped;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** The pod spec paths of the kinds that have one (CronJob's is a Job template down). */
const podSpecPaths: Record<string, string[][]> = {
  Pod: [['spec']],
  CronJob: [['spec', 'jobTemplate', 'spec', 'template', 'spec']],
};
const templated = ['spec', 'template', 'spec'];

/** Renames name of kind when renames has it. */
const renamed = (renames: Renames, kind: 'ConfigMap' | 'Secret', name: unknown) =>
  (typeof name === 'string' && renames[kind]?.[name]) || name;

/** Sets key of obj (a copy of it) to the versioned name, where there is one. */
function renameAt(obj: Json, key: string, kind: 'ConfigMap' | 'Secret', renames: Renames): Json {
  const to = renamed(renames, kind, obj[key]);
  return to === obj[key] ? obj : { ...obj, [key]: to };
}

function rewriteVolume(v: Json, r: Renames): Json {
  let out = v;
  if (isObject(v.configMap)) out = { ...out, configMap: renameAt(v.configMap, 'name', 'ConfigMap', r) };
  if (isObject(v.secret)) out = { ...out, secret: renameAt(v.secret, 'secretName', 'Secret', r) };
  if (isObject(v.projected) && Array.isArray(v.projected.sources)) {
    out = { ...out, projected: { ...v.projected, sources: list(v.projected.sources).map((s) => ({ ...s,
      ...(isObject(s.configMap) ? { configMap: renameAt(s.configMap, 'name', 'ConfigMap', r) } : {}),
      ...(isObject(s.secret) ? { secret: renameAt(s.secret, 'name', 'Secret', r) } : {}) })) } };
  }
  return out;
}

function rewriteContainer(c: Json, r: Renames): Json {
  const out = { ...c };
  if (Array.isArray(c.envFrom)) {
    out.envFrom = list(c.envFrom).map((e) => ({ ...e,
      ...(isObject(e.configMapRef) ? { configMapRef: renameAt(e.configMapRef, 'name', 'ConfigMap', r) } : {}),
      ...(isObject(e.secretRef) ? { secretRef: renameAt(e.secretRef, 'name', 'Secret', r) } : {}) }));
  }
  if (Array.isArray(c.env)) {
    out.env = list(c.env).map((e) => {
      if (!isObject(e.valueFrom)) return e;
      const vf = e.valueFrom;
      return { ...e, valueFrom: { ...vf,
        ...(isObject(vf.configMapKeyRef) ? { configMapKeyRef: renameAt(vf.configMapKeyRef, 'name', 'ConfigMap', r) } : {}),
        ...(isObject(vf.secretKeyRef) ? { secretKeyRef: renameAt(vf.secretKeyRef, 'name', 'Secret', r) } : {}) } };
    });
  }
  return out;
}

/** A pod spec with its ConfigMap and Secret names rewritten (r: the renames of its namespace, by bare name). */
export function rewritePodSpec(spec: Json, r: Renames): Json {
  const out = { ...spec };
  if (Array.isArray(spec.volumes)) out.volumes = list(spec.volumes).map((v) => rewriteVolume(v, r));
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    if (Array.isArray(spec[key])) out[key] = list(spec[key]).map((c) => rewriteContainer(c, r));
  }
  if (Array.isArray(spec.imagePullSecrets)) out.imagePullSecrets = list(spec.imagePullSecrets).map((s) => renameAt(s, 'name', 'Secret', r));
  return out;
}

/** obj with the value at path replaced by fn of it; obj itself when the path is not there. */
function updateAt(obj: Json, path: string[], fn: (v: Json) => Json): Json {
  const [head, ...rest] = path;
  if (head === undefined) return fn(obj);
  const next = obj[head];
  if (!isObject(next)) return obj;
  return { ...obj, [head]: updateAt(next, rest, fn) };
}

/** The manifest with every reference to a ConfigMap or Secret deployed in its namespace rewritten to the version deployed. */
export function rewriteReferences(manifest: KubeObject, renames: Renames): KubeObject {
  const paths = podSpecPaths[manifest.kind ?? ''] ?? [templated];
  const scoped = inNamespace(renames, manifest.metadata?.namespace);
  let out = manifest as unknown as Json;
  for (const path of paths) out = updateAt(out, path, (spec) => rewritePodSpec(spec, scoped));
  return out as unknown as KubeObject;
}
