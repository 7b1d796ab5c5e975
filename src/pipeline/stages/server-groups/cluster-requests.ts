// What the server-group and cluster stages share when they act on a Cluster (ADR 0003): they never
// change its ServerGroups; they add a request with a deterministic id to the Cluster's spec.requests,
// wait for the Cluster's status to record its result, then for the server groups to show it. While
// the Cluster rolls out they wait for the rollout to end (or fail at once with failIfRollingOut).
import { createHash } from 'node:crypto';
import { parseDuration } from '../../../api/duration.ts';
import { maxRequests, type ClusterRequest, type ClusterSpec, type ClusterStatus } from '../../../api/v1alpha1/cluster.ts';
import { resources } from '../../../api/v1alpha1/index.ts';
import { isConflict, isNotFound } from '../../../core/errors.ts';
import type { KubeObject } from '../../../core/kube-client.ts';
import { isRollingOut } from '../../../strategies/requests.ts';
import { childName, fallbackPollMs } from '../children.ts';
import type { Outputs, StageOutcome, StageRun } from '../stage-type.ts';

export type Cluster = KubeObject<ClusterSpec, ClusterStatus>;
type Record = NonNullable<ClusterStatus['requests']>[number];
type Listed = NonNullable<ClusterStatus['serverGroups']>[number];

/** How long a server-group or cluster stage may take when it sets no timeout (a rollout it waits for included). */
export const serverGroupStageTimeoutMs = 30 * 60_000;
/** How soon a stage looks again at what it asked for: the Cluster's changes wake the run, so this is a fallback. */
const pollMs = 5_000;

/** `<type> "<refId>"`, how the stage's messages begin. */
export const stageName = (s: StageRun) => `${s.stage.type} "${s.stage.refId}"`;

/**
 * The id of this attempt's request: a repeated pass of the same attempt asks once, a retry asks again.
 * The readable part (run, refId, attempt) can be the same for two stages (run x, refId 1, attempt 2 and
 * run x-1, refId 2) or for a run made again under its name, so a hash of the run's uid and the raw
 * refId and attempt ends it; 63 characters at most, as the Cluster's schema allows.
 */
export function requestId(s: StageRun): string {
  const attempt = s.record.attempts ?? 1;
  const hash = createHash('sha256').update(`${s.run.metadata.uid ?? ''}\0${s.stage.refId}\0${attempt}`).digest('hex').slice(0, 8);
  return `${childName(s.run.metadata.name, s.stage.refId, attempt).slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/** How many times removing a request looks again after a concurrent change of the Cluster. */
const removeTries = 5;

/**
 * Takes the stage's request out of the Cluster's spec.requests while the Cluster has not handled it,
 * so a stage that timed out or was canceled is not carried out later. The resourceVersion in the
 * merge patch makes a concurrent change of the list a conflict, answered by reading again (a bounded
 * number of times). False when it is handled already (or was never there): nothing to take back.
 */
export async function removeRequest(s: StageRun, clusterRef: string, id: string): Promise<boolean> {
  const ns = s.run.metadata.namespace!;
  for (let i = 0; i < removeTries; i++) {
    let c: Cluster;
    try {
      c = await s.client.get<Cluster>(resources.cluster, ns, clusterRef);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    const standing = c.spec?.requests ?? [];
    if (!standing.some((r) => r.id === id) || c.status?.requests?.some((r) => r.id === id)) return false;
    try {
      await s.client.mergePatch(resources.cluster, ns, clusterRef,
        { metadata: { resourceVersion: c.metadata.resourceVersion }, spec: { requests: standing.filter((r) => r.id !== id) } });
      return true;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  throw new Error(`${stageName(s)}: Cluster "${clusterRef}" kept changing while request ${id} was taken out of its spec.requests; remove it by hand`);
}

/** The cancel of a stage that is a request: its request, if not yet handled, is taken back. */
export async function cancelRequest(s: StageRun): Promise<void> {
  const id = s.record.state?.requested as string | undefined;
  const cluster = s.record.state?.cluster as string | undefined;
  if (id && cluster) await removeRequest(s, cluster, id);
}

/** The Cluster clusterRef names, or the stage's failure saying it does not exist. */
export async function getCluster(s: StageRun, name: string): Promise<Cluster | StageOutcome> {
  const ns = s.run.metadata.namespace!;
  try {
    return await s.client.get<Cluster>(resources.cluster, ns, name);
  } catch (err) {
    if (isNotFound(err)) return { status: 'FAILED', message: `${stageName(s)}: Cluster "${name}" (clusterRef) does not exist in namespace "${ns}"`, final: true };
    throw err;
  }
}

export const isOutcome = (x: unknown): x is StageOutcome => typeof x === 'object' && x !== null && 'status' in x && !('metadata' in x);

/** The state every waiting pass keeps: the Cluster's changes wake the run (runsDeployingTo reads cluster and watchCluster). */
export const watching = (cluster: string, more: Outputs = {}) => ({ cluster, watchCluster: true, ...more });

/** The stage's own deadline, so that running out of time while a rollout goes on says which rollout. */
function deadlineOf(s: StageRun): number {
  const own = s.stage.timeout && /^[0-9]/.test(s.stage.timeout) ? parseDuration(s.stage.timeout) : serverGroupStageTimeoutMs;
  return Date.parse(s.record.startTime ?? new Date(s.clock.now()).toISOString()) + own;
}

/**
 * While the Cluster rolls out: fail at once (failIfRollingOut), wait (coming back just before the
 * stage's timeout), or fail naming the rollout once that is near. Undefined: no rollout in progress.
 */
export function whileRollingOut(s: StageRun, c: Cluster, failAtOnce: boolean | undefined, state: Outputs = {}): StageOutcome | undefined {
  const r = c.status?.rollout;
  if (!isRollingOut(r as never)) return undefined;
  const what = `Cluster "${c.metadata.name}" has rollout ${r!.revision} in progress (${r!.phase}${r!.message ? `: ${r!.message}` : ''})`;
  if (failAtOnce) return { status: 'FAILED', message: `${stageName(s)}: ${what}; failIfRollingOut is set, so the stage does not wait for it`, final: true };
  const left = deadlineOf(s) - s.clock.now();
  if (left <= 2_000) return { status: 'FAILED', message: `${stageName(s)}: ${what}, and it did not end within the stage's timeout; raise the stage's timeout or try again once it has ended` };
  return { status: 'RUNNING', message: `${stageName(s)}: waiting for the end of rollout ${r!.revision} of Cluster "${c.metadata.name}" (${r!.phase})`,
    pollAfterMs: Math.max(500, Math.min(fallbackPollMs, left - 1_500)), state: watching(c.metadata.name, state) };
}

/**
 * Adds the request to the Cluster's spec.requests unless it is there or handled already; requests
 * the Cluster has handled make room, oldest first. The resourceVersion in the merge patch makes a
 * concurrent change of the list a conflict, answered by looking again.
 */
export async function addRequest(s: StageRun, c: Cluster, request: ClusterRequest): Promise<'added' | 'retry'> {
  const standing = c.spec?.requests ?? [];
  if (standing.some((r) => r.id === request.id) || c.status?.requests?.some((r) => r.id === request.id)) return 'added';
  const handled = new Set((c.status?.requests ?? []).map((r) => r.id));
  const kept = [...standing];
  while (kept.length >= maxRequests) {
    const i = kept.findIndex((r) => handled.has(r.id));
    if (i < 0) break;
    kept.splice(i, 1);
  }
  if (kept.length >= maxRequests) {
    throw new Error(`Cluster "${c.metadata.name}" has ${kept.length} requests not yet handled in spec.requests (at most ${maxRequests}); wait for them or remove some`);
  }
  try {
    await s.client.mergePatch(resources.cluster, c.metadata.namespace, c.metadata.name,
      { metadata: { resourceVersion: c.metadata.resourceVersion }, spec: { requests: [...kept, request] } });
    return 'added';
  } catch (err) {
    if (isConflict(err)) return 'retry';
    throw err;
  }
}

/**
 * What a done request's server group has yet to show (what the stage waits for), or the stage's
 * failure when it cannot (its provider cannot act on what was asked); undefined once it shows it.
 */
export type Settled = (c: Cluster, serverGroup: string) => Promise<string | { status: 'FAILED'; message: string; final: true } | undefined>;

/** Whether the Cluster's listed server groups show what a done request did. */
function shows(record: Record, listed: Listed[]): string | undefined {
  for (const name of record.serverGroups ?? []) {
    const g = listed.find((x) => x.name === name);
    switch (record.action) {
      case 'enable': if (!g?.enabled) return `${name} to take traffic`; break;
      case 'disable': case 'disableCluster': if (g?.enabled) return `${name} to leave traffic`; break;
      case 'destroy': case 'shrink': if (g) return `${name} to be gone`; break;
      case 'resize': case 'scaleDown': {
        const want = record.capacity?.desired ?? 0;
        if (g && (g.desiredReplicas !== (record.action === 'scaleDown' ? 0 : want) || g.readyReplicas !== g.desiredReplicas)) {
          return `${name} to have ${g.desiredReplicas} healthy instances (it has ${g.readyReplicas})`;
        }
        break;
      }
    }
  }
  return undefined;
}

/** Where a request stands: not yet handled, refused (the stage fails with the Cluster's words), done and shown, or done and settling. */
export async function requestOutcome(s: StageRun, c: Cluster, id: string, outputs: (record: Record) => Outputs, settled?: Settled): Promise<StageOutcome> {
  const name = c.metadata.name;
  const record = c.status?.requests?.find((r) => r.id === id);
  if (!record) {
    const waiting = whileRollingOut(s, c, false, { requested: id });
    // Out of time: the request goes with the stage, or the Cluster would carry it out once the rollout ends.
    if (waiting?.status === 'FAILED' && await removeRequest(s, name, id)) return { ...waiting, message: `${waiting.message}; request ${id} was taken back` };
    if (waiting) return waiting;
    return { status: 'RUNNING', message: `${stageName(s)}: waiting for Cluster "${name}" to handle request ${id}`, pollAfterMs: pollMs, state: watching(name, { requested: id }) };
  }
  const out = { cluster: name, request: id, ...outputs(record) };
  if (record.result === 'Refused') return { status: 'FAILED', message: `${stageName(s)}: Cluster "${name}" refused request ${id}: ${record.message}`, outputs: out, final: true };
  const found = settled ? await settled(c, record.serverGroups?.[0] ?? '') : shows(record, (c.status?.serverGroups ?? []).filter((g) => !g.role));
  if (typeof found === 'object') return { ...found, message: `${stageName(s)}: ${found.message}`, outputs: out };
  const pending = found;
  if (pending) {
    return { status: 'RUNNING', message: `${stageName(s)}: Cluster "${name}" ${record.message}; waiting for ${pending}`, pollAfterMs: pollMs, outputs: out,
      state: watching(name, { requested: id }) };
  }
  return { status: 'SUCCEEDED', message: `Cluster "${name}": ${record.message}`, outputs: out };
}

/**
 * One pass of a stage that is a request on a Cluster: wait out a rollout, add the request (once),
 * then follow it to its result. keep: what the stage keeps in its state until the request is made.
 */
export async function runRequest(s: StageRun, clusterRef: string, failAtOnce: boolean | undefined, request: (c: Cluster) => ClusterRequest | StageOutcome,
  outputs: (record: Record) => Outputs, settled?: Settled, keep: Outputs = {}): Promise<StageOutcome> {
  const c = await getCluster(s, clusterRef);
  if (isOutcome(c)) return c;
  const id = s.record.state?.requested as string | undefined;
  if (id) return requestOutcome(s, c, id, outputs, settled);
  const waiting = whileRollingOut(s, c, failAtOnce, keep);
  if (waiting) return waiting;
  const r = request(c);
  if (isOutcome(r)) return r;
  if (await addRequest(s, c, r) === 'retry') return { status: 'RUNNING', message: `${stageName(s)}: Cluster "${clusterRef}" changed; asking again`, pollAfterMs: 200 };
  return { status: 'RUNNING', message: `${stageName(s)}: asked Cluster "${clusterRef}" to ${r.action} (request ${r.id})`, pollAfterMs: pollMs,
    state: watching(clusterRef, { requested: r.id }) };
}

/** The Cluster's server groups newest first, without a canary pair, as its status lists them. */
export const listedGroups = (c: Cluster): Listed[] => (c.status?.serverGroups ?? []).filter((g) => !g.role);
