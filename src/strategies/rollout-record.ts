// The rollout record (status.rollout): how a rollout starts, what a manual rollback or an adopted
// cluster records, and what a finished or failed rollout says.
import { nextSequence, serverGroupName } from '../api/moniker.ts';
import { iso } from './steps.ts';
import type { RolloutAction, RolloutInput, RolloutPlan, RolloutRecord } from './types.ts';

/** Rollback steps are numbered from here, after any strategy's own steps. */
export const rollbackBase = 1000;
/** Steps of a manual rollback (requested in the Cluster's spec) are numbered from here. */
export const manualBase = 2000;
/** Steps that end a rollout whose list of steps is no longer the spec's (the strategy changed) are numbered from here. */
export const endingBase = 3000;

/** The lists of steps: a strategy's own, an automatic rollback's, a requested rollback's, and the end of a superseded rollout's. */
export type ListKind = 'rollout' | 'rollback' | 'manual rollback' | 'ending';

export const isFinished = (r: RolloutRecord) => r.phase === 'Succeeded' || r.phase === 'Failed' || r.phase === 'RolledBack';

/** What a rollback or a failed rollout leaves to say: the template is not what serves, and how to deploy it. */
const notDeployed = (input: RolloutInput) => `the template${input.templateImages ? ` (${input.templateImages})` : ''} is not deployed: to deploy it again, `
  + `run kubectl staysail retry ${input.cluster} (or set spec.retry), or change spec.template`;

/**
 * Requests standing in the spec when a rollout starts count as handled: a rollback request before any
 * rollout has nothing to roll back, a canary decision was meant for an earlier canary, a retry for an
 * earlier failure.
 */
function handledRequests(input: RolloutInput, r: RolloutRecord | undefined, retry: { id: string } | undefined) {
  const ids = { rollbackId: r?.rollbackId ?? input.rollbackRequest?.id, canaryDecisionId: input.canary?.decision?.id ?? r?.canaryDecisionId,
    retryId: retry?.id ?? input.retryRequest?.id ?? r?.retryId };
  return Object.fromEntries(Object.entries(ids).filter(([, id]) => id)) as Pick<RolloutRecord, 'rollbackId' | 'canaryDecisionId' | 'retryId'>;
}

/** The server group a new rollout replaces: the newest enabled one. */
export const newestEnabled = (input: RolloutInput) => input.serverGroups.find((g) => g.enabled)?.name;

/** A new rollout of the desired template: the next version, from step 0, replacing `previous`. */
export function startRollout(input: RolloutInput, r: RolloutRecord | undefined, retry: { id: string } | undefined, previous: string | undefined): RolloutRecord {
  const { now, serverGroups } = input;
  const name = serverGroupName(input.cluster, nextSequence(input.cluster, serverGroups));
  return { phase: 'Progressing', revision: (r?.revision ?? 0) + 1, templateHash: input.templateHash, strategy: input.strategy.type, step: 0,
    startTime: iso(now), stepStartTime: iso(now),
    newServerGroup: name, ...(previous ? { previousServerGroup: previous } : {}),
    message: retry ? `rolling out ${name} again (retry ${retry.id})` : `rolling out ${name}`, ...handledRequests(input, r, retry) };
}

/** Adopting a cluster whose newest server group already runs the template: nothing to roll out. */
export function adopted(input: RolloutInput): RolloutRecord | undefined {
  const newest = input.serverGroups[0];
  if (!newest || newest.templateHash !== input.templateHash) return undefined;
  return { phase: 'Succeeded', revision: 0, templateHash: input.templateHash, strategy: input.strategy.type, newServerGroup: newest.name,
    message: `${newest.name} runs the current template`, ...(input.retryRequest ? { retryId: input.retryRequest.id } : {}) };
}

/** A manual rollback: the cluster stays on its target until the template changes again (or a retry). */
export function manualRollback(input: RolloutInput, r: RolloutRecord, request: { id: string; toServerGroup?: string }): RolloutRecord {
  const { now, serverGroups } = input;
  const active = serverGroups.find((g) => g.enabled);
  const target = request.toServerGroup ?? serverGroups.find((g) => g.name !== active?.name && g.name !== r.newServerGroup)?.name
    ?? serverGroups.find((g) => g.name !== active?.name)?.name;
  return { ...(r.retryId ? { retryId: r.retryId } : {}), phase: target ? 'Progressing' : 'Failed', revision: r.revision + 1, templateHash: input.templateHash,
    strategy: input.strategy.type, step: manualBase, startTime: iso(now), stepStartTime: iso(now), newServerGroup: target, previousServerGroup: active?.name, rollbackId: request.id,
    message: target ? `rolling back to ${target} (request ${request.id})` : `no server group to roll back to (request ${request.id})` };
}

/** The end of a list of steps: the rollout is live, or rolled back (Failed when rollback is off). */
export function finish(input: RolloutInput, r: RolloutRecord, kind: Exclude<ListKind, 'ending'>): RolloutRecord {
  if (kind === 'rollout') return Object.assign(r, { phase: 'Succeeded', message: `${r.newServerGroup} is live` });
  if (kind === 'manual rollback') return Object.assign(r, { phase: 'RolledBack', message: `rolled back to ${r.newServerGroup} on request ${r.rollbackId}; ${notDeployed(input)}` });
  return Object.assign(r, { phase: input.strategy.rollbackOnFailure === false ? 'Failed' : 'RolledBack',
    message: `rolled back to ${r.previousServerGroup}: ${r.message?.replace(/^rolling back: /, '')}; ${notDeployed(input)}` });
}

/**
 * A step failed: roll back (the record moves to the rollback's first step, and the plan is undefined),
 * or stop, when rollback is off, this was a rollback, or there is nothing to return to.
 */
export function fail(input: RolloutInput, r: RolloutRecord, kind: ListKind, why: string): RolloutPlan | undefined {
  if (input.strategy.rollbackOnFailure === false || kind !== 'rollout' || !r.previousServerGroup) {
    return { actions: [], rollout: Object.assign(r, { phase: 'Failed', message: kind === 'manual rollback' ? why : `${why}; ${notDeployed(input)}` }) };
  }
  Object.assign(r, { message: `rolling back: ${why}`, step: rollbackBase, stepStartTime: iso(input.now) });
  return undefined;
}

/**
 * Ends a rollout planned with other steps than the spec gives now (its strategy changed): its step
 * number means nothing in the new list. The ending's steps take traffic back to the previous server
 * group; then a new rollout starts. Says so in the message and as an action.
 */
export function beginEnding(input: RolloutInput, r: RolloutRecord): RolloutAction {
  const reason = r.strategy !== input.strategy.type ? `spec.strategy changed from ${r.strategy} to ${input.strategy.type}` : `the steps of ${r.strategy} changed`;
  const back = r.previousServerGroup ? `traffic goes back to ${r.previousServerGroup}, then ` : '';
  Object.assign(r, { phase: 'Progressing', step: endingBase, stepStartTime: iso(input.now),
    message: `ending rollout ${r.revision} (${reason}): ${back}the template is rolled out again by ${input.strategy.type}, from its first step` });
  return { kind: 'supersede', revision: r.revision, reason };
}

/** Once a superseded rollout has ended: a new one, replacing the server group traffic went back to (none when it is gone). */
export function afterEnding(input: RolloutInput, r: RolloutRecord): RolloutRecord {
  return startRollout(input, r, undefined, input.serverGroups.find((g) => g.name === r.previousServerGroup)?.name);
}
