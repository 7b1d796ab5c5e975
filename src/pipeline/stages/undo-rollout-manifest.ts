// undoRolloutManifest: rolls a workload back as kubectl rollout undo does. A Deployment's history is
// its ReplicaSets (deployment.kubernetes.io/revision): the one wanted gives its pod template, less
// the pod-template-hash label, by a JSON patch. A StatefulSet's or DaemonSet's is its
// ControllerRevisions: the one wanted holds a strategic merge patch of the template, which is sent
// as it is. Both under staysail-undoRolloutManifest; then it waits until the workload is Current by
// kstatus. What it rolls back to is recorded before the patch, because the rollback renumbers it: a
// pass repeated after a crash patches the same template again (a no-op) instead of going back further.
// A paused Deployment is refused at once: it would take the template and never roll it out.
import type { KubeObject } from '../../core/kube-client.ts';
import { invalid } from '../../providers/errors.ts';
import type { ManifestRef } from '../../providers/interfaces.ts';
import { awaitStable, failureOf, isOutcome, manifestContext, manifestStageTimeoutMs, type ManifestContext } from './manifests/common.ts';
import { refName } from './manifests/progress.ts';
import { selectorString } from './manifests/traffic.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

/** The annotation the Deployment controller numbers a Deployment and its ReplicaSets with. */
export const revisionAnnotation = 'deployment.kubernetes.io/revision';

type Config = { accountRef: { name: string }; namespace?: string; target: Omit<ManifestRef, 'namespace'>; numRevisionsBack?: number; revision?: number;
  waitForStable?: boolean };
/** What is rolled back to (a ReplicaSet or a ControllerRevision), chosen on the first pass, and whether the workload has been given its template. */
interface State { source: string; kind: 'ReplicaSet' | 'ControllerRevision'; revision: number; patched?: boolean }

/** A revision of a workload's history: the object that holds it and its number. */
export interface Revision { name: string; revision: number }

type PodTemplate = { metadata?: { labels?: Record<string, string> } } & Record<string, unknown>;
type Workload = KubeObject<{ selector?: Parameters<typeof selectorString>[0]; template?: PodTemplate; paused?: boolean }>;

/** Invalid for a paused Deployment, which takes a template change but rolls nothing out until resumed, so waiting on it would last until the timeout. */
export function refusePaused(w: KubeObject, what: string, doing: string): void {
  if (w.kind === 'Deployment' && (w as Workload).spec?.paused) {
    throw invalid(`${what} is paused (spec.paused), so ${doing} would roll nothing out; resume it first (kubectl rollout resume, or spec.paused: false)`);
  }
}

const revisionOf = (o: KubeObject) => Number(o.metadata.annotations?.[revisionAnnotation] ?? NaN);

/**
 * The revision to roll back to among a workload's (by number): `revision`, or the numRevisionsBack-th
 * below the current one (kubectl's default: the previous one). A string says why there is none.
 */
export function chooseRevision(history: Revision[], current: number, want: { numRevisionsBack?: number; revision?: number }): Revision | string {
  const numbered = history.filter((r) => Number.isInteger(r.revision)).sort((a, b) => b.revision - a.revision);
  const have = numbered.length ? `it has revisions ${numbered.map((r) => r.revision).reverse().join(', ')}` : 'it has no revisions';
  if (want.revision !== undefined) {
    if (want.revision === current) return `revision ${want.revision} is the current one (${have})`;
    return numbered.find((r) => r.revision === want.revision) ?? `it has no revision ${want.revision} (${have}; older ones are kept only up to spec.revisionHistoryLimit)`;
  }
  const back = want.numRevisionsBack ?? 1;
  const older = numbered.filter((r) => r.revision < current);
  return older[back - 1] ?? `it has no revision ${back} back from revision ${current} (${have}; older ones are kept only up to spec.revisionHistoryLimit)`;
}

/** The ReplicaSet's pod template as the Deployment is to have it: without the pod-template-hash label the Deployment controller adds. */
export function rollbackTemplate(rs: KubeObject): PodTemplate {
  const template = (rs as Workload).spec?.template ?? {};
  const { 'pod-template-hash': _hash, ...labels } = template.metadata?.labels ?? {};
  return { ...template, metadata: { ...(template.metadata ?? {}), labels } };
}

/**
 * Chooses what to roll back to among the workload's own history (by controller owner reference): a
 * Deployment's ReplicaSets, a StatefulSet's or DaemonSet's ControllerRevisions. Invalid naming the
 * workload and the revision when there is none.
 */
async function choose(ctx: ManifestContext, ref: ManifestRef, c: Config): Promise<State> {
  const w = await ctx.mp.read(ctx.account, ctx.location, ref) as Workload | undefined;
  if (!w) throw invalid(`${refName(ref)} does not exist; check target.name (e.g. the deploy stage's outputs.manifests names what it deployed)`);
  refusePaused(w, refName(ref), 'rolling it back');
  const kind = ref.kind === 'Deployment' ? 'ReplicaSet' as const : 'ControllerRevision' as const;
  const history = (await ctx.mp.list(ctx.account, ctx.location, { apiVersion: 'apps/v1', kind }, selectorString(w.spec?.selector)))
    .filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === w.metadata.uid))
    .map((r) => ({ name: r.metadata.name, revision: kind === 'ReplicaSet' ? revisionOf(r) : Number((r as { revision?: number }).revision) }));
  const highest = Math.max(0, ...history.map((r) => r.revision).filter(Number.isInteger));
  const current = kind === 'ReplicaSet' && Number.isInteger(revisionOf(w)) ? revisionOf(w) : highest;
  const chosen = chooseRevision(history, current, c);
  if (typeof chosen === 'string') throw invalid(`${refName(ref)} cannot be rolled back: ${chosen}; name one it has in revision, or fewer numRevisionsBack`);
  return { source: chosen.name, kind, revision: chosen.revision };
}

/** The patch that gives the workload the template of what it is rolled back to; Invalid when that is gone. */
async function rollbackPatch(ctx: ManifestContext, ref: ManifestRef, state: State): Promise<{ type: 'json' | 'strategic'; body: unknown }> {
  const from = await ctx.mp.read(ctx.account, ctx.location, { apiVersion: 'apps/v1', kind: state.kind, name: state.source, namespace: ref.namespace });
  if (!from) throw invalid(`${refName(ref)} cannot be rolled back to revision ${state.revision}: its ${state.kind} "${state.source}" is gone`);
  if (state.kind === 'ReplicaSet') return { type: 'json', body: [{ op: 'replace', path: '/spec/template', value: rollbackTemplate(from) }] };
  // What the StatefulSet or DaemonSet controller stored: a strategic merge patch replacing the template.
  return { type: 'strategic', body: (from as { data?: unknown }).data };
}

export const undoRolloutManifestStage: StageType = {
  type: 'undoRolloutManifest',
  retryable: true,
  defaultTimeoutMs: manifestStageTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const ctx = manifestContext(s, c);
    if (isOutcome(ctx)) return ctx;
    const ref: ManifestRef = { ...c.target, namespace: ctx.location.namespace };
    let state = s.record.state?.source ? s.record.state as unknown as State : undefined;
    try {
      if (!state) {
        state = await choose(ctx, ref, c);
        // Recorded before the patch: the rollback gives that ReplicaSet a new revision number.
        return { status: 'RUNNING', message: `rolling ${refName(ref)} back to revision ${state.revision}`, pollAfterMs: 0, state: { ...state } };
      }
      if (!state.patched) {
        await ctx.mp.patch(ctx.account, ctx.location, ref, await rollbackPatch(ctx, ref, state), { fieldManager: 'staysail-undoRolloutManifest' });
        state = { ...state, patched: true };
      }
    } catch (err) {
      return failureOf(s, err);
    }
    const outputs = { manifest: ref, revision: state.revision, [state.kind === 'ReplicaSet' ? 'replicaSet' : 'controllerRevision']: state.source };
    const kept = state as unknown as Record<string, unknown>;
    if (c.waitForStable !== false) {
      const waiting = await awaitStable(s, ctx, [ref]);
      if (waiting) return { ...waiting, outputs, state: kept };
    }
    return { status: 'SUCCEEDED', message: `rolled ${refName(ref)} back to revision ${state.revision} (${state.kind} "${state.source}")`, outputs, state: kept };
  },
};
