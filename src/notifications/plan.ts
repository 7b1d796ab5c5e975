// Which deliveries a pass makes: one per (run event, notification) whose `when` names the event's
// level, as Spinnaker's Echo matches them; canceled runs and stages send nothing. Each delivery gets
// an id from the run's uid, the event's number in the run and the notification, so a pass replayed
// from the same status names its deliveries alike, and no event is ever sent under two ids. Pure.
import type { PipelineRunStatus, StageRecord } from '../api/v1alpha1/pipeline-run.ts';
import { scopeOf, type RunFacts } from '../pipeline/run/facts.ts';
import type { RunEvent } from '../pipeline/run/events.ts';
import { phaseOf } from '../pipeline/run/phase.ts';
import { customText, cut, defaultText, maxStageMessage } from './message.ts';
import type { DeliveryRecord, Level, MessageStage, NotificationMessage, NotificationSpec } from './types.ts';

/** A notification that applies to the run, and where it was written (for messages and ids). */
export interface NotificationSource {
  spec: NotificationSpec;
  /** e.g. Pipeline "release" spec.notifications[0] */
  label: string;
  /** Tells it apart in a delivery id: p0 for the Pipeline's first, a0 for its Application's first. */
  idPart: string;
}

/** The notifications of a run: its snapshot's (status.pipelineSpec), then its Application's. */
export function notificationsOf(pipeline: { name: string; notifications?: NotificationSpec[] },
  application?: { name: string; notifications?: NotificationSpec[] }): NotificationSource[] {
  const of = (kind: string, name: string, prefix: string, list: NotificationSpec[] = []) =>
    list.map((spec, i) => ({ spec, label: `${kind} "${name}" spec.notifications[${i}]`, idPart: `${prefix}${i}` }));
  return [...of('Pipeline', pipeline.name, 'p', pipeline.notifications), ...(application ? of('Application', application.name, 'a', application.notifications) : [])];
}

export interface PlanInput {
  /** The run as read when the pass began, and the status the pass leaves (after its events). */
  facts: RunFacts;
  events: RunEvent[];
  notifications: NotificationSource[];
  /** The dashboard's base URL; messages link to the run when it is set. */
  dashboardUrl?: string;
}

export interface Plan { deliveries: DeliveryRecord[]; sequence: number }

/** The levels a run event stands for, most specific first (a judgment's end is also its stage's). */
export function levelsOf(e: RunEvent, stages: readonly StageRecord[] = []): Level[] {
  const judgment = (refId: string) => stages.find((r) => r.refId === refId && r.type === 'manualJudgment');
  switch (e.kind) {
    case 'RunStarted': return ['pipeline.starting'];
    case 'RunSucceeded': return ['pipeline.complete'];
    case 'RunFailed': return ['pipeline.failed'];
    case 'StageStarted': return ['stage.starting'];
    case 'StageSucceeded': return judgment(e.stage) ? ['manualJudgmentContinue', 'stage.complete'] : ['stage.complete'];
    case 'StageFailed': return judgment(e.stage)?.judgment?.decision === 'reject' ? ['manualJudgmentStop', 'stage.failed'] : ['stage.failed'];
    case 'JudgmentWaiting': return ['manualJudgment'];
    default: return []; // queued, suspended, skipped, retrying and canceled send nothing
  }
}

/** The deliveries of the pass's events, and the run's event count after them. */
export function planDeliveries(input: PlanInput): Plan {
  const { facts, events, notifications } = input;
  let sequence = facts.status.eventSequence ?? 0;
  // A canceled run sends nothing, not even for the stages that ended before the cancel took.
  if (notifications.length === 0 || phaseOf(facts.status) === 'Canceled') return { deliveries: [], sequence };
  const deliveries: DeliveryRecord[] = [];
  for (const e of events) {
    const levels = levelsOf(e, facts.status.stages);
    const matched = notifications.flatMap((n) => {
      const level = levels.find((l) => n.spec.when.includes(l));
      return level ? [{ n, level }] : [];
    });
    if (matched.length === 0) continue;
    sequence++;
    for (const { n, level } of matched) deliveries.push(deliveryOf(input, e, n, level, sequence));
  }
  return { deliveries, sequence };
}

function deliveryOf(input: PlanInput, e: RunEvent, n: NotificationSource, level: Level, sequence: number): DeliveryRecord {
  const message = messageFor(input, e, level, n.spec);
  return {
    id: `${input.facts.run.metadata.uid ?? input.facts.run.metadata.name}-${sequence}-${n.idPart}`,
    channel: n.spec.type, event: level, notification: n.label,
    ...(n.spec.address !== undefined ? { address: n.spec.address } : {}),
    ...(n.spec.secretRef ? { secretRef: n.spec.secretRef } : {}),
    state: 'pending', attempts: 0,
    message: message as unknown as Record<string, unknown>,
  } as DeliveryRecord;
}

/** The message of an event for one notification. */
export function messageFor(input: PlanInput, e: RunEvent, level: Level, spec: NotificationSpec): NotificationMessage {
  const { status, now } = input.facts;
  const stage = 'stage' in e ? stageOf(status, e.stage, e.message) : level === 'pipeline.failed' ? failingStage(status) : undefined;
  const base: Omit<NotificationMessage, 'text'> = { event: level, time: new Date(now).toISOString(), run: runOf(input), ...(stage ? { stage } : {}) };
  const fallback = defaultText(base, 'message' in e ? e.message ?? '' : '');
  const text = spec.message?.text ? customText(spec.message.text, scopeOf(input.facts), base, fallback) : fallback;
  return { ...base, text: cut(text, 4000) };
}

/** The run as a message names it. */
function runOf(input: PlanInput): NotificationMessage['run'] {
  const { run, status } = input.facts;
  const ns = run.metadata.namespace ?? '';
  const application = (status.pipelineSpec as { application?: string } | undefined)?.application;
  const url = input.dashboardUrl ? `${input.dashboardUrl.replace(/\/+$/, '')}/namespaces/${ns}/runs/${run.metadata.name}` : undefined;
  return { name: run.metadata.name, namespace: ns, uid: run.metadata.uid ?? '', pipeline: run.spec?.pipelineRef.name ?? '',
    ...(application ? { application } : {}), phase: phaseOf(status), ...(url ? { url } : {}) };
}

function stageOf(status: PipelineRunStatus, refId: string, message?: string): MessageStage {
  const r = status.stages?.find((s) => s.refId === refId);
  const text = message ?? r?.message;
  return { refId, ...(r?.name ? { name: r.name } : {}), ...(r?.type ? { type: r.type } : {}), status: r?.status ?? 'NOT_STARTED',
    ...(text ? { message: cut(text, maxStageMessage) } : {}) };
}

/** The stage that failed the run: the first TERMINAL one, else STOPPED, else FAILED_CONTINUE. */
function failingStage(status: PipelineRunStatus): MessageStage | undefined {
  for (const bad of ['TERMINAL', 'STOPPED', 'FAILED_CONTINUE']) {
    const r = status.stages?.find((s) => s.status === bad);
    if (r) return stageOf(status, r.refId);
  }
  return undefined;
}
