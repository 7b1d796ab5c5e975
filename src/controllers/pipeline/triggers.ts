// The Pipeline's cron, pipeline and polling (docker, git poll mode, jenkins: poll-triggers.ts) triggers, fired
// by its controller (so on the leader alone). Each
// trigger event starts one run, named from the event, through createRun: a pass repeated after a
// crash or on a new leader makes the same name, and its create is a no-op. What each trigger last
// did is recorded in status.triggers; its marks (since, lastScheduledTime,
// lastUpstreamCompletionTime, images, heads, lastBuildNumber) say which events are already acted on, so none fires twice.
import { triggerLabel, triggerTypeLabel } from '../../api/v1alpha1/labels.ts';
import type { PipelineStatus, PipelineTrigger, TriggerStatus } from '../../api/v1alpha1/pipeline.ts';
import type { ReconcileContext } from '../../core/controller.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import { createRun, type RunTrigger } from '../../pipeline/create-run.ts';
import { interpolate } from '../../pipeline/expressions.ts';
import { planCron } from '../../triggers/cron.ts';
import { planUpstreamEvents } from '../../triggers/pipeline.ts';
import { eventDigest, minuteStamp, triggerRunName } from '../../triggers/run-name.ts';
import { isFinished, type Pipeline, type PipelineRun } from '../pipeline-run/types.ts';
import { firePoll } from './poll-triggers.ts';

export interface TriggerDeps { runs: ObjectCache<PipelineRun>; client: KubeClient }

export type Ctx = ReconcileContext<Pipeline, PipelineStatus>;

/** How soon a trigger whose run could not be created tries again. */
export const retryMs = 10_000;

/** Whether a trigger is polled (docker, jenkins, git in poll mode) by this controller. */
const isPolled = (t: PipelineTrigger) => t.type === 'docker' || t.type === 'jenkins' || (t.type === 'git' && t.git?.poll !== undefined);
/** The triggers this controller fires (git in webhook mode is fired by the webhook routes); entries of others in status.triggers are kept as they are. */
const isFiredHere = (t: PipelineTrigger) => t.type === 'cron' || t.type === 'pipeline' || isPolled(t);

export const iso = (ms: number) => new Date(ms).toISOString();
/** status.triggers[].lastError holds at most 4096 characters (an API error can be long). */
export const fail = (entry: TriggerStatus, message: string) => { entry.lastError = message.length > 4096 ? `${message.slice(0, 4093)}...` : message; };
export const ms = (text: string | undefined) => (text ? Date.parse(text) : undefined);

/**
 * Fires the Pipeline's cron, pipeline and polling triggers that are due and records each in
 * status.triggers; answers when to look again (the next schedule, a retry), if ever.
 */
export async function reconcileTriggers(deps: TriggerDeps, ctx: Ctx): Promise<number | undefined> {
  const p = ctx.obj;
  const before = new Map((ctx.status.triggers ?? []).map((e) => [e.name, e]));
  const entries: TriggerStatus[] = [];
  let recheck: number | undefined;
  for (const t of p.spec!.triggers ?? []) {
    const old = before.get(t.name);
    if (!isFiredHere(t)) {
      if (old) entries.push(old);
      continue;
    }
    const entry: TriggerStatus = { ...(old?.type === t.type ? old : {}), name: t.name, type: t.type };
    entries.push(entry);
    const after = await reconcileTrigger(deps, ctx, t, entry);
    if (after !== undefined) recheck = Math.min(recheck ?? after, after);
  }
  if (entries.length) ctx.status.triggers = entries; else delete ctx.status.triggers;
  return recheck;
}

async function reconcileTrigger(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger, entry: TriggerStatus): Promise<number | undefined> {
  if (ctx.obj.spec!.disabled || t.enabled === false) {
    // Disarmed: enabled again, it fires only for what happens from then on.
    delete entry.since; delete entry.nextScheduledTime; delete entry.lastError;
    delete entry.images; delete entry.heads; delete entry.lastBuildNumber; delete entry.lastPollTime; delete entry.polled;
    return undefined;
  }
  entry.since ??= iso(ctx.clock.now());
  if (isPolled(t)) return firePoll(deps, ctx, t, entry);
  delete entry.lastError; // set again below if this pass fails too
  return t.type === 'cron' ? fireCron(deps, ctx, t, entry) : firePipeline(deps, ctx, t, entry);
}

async function fireCron(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger, entry: TriggerStatus): Promise<number | undefined> {
  const plan = planCron(t.cron!, { since: ms(entry.since)!, lastScheduled: ms(entry.lastScheduledTime) }, ctx.clock.now());
  if ('error' in plan) {
    fail(entry, `Pipeline "${ctx.obj.metadata.name}": trigger "${t.name}": ${plan.error}`);
    delete entry.nextScheduledTime;
    return undefined;
  }
  entry.nextScheduledTime = iso(plan.next);
  if (plan.missed !== undefined) ctx.log.info('cron schedule missed beyond its catch-up window', { trigger: t.name, scheduledTime: iso(plan.missed) });
  if (plan.fire === undefined) return plan.recheckMs;
  const started = await startRun(deps, ctx, t, entry, { event: minuteStamp(plan.fire), payload: { scheduledTime: iso(plan.fire) } });
  if (!started) return Math.min(plan.recheckMs, retryMs);
  entry.lastScheduledTime = iso(plan.fire);
  return plan.recheckMs;
}

async function firePipeline(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger, entry: TriggerStatus): Promise<number | undefined> {
  const p = ctx.obj;
  const upstream = t.pipeline!.pipelineRef.name;
  if (upstream === p.metadata.name) {
    fail(entry, `Pipeline "${p.metadata.name}": trigger "${t.name}": pipeline.pipelineRef names this pipeline itself, so each run would start the next; name another Pipeline`);
    return undefined;
  }
  const mark = Math.max(ms(entry.since)!, ms(entry.lastUpstreamCompletionTime) ?? -Infinity);
  for (const e of planUpstreamEvents(upstream, t.pipeline!.statuses, deps.runs.list(p.metadata.namespace), mark)) {
    const started = await startRun(deps, ctx, t, entry, { event: eventDigest(e.run.metadata.uid ?? e.run.metadata.name), payload: e.payload });
    if (!started) return retryMs;
    entry.lastUpstreamCompletionTime = iso(e.finishedAt);
  }
  return undefined;
}

/** Starts the run for one event; false (with lastError set) when it could not. */
export async function startRun(deps: TriggerDeps, ctx: Ctx, t: PipelineTrigger, entry: TriggerStatus, e: { event: string; payload: Record<string, unknown> }): Promise<boolean> {
  const p = ctx.obj;
  const name = triggerRunName(p.metadata.name, t.name, e.event);
  const trigger: RunTrigger = { type: t.type, name: t.name, user: `trigger:${t.name}`, payload: e.payload };
  let parameters: Record<string, unknown> | undefined;
  try {
    parameters = t.parameters && interpolate(t.parameters as Record<string, unknown>, {
      parameters: {}, trigger: trigger as Record<string, unknown>, stages: {},
      execution: { name, namespace: p.metadata.namespace, pipeline: p.metadata.name } });
  } catch (err) {
    fail(entry, `Pipeline "${p.metadata.name}": trigger "${t.name}": parameters: ${(err as Error).message}; correct spec.triggers[${t.name}].parameters`);
    return false;
  }
  try {
    const made = await createRun(deps.client, { namespace: p.metadata.namespace!, pipeline: p.metadata.name, name, parameters, trigger,
      labels: { [triggerLabel]: t.name, [triggerTypeLabel]: t.type } });
    if (made.created) ctx.recordEvent('Normal', 'TriggerFired', `trigger "${t.name}" started PipelineRun "${name}"`);
  } catch (err) {
    fail(entry, `Pipeline "${p.metadata.name}": trigger "${t.name}" could not create PipelineRun "${name}": ${(err as Error).message}`);
    return false;
  }
  Object.assign(entry, { lastRun: name, lastEventTime: iso(ctx.clock.now()) });
  return true;
}

/** Keys of the Pipelines in the run's namespace whose pipeline trigger names the run's Pipeline (only for a finished run). */
export const downstreamPipelinesOf = (pipelines: ObjectCache<Pipeline>) => (r: PipelineRun): string[] => {
  const upstream = r.spec?.pipelineRef.name;
  if (!upstream || !isFinished(r)) return [];
  return pipelines.list(r.metadata.namespace)
    .filter((p) => p.spec?.triggers?.some((t) => t.type === 'pipeline' && t.pipeline?.pipelineRef.name === upstream))
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
};
