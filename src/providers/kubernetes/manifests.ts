// Manifests on Kubernetes, applied as they are: server-side apply under the stage's field manager into
// the Account's cluster, each object in the namespace it names or the location's, and only where the
// Account may act (namespaceOf). The Account decides the kinds (spec.kubernetes.manifests): kinds
// it omits are refused, and so are kinds it does not list when it lists some; a cluster-scoped kind
// (a ClusterRole, a CRD) only when listed, since an Account is a namespace's way into the cluster and
// such an object reaches past every namespace. A batch is checked whole (kinds, scopes, namespaces)
// before any of it is applied.
import { isNotFound } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import type { KubeClient, KubeObject } from '../../core/kube-client.ts';
import { group } from '../../api/v1alpha1/common.ts';
import { conflict, invalid } from '../errors.ts';
import { checkKindAllowed } from '../manifest-kinds.ts';
import type { Location, ManifestProvider, Owner, ProviderAccount } from '../interfaces.ts';
import { computeStatus } from './kstatus.ts';
import { servedKind, type ServedKind } from './manifests-discovery.ts';
import { namespaceOf } from './namespace.ts';
import { ownerReferences } from './owners.ts';
import { typed, type ClientFor } from './server-groups.ts';

const describeRef = (ref: { kind?: string; name?: string; namespace?: string }) =>
  `${ref.kind ?? 'object'} "${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? ''}"`;

const patchTypes = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json' } as const;
const cascades = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan' } as const;

/** Where a manifest goes: its kind as served, and the namespace the Account lets it into (none for a cluster-scoped kind). */
interface Target { client: KubeClient; rt: ServedKind; ns: string | undefined }

/** A controller owner reference to one of Staysail's kinds: that object already has a writer (docs/adr/0003). */
const staysailController = (obj: KubeObject | undefined) =>
  obj?.metadata.ownerReferences?.find((r) => r.controller && r.apiVersion.startsWith(`${group}/`));

/** The namespace a manifest goes to (its own, else the location's, else the Account's), where the Account may act. */
function manifestNamespace(a: ProviderAccount, l: Location, own: string | undefined, what: string): string {
  try {
    return namespaceOf(a, { ...l, namespace: own ?? l.namespace });
  } catch {
    const ns = own ?? l.namespace ?? a.namespace;
    const allowed = [a.namespace, ...(a.spec.kubernetes?.namespaces ?? [])];
    throw invalid(`${what}: namespace "${ns}" is not one Account "${a.name}" may deploy to (${allowed.join(', ')}); ` +
      `use one of those, or add it to the Account's spec.kubernetes.namespaces`);
  }
}

export { checkKindAllowed };

/** Invalid when the kind is cluster-scoped and the Account does not list it in spec.kubernetes.manifests.kinds. */
function checkScope(a: ProviderAccount, rt: ServedKind, ref: { kind?: string; name?: string }): void {
  if (rt.namespaced || (a.spec.kubernetes?.manifests?.kinds ?? []).includes(rt.kind)) return;
  throw invalid(`Account "${a.name}": ${ref.kind} "${ref.name}" is cluster-scoped, and the Account deploys namespaced kinds only unless its ` +
    `spec.kubernetes.manifests.kinds lists the kind; add ${ref.kind} there (which reaches past every namespace), or make ${ref.kind} objects ` +
    'outside the pipeline (kubectl, a GitOps tool) with cluster-wide rights');
}

export function kubernetesManifests(clientFor: ClientFor, clock: Clock): ManifestProvider {
  /** what: how messages name the object, when not by its kind and name (a list). */
  async function target(a: ProviderAccount, l: Location, ref: { apiVersion?: string; kind?: string; name?: string; namespace?: string },
    what = describeRef(ref)): Promise<Target> {
    if (!ref.apiVersion || !ref.kind || !ref.name) throw invalid(`${what}: a manifest needs apiVersion, kind and metadata.name`);
    checkKindAllowed(a, ref.kind, what);
    const client = await clientFor(a);
    const rt = await servedKind(client, ref.apiVersion, ref.kind, `Account "${a.name}": ${what}`);
    checkScope(a, rt, ref);
    return { client, rt, ns: rt.namespaced ? manifestNamespace(a, l, ref.namespace, what) : undefined };
  }

  /**
   * Refuses a batch whose kinds or namespaces the Account does not allow before any of it is applied.
   * A kind the cluster does not serve yet (its CRD is earlier in the batch) is checked when its turn comes.
   */
  async function checkBatch(a: ProviderAccount, l: Location, manifests: KubeObject[]): Promise<void> {
    const client = await clientFor(a);
    for (const m of manifests) {
      const what = describeRef({ kind: m.kind, name: m.metadata?.name, namespace: m.metadata?.namespace ?? l.namespace ?? a.namespace });
      if (!m.apiVersion || !m.kind || !m.metadata?.name) throw invalid(`${what}: a manifest needs apiVersion, kind and metadata.name`);
      checkKindAllowed(a, m.kind, what);
      const rt = await servedKind(client, m.apiVersion, m.kind, `Account "${a.name}": ${what}`).catch(() => undefined);
      if (rt) checkScope(a, rt, { kind: m.kind, name: m.metadata.name });
      if (rt?.namespaced) manifestNamespace(a, l, m.metadata.namespace, what);
    }
  }

  const get = async (t: Target, name: string) => {
    try { return await t.client.get(t.rt, t.ns, name); } catch (err) { if (isNotFound(err)) return undefined; throw err; }
  };

  /** Conflict when one of Staysail's kinds controls the object, which has a writer already (docs/adr/0003). */
  const refuseControlled = (what: string, obj: KubeObject | undefined, doing: string) => {
    const writer = staysailController(obj);
    if (writer) throw conflict(`${what} is controlled by ${writer.kind} "${writer.name}", which writes it; change the ${writer.kind} instead of ${doing} the object`);
  };

  /** The target of a delete, patch or scale, refused when one of Staysail's kinds controls the object. */
  async function uncontrolled(a: ProviderAccount, l: Location, ref: { apiVersion: string; kind: string; name: string; namespace?: string }, doing: string) {
    const t = await target(a, l, ref);
    const what = describeRef({ ...ref, namespace: t.ns });
    const existing = await get(t, ref.name);
    refuseControlled(what, existing, doing);
    return { t, what, existing };
  }

  async function applyOne(a: ProviderAccount, l: Location, manifest: KubeObject,
    options: { fieldManager: string; force?: boolean; owner?: Owner }): Promise<KubeObject> {
    const t = await target(a, l, { apiVersion: manifest.apiVersion, kind: manifest.kind, name: manifest.metadata?.name, namespace: manifest.metadata?.namespace });
    const what = describeRef({ kind: t.rt.kind, name: manifest.metadata.name, namespace: t.ns });
    refuseControlled(what, await get(t, manifest.metadata.name), 'applying');
    refuseControlled(what, manifest, 'applying');
    // A cluster-scoped object cannot be owned by a namespaced one (the garbage collector would take it as orphaned).
    const refs = options.owner && t.ns ? ownerReferences(a, t.ns, options.owner) : [];
    const { namespace: _ns, ...own } = manifest.metadata;
    const metadata = { ...own, ...(t.ns ? { namespace: t.ns } : {}),
      ...(refs.length ? { ownerReferences: [...(manifest.metadata.ownerReferences ?? []), ...refs] } : {}) };
    const { apiVersion: _v, kind: _k, ...rest } = manifest;
    return typed(what, () => t.client.apply(t.rt, { ...rest, metadata }, options.fieldManager, { force: options.force ?? false }));
  }

  return {
    async apply(a, l, manifests, options) {
      await checkBatch(a, l, manifests);
      const applied: KubeObject[] = [];
      for (const m of manifests) applied.push(await applyOne(a, l, m, options));
      return applied;
    },

    async delete(a, l, ref, options = {}) {
      const { t, existing } = await uncontrolled(a, l, ref, 'deleting');
      if (!existing) return;
      try {
        await t.client.delete(t.rt, t.ns, ref.name, { propagationPolicy: cascades[options.cascade ?? 'background'] });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },

    async patch(a, l, ref, patch, options) {
      const { t, what } = await uncontrolled(a, l, ref, 'patching');
      return typed(what, () => t.client.request<KubeObject>('patch', 'PATCH', t.client.path(t.rt, t.ns, ref.name),
        { body: patch.body, contentType: patchTypes[patch.type], query: { fieldManager: options.fieldManager } }));
    },

    async scale(a, l, ref, replicas) {
      const { t, what } = await uncontrolled(a, l, ref, 'scaling');
      if (!t.rt.scalable) throw invalid(`${what}: kind ${ref.kind} has no scale subresource, so it cannot be scaled; patch its replicas field instead`);
      await typed(what, () => t.client.request('patch', 'PATCH', t.client.path(t.rt, t.ns, ref.name, 'scale'),
        { body: { spec: { replicas } }, contentType: patchTypes.merge }));
    },

    async status(a, l, ref) {
      const t = await target(a, l, ref);
      const obj = await get(t, ref.name);
      if (!obj) return { status: 'InProgress', message: `${describeRef({ ...ref, namespace: t.ns })} does not exist` };
      return computeStatus({ ...obj, apiVersion: ref.apiVersion, kind: ref.kind }, clock.now());
    },

    async read(a, l, ref) {
      const t = await target(a, l, ref);
      const obj = await get(t, ref.name);
      return obj && { ...obj, apiVersion: ref.apiVersion, kind: ref.kind };
    },

    async list(a, l, kind, labelSelector) {
      const ns = l.namespace ?? a.namespace;
      const what = `the ${kind.kind} objects${labelSelector ? ` matching ${labelSelector}` : ''} in namespace "${ns}"`;
      const t = await target(a, l, { ...kind, name: '(list)' }, what);
      return (await t.client.list(t.rt, t.ns, { labelSelector })).items;
    },
  };
}

