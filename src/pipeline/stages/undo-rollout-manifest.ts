// undoRolloutManifest: rolls a Deployment back as kubectl rollout undo does: the ReplicaSet of the
// revision wanted (deployment.kubernetes.io/revision) gives its pod template, less the
// pod-template-hash label, to the Deployment, by a JSON patch under staysail-undoRolloutManifest;
// then it waits until the Deployment is Current by kstatus. The ReplicaSet chosen is recorded before
// the patch, because the rollback renumbers it: a pass repeated after a crash patches the same
// template again (a no-op) instead of going back one more revision.
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
/** The ReplicaSet rolled back to, chosen on the first pass, and whether the Deployment has been given its template. */
interface State { replicaSet: string; revision: number; patched?: boolean }

type PodTemplate = { metadata?: { labels?: Record<string, string> } } & Record<string, unknown>;
type Workload = KubeObject<{ selector?: Parameters<typeof selectorString>[0]; template?: PodTemplate }>;

const revisionOf = (o: KubeObject) => Number(o.metadata.annotations?.[revisionAnnotation] ?? NaN);

/**
 * The ReplicaSet to roll back to among the Deployment's (by revision): the one of `revision`, or the
 * numRevisionsBack-th below the current revision (kubectl's default: the previous one). A string says
 * why there is none.
 */
export function chooseRevision(replicaSets: KubeObject[], current: number, want: { numRevisionsBack?: number; revision?: number }): KubeObject | string {
  const numbered = replicaSets.filter((r) => Number.isInteger(revisionOf(r))).sort((a, b) => revisionOf(b) - revisionOf(a));
  const have = numbered.length ? `it has revisions ${numbered.map(revisionOf).reverse().join(', ')}` : 'it has no revisions';
  if (want.revision !== undefined) {
    if (want.revision === current) return `revision ${want.revision} is the current one (${have})`;
    return numbered.find((r) => revisionOf(r) === want.revision) ?? `it has no revision ${want.revision} (${have}; older ones are kept only up to spec.revisionHistoryLimit)`;
  }
  const back = want.numRevisionsBack ?? 1;
  const older = numbered.filter((r) => revisionOf(r) < current);
  return older[back - 1] ?? `it has no revision ${back} back from revision ${current} (${have}; older ones are kept only up to spec.revisionHistoryLimit)`;
}

/** The ReplicaSet's pod template as the Deployment is to have it: without the pod-template-hash label the Deployment controller adds. */
export function rollbackTemplate(rs: KubeObject): PodTemplate {
  const template = (rs as Workload).spec?.template ?? {};
  const { 'pod-template-hash': _hash, ...labels } = template.metadata?.labels ?? {};
  return { ...template, metadata: { ...(template.metadata ?? {}), labels } };
}

/** Chooses the ReplicaSet to roll back to: the Deployment's own (by controller owner reference). Invalid naming the Deployment and the revision when there is none. */
async function choose(ctx: ManifestContext, ref: ManifestRef, c: Config): Promise<State> {
  const d = await ctx.mp.read(ctx.account, ctx.location, ref) as Workload | undefined;
  if (!d) throw invalid(`${refName(ref)} does not exist`);
  const owned = (await ctx.mp.list(ctx.account, ctx.location, { apiVersion: 'apps/v1', kind: 'ReplicaSet' }, selectorString(d.spec?.selector)))
    .filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid));
  const current = Number.isInteger(revisionOf(d)) ? revisionOf(d) : Math.max(0, ...owned.map(revisionOf).filter(Number.isInteger));
  const chosen = chooseRevision(owned, current, c);
  if (typeof chosen === 'string') throw invalid(`${refName(ref)} cannot be rolled back: ${chosen}; name one it has in revision, or fewer numRevisionsBack`);
  return { replicaSet: chosen.metadata.name, revision: revisionOf(chosen) };
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
    let state = s.record.state?.replicaSet ? s.record.state as unknown as State : undefined;
    try {
      if (!state) {
        state = await choose(ctx, ref, c);
        // Recorded before the patch: the rollback gives that ReplicaSet a new revision number.
        return { status: 'RUNNING', message: `rolling ${refName(ref)} back to revision ${state.revision}`, pollAfterMs: 0, state: { ...state } };
      }
      if (!state.patched) {
        const rs = await ctx.mp.read(ctx.account, ctx.location, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: state.replicaSet, namespace: ref.namespace });
        if (!rs) throw invalid(`${refName(ref)} cannot be rolled back to revision ${state.revision}: its ReplicaSet "${state.replicaSet}" is gone`);
        await ctx.mp.patch(ctx.account, ctx.location, ref, { type: 'json', body: [{ op: 'replace', path: '/spec/template', value: rollbackTemplate(rs) }] },
          { fieldManager: 'staysail-undoRolloutManifest' });
        state = { ...state, patched: true };
      }
    } catch (err) {
      return failureOf(s, err);
    }
    const outputs = { manifest: ref, revision: state.revision, replicaSet: state.replicaSet };
    const kept = state as unknown as Record<string, unknown>;
    if (c.waitForStable !== false) {
      const waiting = await awaitStable(s, ctx, [ref]);
      if (waiting) return { ...waiting, outputs, state: kept };
    }
    return { status: 'SUCCEEDED', message: `rolled ${refName(ref)} back to revision ${state.revision} (ReplicaSet "${state.replicaSet}")`, outputs, state: kept };
  },
};
