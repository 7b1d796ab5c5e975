// deployManifest: applies Kubernetes manifests through the Account's ManifestProvider (server-side
// apply as staysail-deployManifest, docs/adr/0003), versioning ConfigMaps, Secrets and bare
// ReplicaSets, then waits until every object is Current by kstatus and prunes old versions. What it
// applied is kept in the stage's state: later passes only look, so a stage resumed after a crash
// waits on the same objects; one that crashed before recording them applies again and, the content
// being the same, reuses the versions it made (planVersions) instead of making new ones.
import { artifactNameLabel } from '../../api/v1alpha1/labels.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import type { Location, ManifestProvider, ManifestRef, ProviderAccount } from '../../providers/interfaces.ts';
import { awaitStable, failureOf, isOutcome, manifestContext, manifestStageTimeoutMs } from './manifests/common.ts';
import { manifestPollMs, refName } from './manifests/progress.ts';
import { loadManifests, type ManifestSource } from './manifests/sources.ts';
import { familyKey, isVersioned, planPrune, planVersions, type Version } from './manifests/versioning.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

/** The field manager of what deployManifest applies. */
export const deployManifestFieldManager = 'staysail-deployManifest';

type Config = ManifestSource & { accountRef: { name: string }; namespace?: string; maxVersionHistory?: number; skipVersioning?: boolean;
  waitForStable?: boolean; failOnConflict?: boolean };

/** An object the stage applied, as its outputs list it. */
export interface AppliedManifest extends ManifestRef { namespace: string; version?: string }
interface State { applied: AppliedManifest[]; versions: Version[] }

/** "configMap web-config-v001", as Spinnaker names what it deployed. */
const deployedName = (m: ManifestRef) => `${m.kind.charAt(0).toLowerCase()}${m.kind.slice(1)} ${m.name}`;

const outputsOf = (state: State) => ({ manifests: state.applied, deployedNames: state.applied.map(deployedName) });

/** The existing versions of each versioned family among the manifests, by familyKey. */
async function existingVersions(mp: ManifestProvider, account: ProviderAccount, manifests: KubeObject[]): Promise<Record<string, KubeObject[]>> {
  const existing: Record<string, KubeObject[]> = {};
  for (const m of manifests.filter(isVersioned)) {
    const key = familyKey(m.kind!, m.metadata.namespace, m.metadata.name);
    existing[key] ??= await mp.list(account, { namespace: m.metadata.namespace }, { apiVersion: m.apiVersion!, kind: m.kind! },
      `${artifactNameLabel}=${m.metadata.name}`);
  }
  return existing;
}

async function applyManifests(s: StageRun, c: Config, mp: ManifestProvider, account: ProviderAccount, location: Location): Promise<State> {
  const placed = (await loadManifests(s, c)).map((m) => ({ ...m, metadata: { ...m.metadata, namespace: m.metadata.namespace ?? location.namespace } }));
  const existing = c.skipVersioning ? {} : await existingVersions(mp, account, placed);
  const plan = planVersions(placed, { existing }, { skipVersioning: c.skipVersioning });
  const stored = await mp.apply(account, location, plan.manifests, { fieldManager: deployManifestFieldManager, force: !c.failOnConflict });
  const versionOf = new Map(plan.versions.map((v) => [`${v.kind}/${v.namespace}/${v.name}`, `v${String(v.sequence).padStart(3, '0')}`]));
  const applied = stored.map((o, i) => {
    const m = plan.manifests[i]!;
    const version = versionOf.get(`${m.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    return { apiVersion: m.apiVersion!, kind: m.kind!, name: o.metadata.name, namespace: o.metadata.namespace!, ...(version ? { version } : {}) };
  });
  return { applied, versions: plan.versions };
}

/** Deletes the versions past maxVersionHistory of each family deployed (listed afresh: the deploy may have taken a while). */
async function prune(c: Config, mp: ManifestProvider, account: ProviderAccount, state: State): Promise<string[]> {
  if (c.maxVersionHistory === undefined || state.versions.length === 0) return [];
  const families = state.applied.filter((a) => a.version).map((a) => ({ ...a,
    base: state.versions.find((v) => v.kind === a.kind && v.name === a.name)!.baseName }));
  const existing: Record<string, KubeObject[]> = {};
  for (const f of families) {
    existing[familyKey(f.kind, f.namespace, f.base)] = await mp.list(account, { namespace: f.namespace }, f, `${artifactNameLabel}=${f.base}`);
  }
  const doomed = planPrune(state.versions, existing, c.maxVersionHistory);
  for (const { kind, object: o } of doomed) {
    // A ConfigMap and a Secret may share a base name: the family is the one of the doomed version's kind.
    const family = families.find((f) => f.kind === kind && f.namespace === o.metadata.namespace && f.base === o.metadata.labels?.[artifactNameLabel])!;
    await mp.delete(account, { namespace: o.metadata.namespace }, { apiVersion: family.apiVersion, kind, name: o.metadata.name, namespace: o.metadata.namespace });
  }
  return doomed.map(({ object: o }) => o.metadata.name);
}

export const deployManifestStage: StageType = {
  type: 'deployManifest',
  retryable: true,
  defaultTimeoutMs: manifestStageTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const ctx = manifestContext(s, c);
    if (isOutcome(ctx)) return ctx;
    let state = s.record.state?.applied ? s.record.state as unknown as State : undefined;
    if (!state) {
      try {
        state = await applyManifests(s, c, ctx.mp, ctx.account, ctx.location);
      } catch (err) {
        return failureOf(s, err);
      }
      if (c.waitForStable !== false) {
        return { status: 'RUNNING', message: `applied ${state.applied.map(refName).join(', ')}`, pollAfterMs: manifestPollMs,
          outputs: outputsOf(state), state: state as unknown as Record<string, unknown> };
      }
    } else if (c.waitForStable !== false) {
      const waiting = await awaitStable(s, ctx, state.applied);
      if (waiting) return waiting.status === 'FAILED' ? { ...waiting, outputs: outputsOf(state) } : waiting;
    }
    let pruned: string[];
    try {
      pruned = await prune(c, ctx.mp, ctx.account, state);
    } catch (err) {
      return failureOf(s, err);
    }
    const summary = `${state.applied.length === 1 ? refName(state.applied[0]!) : `${state.applied.length} objects`} ${c.waitForStable === false ? 'applied' : 'stable'}`;
    return { status: 'SUCCEEDED', message: `${summary}${pruned.length ? `; pruned ${pruned.join(', ')}` : ''}`, outputs: outputsOf(state),
      state: state as unknown as Record<string, unknown> };
  },
};
