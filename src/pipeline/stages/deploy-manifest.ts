// deployManifest: applies Kubernetes manifests through the Account's ManifestProvider (server-side
// apply as staysail-deployManifest, docs/adr/0003), versioning ConfigMaps, Secrets and bare
// ReplicaSets, then waits until every object is Current by kstatus and prunes old versions. What it
// applied is kept in the stage's state: later passes only look, so a stage resumed after a crash
// waits on the same objects; one that crashed before recording them applies again and, the content
// being the same, reuses the versions it made (planVersions) instead of making new ones. A Job is
// waited on until it is Complete (kstatus reads a running Job as Current); its uid is recorded when
// first seen, so one deleted by ttlSecondsAfterFinished after it was seen Complete has succeeded.
// trafficManagement sends Services' traffic to the versioned ReplicaSets deployed and, once they are
// stable, plans what to do to the older versions of their cluster, records the plan, then carries it
// out (manifests/traffic.ts).
import { formatDuration } from '../../api/duration.ts';
import { artifactNameLabel } from '../../api/v1alpha1/labels.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { invalid, isProviderError } from '../../providers/errors.ts';
import type { ManifestProvider, ManifestRef, ProviderAccount } from '../../providers/interfaces.ts';
import { awaitStable, failureOf, isOutcome, manifestContext, manifestStageTimeoutMs, stageTimeoutMs, type ManifestContext } from './manifests/common.ts';
import { manifestPollMs, refName, timeoutMarginMs } from './manifests/progress.ts';
import { isJob, jobCompletion } from './manifests/jobs.ts';
import { loadManifests, type ManifestSource } from './manifests/sources.ts';
import { carryOut, enableAndPlan, planTraffic, setTraffic, withTraffic, type Cleanup, type TrafficManagement, type TrafficOutputs } from './manifests/traffic.ts';
import { familyKey, isVersioned, planPrune, planVersions, type Version } from './manifests/versioning.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

/** The field manager of what deployManifest applies. */
export const deployManifestFieldManager = 'staysail-deployManifest';

type Config = ManifestSource & { accountRef: { name: string }; namespace?: string; maxVersionHistory?: number; skipVersioning?: boolean;
  waitForStable?: boolean; failOnConflict?: boolean; trafficManagement?: TrafficManagement };

/** An object the stage applied, as its outputs list it. */
export interface AppliedManifest extends ManifestRef { namespace: string; version?: string }
/** A Job as last seen by the stage (by refName): which one (its uid) and whether it was Complete. */
type SeenJobs = Record<string, { uid: string; complete: boolean }>;
interface State { applied: AppliedManifest[]; versions: Version[]; traffic?: TrafficOutputs; cleanup?: Cleanup[]; jobs?: SeenJobs }

/** "configMap web-config-v001", as Spinnaker names what it deployed. */
const deployedName = (m: ManifestRef) => `${m.kind.charAt(0).toLowerCase()}${m.kind.slice(1)} ${m.name}`;

const outputsOf = (state: State) => ({ manifests: state.applied, deployedNames: state.applied.map(deployedName), ...(state.traffic ? { traffic: state.traffic } : {}) });

/** The trafficManagement block when it is on. */
const trafficOf = (c: Config) => (c.trafficManagement?.enabled ? c.trafficManagement : undefined);

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

/** A ReplicaSet trafficManagement sends traffic to: one deployed as a version of itself. */
const isTrafficTarget = (c: Config) => (m: KubeObject) => m.kind === 'ReplicaSet' && !c.skipVersioning && isVersioned(m);

async function applyManifests(s: StageRun, c: Config, ctx: ManifestContext): Promise<State> {
  const { mp, account, location } = ctx;
  const placed = (await loadManifests(s, c)).map((m) => ({ ...m, metadata: { ...m.metadata, namespace: m.metadata.namespace ?? location.namespace } }));
  const tm = trafficOf(c);
  const traffic = tm && await planTraffic(ctx, placed, isTrafficTarget(c), tm);
  const existing = c.skipVersioning ? {} : await existingVersions(mp, account, placed);
  const plan = planVersions(placed, { existing }, { skipVersioning: c.skipVersioning });
  // After versioning, so that the same content is the same version whether it takes traffic or not.
  const manifests = plan.manifests.map((m, i) => (traffic?.has(i) ? withTraffic(m, traffic.get(i)!, tm!.options!.enableTraffic !== false) : m));
  await refuseFinishedJobs(s, ctx, manifests);
  const stored = await mp.apply(account, location, manifests, { fieldManager: deployManifestFieldManager, force: !c.failOnConflict }).catch((err: unknown) => {
    throw immutableJob(err) ?? err;
  });
  const versionOf = new Map(plan.versions.map((v) => [`${v.kind}/${v.namespace}/${v.name}`, `v${String(v.sequence).padStart(3, '0')}`]));
  const applied = stored.map((o, i) => {
    const m = plan.manifests[i]!;
    const version = versionOf.get(`${m.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    return { apiVersion: m.apiVersion!, kind: m.kind!, name: o.metadata.name, namespace: o.metadata.namespace!, ...(version ? { version } : {}) };
  });
  const jobs = jobsApplied(applied, stored);
  // A version deployed before keeps its pods: they are given the labels its template now has (or
  // loses), or the ReplicaSet would count them as not fully labelled and never be stable.
  for (const [i, services] of traffic ?? []) await setTraffic(ctx, applied[i]!, services, tm!.options!.enableTraffic !== false, deployManifestFieldManager);
  return { applied, versions: plan.versions, ...(Object.keys(jobs).length ? { jobs } : {}) };
}

/** A Job's name for the fix a message gives: one per run. */
const perRunName = (name: string) => `give it a per-run name, e.g. ${name}-\${execution.name}`;

/** The API server's refusal to change a Job applied before (its template is immutable), as a message naming the fix; undefined for any other error. */
function immutableJob(err: unknown): Error | undefined {
  if (!isProviderError(err, 'Invalid') || !/field is immutable/.test(err.message)) return undefined;
  const job = /^Job "(?:[^"/]*\/)?([^"]+)"/.exec(err.message);
  if (!job) return undefined;
  return invalid(`${err.message}; a Job cannot be changed once made, and this one exists from an earlier deploy: ${perRunName(job[1]!)}`);
}

/**
 * Invalid, before anything is applied, naming a Job of the manifests that already exists and had
 * finished before the stage started: applying the same spec again changes nothing, so nothing
 * would run. One made since the stage started is its own (a pass repeated after a crash).
 * creationTimestamp has whole seconds: it is compared with the start's second.
 */
async function refuseFinishedJobs(s: StageRun, ctx: ManifestContext, manifests: KubeObject[]): Promise<void> {
  const started = Math.floor(Date.parse(s.record.startTime!) / 1000) * 1000;
  for (const m of manifests) {
    const ref = { apiVersion: m.apiVersion ?? '', kind: m.kind ?? '', name: m.metadata.name, namespace: m.metadata.namespace };
    if (!isJob(ref)) continue;
    const existing = await ctx.mp.read(ctx.account, ctx.location, ref);
    const created = existing?.metadata.creationTimestamp;
    const at = existing && jobCompletion(existing);
    if (at && at.state !== 'Running' && created && Date.parse(created) < started) {
      throw invalid(`${refName(ref)} finished (${at.state}) before this stage started (it was made at ${created}), so applying it again runs nothing; ` +
        perRunName(m.metadata.name));
    }
  }
}

/** The Jobs applied, as first seen: their uids, and whether they are Complete already. */
function jobsApplied(applied: AppliedManifest[], stored: KubeObject[]): SeenJobs {
  const seen: SeenJobs = {};
  for (const [i, a] of applied.entries()) {
    if (isJob(a)) seen[refName(a)] = { uid: stored[i]!.metadata.uid!, complete: jobCompletion(stored[i]!).state === 'Complete' };
  }
  return seen;
}

/**
 * Undefined once every Job applied is Complete; otherwise waiting, or failed naming the Job that
 * failed, is still running at the timeout, or was deleted before it was seen Complete (its
 * ttlSecondsAfterFinished). A Job seen Complete and gone since (ttlSecondsAfterFinished again) has
 * succeeded. Returns the Jobs as now seen, for the stage's state.
 */
async function awaitJobs(s: StageRun, ctx: ManifestContext, state: State): Promise<{ waiting?: StageOutcome; jobs: SeenJobs }> {
  const jobs: SeenJobs = { ...(state.jobs ?? {}) };
  const running: string[] = [];
  const fail = (message: string) => ({ waiting: { status: 'FAILED' as const, final: true, message: `${s.stage.type} "${s.stage.refId}": ${message}` }, jobs });
  try {
    for (const a of state.applied.filter(isJob)) {
      const what = refName(a);
      const job = await ctx.mp.read(ctx.account, ctx.location, a);
      const before = jobs[what];
      if (!job || (before && job.metadata.uid !== before.uid)) {
        if (before?.complete) continue;
        if (before) {
          return fail(`${what} was deleted before it was seen Complete, as its spec.ttlSecondsAfterFinished deletes a finished Job, so whether it ` +
            'succeeded is not known; raise ttlSecondsAfterFinished (a minute or more), or remove it');
        }
        running.push(`${what} (it does not exist)`);
        continue;
      }
      const at = jobCompletion(job);
      jobs[what] = { uid: job.metadata.uid!, complete: at.state === 'Complete' };
      if (at.state === 'Failed') return fail(`${what} failed: ${at.message}`);
      if (at.state === 'Running') running.push(`${what} (${at.message})`);
    }
  } catch (err) {
    return { waiting: failureOf(s, err), jobs };
  }
  if (running.length === 0) return { jobs };
  const elapsed = s.clock.now() - Date.parse(s.record.startTime!);
  const timeout = stageTimeoutMs(s);
  if (elapsed >= timeout - timeoutMarginMs) return fail(`not complete after ${formatDuration(timeout)}: ${running.join(', ')}`);
  return { waiting: { status: 'RUNNING', message: `waiting for ${running.join(', ')} to complete`,
    pollAfterMs: Math.max(0, Math.min(manifestPollMs, timeout - timeoutMarginMs - elapsed)) }, jobs };
}

/** trafficManagement's first step on each ReplicaSet deployed as a version, once they are stable: traffic in (or kept out), and the cleanup planned. */
async function planMoves(c: Config, ctx: ManifestContext, state: State): Promise<{ traffic: TrafficOutputs; cleanup: Cleanup[] }> {
  const traffic: TrafficOutputs = { enabled: [], disabled: [], deleted: [] };
  const cleanup: Cleanup[] = [];
  for (const a of state.applied.filter((x) => x.kind === 'ReplicaSet' && x.version)) {
    const base = state.versions.find((v) => v.kind === a.kind && v.name === a.name)!.baseName;
    const done = await enableAndPlan(ctx, a, trafficOf(c)!, deployManifestFieldManager, `${artifactNameLabel}=${base}`);
    traffic.enabled.push(...done.outputs.enabled);
    traffic.disabled.push(...done.outputs.disabled);
    traffic.deleted.push(...done.outputs.deleted);
    cleanup.push(done.cleanup);
  }
  return { traffic, cleanup };
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

/** What the message adds for trafficManagement's work. */
const trafficNote = (t: TrafficOutputs | undefined) => (!t ? '' : [['enabled', t.enabled], ['disabled', t.disabled], ['deleted', t.deleted]]
  .filter(([, names]) => names!.length).map(([verb, names]) => `; ${verb as string} ${(names as string[]).join(', ')}`).join(''));

/**
 * Once what was applied is stable (or not waited on): traffic moved and its cleanup planned (a pass
 * of its own, so the plan is recorded before any of it is done), then the plan carried out, old
 * versions pruned, and the stage's success.
 */
async function finish(s: StageRun, c: Config, ctx: ManifestContext, applied: State): Promise<StageOutcome> {
  let state = applied;
  let pruned: string[];
  const tm = trafficOf(c);
  try {
    if (tm && !state.cleanup) {
      state = { ...state, ...(await planMoves(c, ctx, state)) };
      return { status: 'RUNNING', message: `moving traffic${trafficNote(state.traffic)}`, pollAfterMs: 0, outputs: outputsOf(state),
        state: state as unknown as Record<string, unknown> };
    }
    for (const cleanup of state.cleanup ?? []) await carryOut(ctx, cleanup, tm!, deployManifestFieldManager);
    pruned = await prune(c, ctx.mp, ctx.account, state);
  } catch (err) {
    return failureOf(s, err);
  }
  const summary = `${state.applied.length === 1 ? refName(state.applied[0]!) : `${state.applied.length} objects`} ${c.waitForStable === false ? 'applied' : 'stable'}`;
  return { status: 'SUCCEEDED', message: `${summary}${trafficNote(state.traffic)}${pruned.length ? `; pruned ${pruned.join(', ')}` : ''}`, outputs: outputsOf(state),
    state: state as unknown as Record<string, unknown> };
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
        state = await applyManifests(s, c, ctx);
      } catch (err) {
        return failureOf(s, err);
      }
      if (c.waitForStable !== false) {
        return { status: 'RUNNING', message: `applied ${state.applied.map(refName).join(', ')}`, pollAfterMs: manifestPollMs,
          outputs: outputsOf(state), state: state as unknown as Record<string, unknown> };
      }
    } else if (c.waitForStable !== false && !state.cleanup) {
      // A Job seen is awaitJobs' to judge: kstatus would wait for ever on one ttlSecondsAfterFinished deleted.
      const seen = state.jobs ?? {};
      const unstable = await awaitStable(s, ctx, state.applied.filter((a) => !(isJob(a) && seen[refName(a)])));
      if (unstable) return unstable.status === 'FAILED' ? { ...unstable, outputs: outputsOf(state) } : unstable;
      const { waiting, jobs } = await awaitJobs(s, ctx, state);
      if (Object.keys(jobs).length) state = { ...state, jobs };
      const kept = state as unknown as Record<string, unknown>;
      if (waiting) return waiting.status === 'FAILED' ? { ...waiting, outputs: outputsOf(state), state: kept } : { ...waiting, state: kept };
    }
    return finish(s, c, ctx, state);
  },
};
