// PipelineRun: one execution of a Pipeline (Orca's pipeline execution). Its spec says which pipeline,
// with what parameters, and carries a person's decisions (judgments, cancel, restarts); its status
// holds the snapshot of the pipeline it runs and one record per stage.
import { ageColumn, type KindDefinition } from '../kind.ts';
import { anyValue, arr, bool, freeform, int, mapOf, obj, objectName, oneOf, optional, str, type Static } from '../schema.ts';
import { immutable } from './template.ts';
import { statusBase } from './common.ts';
import { refIdPattern } from './stages/index.ts';
import { triggerTypes } from './pipeline.ts';

/** Spinnaker's execution statuses. */
export const executionStatuses = ['NOT_STARTED', 'RUNNING', 'PAUSED', 'SUSPENDED', 'SUCCEEDED', 'FAILED_CONTINUE', 'TERMINAL',
  'CANCELED', 'STOPPED', 'SKIPPED'] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

/** Where a run is in its life: not yet looked at, waiting for a slot, running, or ended (how). */
export const runPhases = ['Pending', 'Queued', 'Running', 'Succeeded', 'Failed', 'Canceled'] as const;
export type RunPhase = (typeof runPhases)[number];

const refId = (description: string) => str(description, { pattern: refIdPattern, maxLength: 63 });

export const pipelineRunSpec = obj('The run wanted, and the decisions people make while it runs.', {
  pipelineRef: obj('The Pipeline to run, in this namespace. Its spec is copied when the run starts.', {
    name: objectName('Name of the Pipeline.'),
  }, { rules: [immutable('spec.pipelineRef of a PipelineRun (start a new run instead)')] }),
  parameters: optional(mapOf('Parameter values, by name; checked against the Pipeline\'s parameters when the run starts (later edits are ignored).',
    anyValue('A value.'))),
  trigger: optional(obj('What started the run (default: manual).', {
    type: oneOf('The kind of trigger.', ['manual', ...triggerTypes] as const, { default: 'manual' }),
    name: optional(str('The Pipeline trigger that fired, if any.', { maxLength: 63 })),
    user: optional(str('Who started it.', { maxLength: 256 })),
    payload: optional(freeform('What the trigger received (webhook body, image tag, parent run...), read in expressions as ${trigger.payload}.')),
  })),
  status: optional(oneOf('Set to Canceled to cancel the run: running stages are canceled and their children cleaned up.', ['Canceled'] as const)),
  cancelId: optional(str('Names this cancel request. A restart supersedes the cancel it follows (status.supersededCancel); to cancel again after that, set a new cancelId with spec.status Canceled (kubectl staysail cancel does).',
    { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 63 })),
  judgments: optional(arr('Decisions for manualJudgment stages. Who may decide is who may patch this PipelineRun.', obj('A decision.', {
    stage: refId('The refId of the manualJudgment stage.'),
    decision: oneOf('approve continues the run; reject fails the stage.', ['approve', 'reject'] as const),
    input: optional(str('One of the stage\'s inputs.', { maxLength: 256 })),
    comment: optional(str('Why.', { maxLength: 4096 })),
    user: optional(str('Who decides: the Kubernetes user name you are signed in as (kubectl auth whoami). With the judgment policy installed (config/policy, or the Helm chart) the API server refuses a decision whose user is not the requester.', { maxLength: 256 })),
    id: optional(str('Tells this decision from an earlier one for the stage. A restarted manualJudgment stage sets the decision it had aside and waits for a different one, so deciding again as before needs a new id (kubectl staysail approve and reject write one).', { maxLength: 63 })),
  }), { listType: 'map', listMapKeys: ['stage'], maxItems: 200 })),
  skipExecutionWindows: optional(arr('refIds of stages that should stop waiting for their execution window and run now.', refId('A refId.'),
    { listType: 'set', maxItems: 200 })),
  restarts: optional(arr('Restart requests: the stage and everything downstream run again. Add an entry with a new id for each restart.', obj('A restart request.', {
    id: str('Unique id of the request (a new one each time).', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 63 }),
    stage: refId('The refId of the stage to restart.'),
  }), { listType: 'map', listMapKeys: ['id'], maxItems: 100 })),
});

export const stageRecordSchema = obj('What happened to one stage.', {
  refId: refId('The stage\'s refId.'),
  name: optional(str('The stage\'s name.', { maxLength: 256 })),
  type: str('The stage type.', { maxLength: 63 }),
  status: oneOf('The stage\'s execution status.', executionStatuses),
  startTime: optional(str('When it started.', { format: 'date-time' })),
  endTime: optional(str('When it finished.', { format: 'date-time' })),
  attempts: optional(int('Attempts so far, counting retries and restarts.', { minimum: 0 })),
  suspendedUntil: optional(str('When a SUSPENDED stage may start: its execution window opens (plus jitter).', { format: 'date-time' })),
  message: optional(str('What it is doing, or why it failed.', { maxLength: 32768 })),
  timedOut: optional(bool('It failed because it ran past its timeout (the run then fails with reason Timeout).')),
  setAsideJudgment: optional(str('The decision in spec.judgments that a restart of this manualJudgment stage set aside (as JSON): the stage waits for a different one.', { maxLength: 8192 })),
  outputs: optional(freeform('Values the stage produced, read by later stages as ${stages.<refId>.outputs...}.')),
  state: optional(freeform('The stage type\'s own progress (a child\'s name, a retry time), so a restarted operator carries on where it was.')),
  judgment: optional(obj('The decision of a manualJudgment stage.', {
    decision: oneOf('The decision.', ['approve', 'reject'] as const),
    input: optional(str('The input chosen.', { maxLength: 256 })),
    user: optional(str('Who decided, as named in spec.judgments (checked by the judgment policy when installed).', { maxLength: 256 })),
    client: optional(str('The client that wrote the decision (its field manager, e.g. kubectl-patch or staysail).', { maxLength: 256 })),
    time: str('When the decision was seen.', { format: 'date-time' }),
  })),
});

export const notificationChannels = ['slack', 'webhook', 'email', 'event'] as const;
export const deliveryStates = ['pending', 'sent', 'failed'] as const;

export const deliveryRecordSchema = obj('One notification of one run event: what to send, where, and how sending went.', {
  id: str('Names the delivery: the run\'s uid, the event\'s number in the run and the notification\'s. Sent as X-Staysail-Delivery, so a receiver can drop a repeat.', { maxLength: 128 }),
  channel: oneOf('The notification type.', notificationChannels),
  event: str('The level that matched the notification\'s when (pipeline.failed, stage.starting, manualJudgment...).', { maxLength: 63 }),
  notification: str('Which notification: Pipeline spec.notifications[i] (copied when the run started) or its Application\'s.', { maxLength: 256 }),
  address: optional(str('Where: the Slack channel, webhook URL or e-mail address, as the notification said.', { maxLength: 2048 })),
  secretRef: optional(obj('The notification\'s Secret.', {
    name: objectName('Name of the Secret, in this namespace.'),
    key: optional(str('Key within the Secret.', { maxLength: 253 })),
  })),
  state: oneOf('pending (to be sent, or retried at nextAttemptTime), sent, or failed (no more attempts).', deliveryStates),
  attempts: int('Attempts made so far.', { minimum: 0 }),
  nextAttemptTime: optional(str('When a pending delivery is next tried.', { format: 'date-time' })),
  sentTime: optional(str('When it was sent.', { format: 'date-time' })),
  lastError: optional(str('Why the last attempt failed.', { maxLength: 4096 })),
  message: freeform('What is sent: the body documented in docs/notifications/webhook.md (run, stage, text), fixed when the event happened.'),
});

export const pipelineRunStatus = obj('The run as it stands.', {
  ...statusBase,
  phase: optional(oneOf('Where the run is: Pending, Queued (waiting for a concurrency slot, to start or to restart), Running, or how it ended: Succeeded, Failed (the Succeeded condition\'s reason says why) or Canceled.', runPhases)),
  startTime: optional(str('When the run started.', { format: 'date-time' })),
  completionTime: optional(str('When the run finished.', { format: 'date-time' })),
  pipelineSpec: optional(freeform('The Pipeline spec this run executes, copied at start.')),
  pipelineGeneration: optional(int('The Pipeline\'s metadata.generation that was copied.', { minimum: 0 })),
  parameters: optional(freeform('The parameters in effect: given values and defaults.')),
  stages: optional(arr('One record per stage.', stageRecordSchema, { listType: 'map', listMapKeys: ['refId'], maxItems: 200 })),
  outputs: optional(freeform('Outputs of the run: every stage\'s outputs, by refId.')),
  handledRestarts: optional(arr('ids of restart requests already carried out.', str('An id.', { maxLength: 63 }), { listType: 'set', maxItems: 100 })),
  supersededCancel: optional(obj('The cancel request a restart superseded: it no longer cancels the run; a cancel with another spec.cancelId does.', {
    cancelId: optional(str('Its spec.cancelId (none for a cancel without one).', { maxLength: 63 })),
    restart: str('The id of the restart request that superseded it.', { maxLength: 63 }),
  })),
  notifications: optional(arr('Notifications of this run\'s events: every pending and failed one, and the last sent ones (docs/notifications).',
    deliveryRecordSchema, { listType: 'map', listMapKeys: ['id'], maxItems: 500 })),
  eventSequence: optional(int('How many of the run\'s events matched a notification: numbers each event\'s deliveries, so an event is never sent under two ids.', { minimum: 0 })),
});

export type PipelineRunSpec = Static<typeof pipelineRunSpec>;
export type PipelineRunStatus = Static<typeof pipelineRunStatus>;
export type StageRecord = Static<typeof stageRecordSchema>;
export type DeliveryRecord = Static<typeof deliveryRecordSchema>;
export type NotificationChannel = (typeof notificationChannels)[number];

/** Reasons of a run's Notified condition: every notification so far was sent, or one gave up after its attempts. */
export type NotifiedReason = 'Delivered' | 'DeliveryFailed';

/** Reasons of a run's Succeeded condition. */
export type PipelineRunReason = 'Running' | 'Queued' | 'Succeeded' | 'Failed' | 'Timeout' | 'Canceled' | 'PipelineNotFound' | 'PipelineDisabled'
  | 'PipelineInvalid' | 'ParameterInvalid';

export const pipelineRunKind: KindDefinition = {
  kind: 'PipelineRun', plural: 'pipelineruns', singular: 'pipelinerun', shortNames: ['pr', 'prs'],
  description: 'A PipelineRun is one execution of a Pipeline. Create one to start a run; patch its spec to decide manual judgments, skip execution windows, restart stages or cancel it. Its status holds a copy of the pipeline it runs, one record per stage, its phase and a Succeeded condition.',
  spec: pipelineRunSpec, status: pipelineRunStatus,
  printerColumns: [
    { name: 'Succeeded', type: 'string', jsonPath: '.status.conditions[?(@.type=="Succeeded")].status', description: 'True, False, or Unknown while running.' },
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Succeeded")].reason', description: 'Running, Succeeded, Failed, Canceled...' },
    { name: 'StartTime', type: 'date', jsonPath: '.status.startTime', description: 'When the run started.' },
    { name: 'CompletionTime', type: 'date', jsonPath: '.status.completionTime', description: 'When it finished.' },
    { name: 'Pipeline', type: 'string', jsonPath: '.spec.pipelineRef.name', description: 'The pipeline run.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Pending, Queued, Running, Succeeded, Failed or Canceled.' },
    { ...ageColumn, priority: 1 },
  ],
};
