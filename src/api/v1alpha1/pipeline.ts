// Pipeline: stages as a DAG, parameters, triggers, notifications, concurrency and history limits
// (Front50's pipeline config). Runs are PipelineRuns.
import { ageColumn, readyColumn, reasonColumn, type KindDefinition } from '../kind.ts';
import { anyValue, arr, bool, duration, int, localRef, mapOf, obj, objectName, oneOf, optional, str, type Static } from '../schema.ts';
import { appPattern, notificationSchema, statusBase } from './common.ts';
import { stageSchema } from './stages/index.ts';

export const parameterTypes = ['string', 'integer', 'number', 'boolean'] as const;

export const parameterSchema = obj('A parameter a run may (or must) supply.', {
  name: str('Its name, read in expressions as ${parameters.name}.', { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 128 }),
  description: optional(str('What it means.', { maxLength: 1024 })),
  type: oneOf('Its type; values are checked against it.', parameterTypes, { default: 'string' }),
  required: optional(bool('A run without it fails at once.')),
  default: optional(anyValue('Value when a run gives none.')),
  options: optional(arr('The only values allowed.', anyValue('An allowed value.'), { maxItems: 128 })),
});

// Standard five-field cron (minute hour day-of-month month day-of-week) or a macro such as @daily.
const cronField = '(\\*|\\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?';
const cronList = `${cronField}(,${cronField})*`;
export const cronPattern = `^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|${cronList}( +${cronList}){4})$`;

export const triggerTypes = ['cron', 'webhook', 'git', 'docker', 'pipeline', 'jenkins'] as const;

const secretRef = (description: string) => obj(description, {
  name: objectName('Name of the Secret, in this namespace.'),
  key: optional(str('Key within the Secret (default: secret).', { maxLength: 253 })),
});

export const triggerSchema = obj('Something that starts runs by itself. The block named by type configures it.', {
  name: str('Unique name of the trigger within the pipeline.', { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
  type: oneOf('What starts the run.', triggerTypes),
  enabled: bool('Whether the trigger fires.', { default: true }),
  parameters: optional(mapOf('Parameters for runs it starts; values may use expressions over the trigger\'s payload.', anyValue('A value.'))),
  cron: optional(obj('cron: on a schedule.', {
    expression: str('Five-field cron (minute hour day-of-month month day-of-week), or @hourly, @daily, @weekly, @monthly, @yearly.',
      { pattern: cronPattern, maxLength: 256 }),
    timeZone: str('IANA time zone of the schedule.', { default: 'UTC', maxLength: 64 }),
    catchUpWindow: optional(duration('How late a schedule missed while the operator was down may still start a run (only the latest missed one does). Default 0: a schedule more than 30s late is skipped.')),
  })),
  webhook: optional(obj('webhook: a POST to the operator at /webhooks/<namespace>/<source>.', {
    source: str('The last path segment it listens on.', { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
    secretRef: optional(secretRef('A shared secret: requests must carry its HMAC-SHA256 signature.')),
    payloadConstraints: optional(mapOf('Payload fields (dotted paths) and regular expressions they must match.', str('A regular expression.', { maxLength: 1024 }))),
  })),
  git: optional(obj('git: a push to a repository, told by the host\'s webhook (source, project, slug) or found by polling the repository (poll); one mode or the other.', {
    source: optional(oneOf('Webhook mode: the git host.', ['github', 'gitlab', 'bitbucket'] as const)),
    project: optional(str('Webhook mode: the organisation, group or project.', { maxLength: 256 })),
    slug: optional(str('Webhook mode: the repository.', { maxLength: 256 })),
    branch: optional(str('A regular expression the branch must match (default: any).', { maxLength: 256 })),
    secretRef: optional(secretRef('Webhook mode: the webhook secret the host signs with.')),
    poll: optional(obj('Poll mode, for clusters that take no inbound webhooks: the operator reads the repository\'s branches over git\'s smart HTTP protocol and fires once per new commit on each branch that matches branch.', {
      url: str('The repository\'s http(s) clone URL, e.g. https://git.example.com/team/app.git.', { pattern: '^https?://', maxLength: 1024 }),
      interval: optional(duration('How often it is read (default 60s, at least 10s).')),
    })),
  }, { rules: [{ rule: 'has(self.poll) != (has(self.source) && has(self.project) && has(self.slug))',
    message: 'a git trigger either names source, project and slug (webhook mode) or poll (poll mode), not both' }] })),
  docker: optional(obj('docker: a new image tag, or a tag pushed again with a new digest, in a registry.', {
    registry: str('The registry host, e.g. registry.example.com:5000.', { maxLength: 256 }),
    repository: str('The repository, e.g. team/app.', { maxLength: 256 }),
    tag: optional(str('A regular expression the tag must match (default: any tag but latest).', { maxLength: 256 })),
    pollInterval: optional(duration('How often the registry is read (default 60s, at least 10s).')),
    secretRef: optional(obj('A Secret with the registry credentials, under the keys username and password (a token may be the password).', {
      name: objectName('Name of the Secret, in this namespace.'),
    })),
  })),
  pipeline: optional(obj('pipeline: another Pipeline\'s run finished.', {
    pipelineRef: localRef('The Pipeline, in this namespace.'),
    statuses: arr('Which results fire the trigger.', oneOf('A result.', ['succeeded', 'failed', 'canceled'] as const),
      { minItems: 1, listType: 'set', maxItems: 3 }),
  })),
  jenkins: optional(obj('jenkins: a build of a Jenkins job finished with result SUCCESS (one run per build; the job is polled).', {
    master: str('The Jenkins server: a key of the ConfigMap staysail-jenkins in this namespace.', { maxLength: 256 }),
    job: str('The job; in folders, folder/job.', { maxLength: 1024 }),
    propertyFile: optional(str('An archived artifact (its relativePath) of key=value lines, read into the payload\'s properties.', { maxLength: 1024 })),
    pollInterval: optional(duration('How often the job is read (default 60s, at least 10s).')),
  })),
}, { rules: triggerTypes.map((t) => ({ rule: `(self.type == '${t}') == has(self.${t})`,
  message: `a trigger of type ${t} needs its ${t} block, and the ${t} block needs type ${t}`, fieldPath: '.type' })) });

export const pipelineSpec = obj('The pipeline: its stages and how runs of it are started and kept.', {
  application: str('The Application (in this namespace) the pipeline belongs to.', { pattern: appPattern, maxLength: 40 }),
  description: optional(str('What the pipeline does.', { maxLength: 4096 })),
  disabled: optional(bool('Triggers do not fire and new runs are refused while true.')),
  parameters: optional(arr('Parameters runs give.', parameterSchema, { listType: 'map', listMapKeys: ['name'], maxItems: 64 })),
  stages: arr('The stages, as a graph through requisiteStageRefIds.', stageSchema, { minItems: 1, maxItems: 200, listType: 'map', listMapKeys: ['refId'] }),
  triggers: optional(arr('What starts runs besides a person.', triggerSchema, { listType: 'map', listMapKeys: ['name'], maxItems: 32 })),
  notifications: optional(arr('Who hears about runs and stages.', notificationSchema, { maxItems: 32 })),
  concurrency: optional(obj('How many runs may be active at once.', {
    maxConcurrentRuns: int('Active runs at most; more wait, queued. 0: no limit.', { minimum: 0, maximum: 1000, default: 1 }),
    keepWaitingRuns: bool('Keep every waiting run and start them oldest first; when false only the newest waiting run is kept and older waiting runs are canceled.',
      { default: false }),
  })),
  history: optional(obj('How many finished runs to keep; older ones are deleted.', {
    succeededRunsLimit: int('Succeeded runs kept.', { minimum: 0, maximum: 10000, default: 20 }),
    failedRunsLimit: int('Failed or canceled runs kept.', { minimum: 0, maximum: 10000, default: 20 }),
  })),
});

const date = (description: string) => str(description, { format: 'date-time' });

export const triggerStatus = obj('What a trigger last did.', {
  name: str('The trigger, as named in spec.triggers.', { maxLength: 63 }),
  type: oneOf('Its type.', triggerTypes),
  since: optional(date('When the trigger was armed (first seen, or enabled again): nothing scheduled or finished before then starts a run. Absent while it is disabled.')),
  lastEventTime: optional(date('When it last started a run.')),
  lastRun: optional(str('The run it last started.', { maxLength: 253 })),
  lastError: optional(str('Why it last failed to start a run, or why it cannot fire; absent once it works.', { maxLength: 4096 })),
  lastScheduledTime: optional(date('cron: the scheduled time of the last run it started.')),
  nextScheduledTime: optional(date('cron: the next scheduled time.')),
  lastUpstreamCompletionTime: optional(date('pipeline: when the last upstream run it acted on finished; only runs finishing later start runs.')),
  lastPollTime: optional(date('docker, git poll mode, jenkins: when the registry, repository or job was last read.')),
  polled: optional(str('docker, git poll mode, jenkins: what was read (registry/repository, the URL, or server/job); when the trigger names another, the next read records without firing.', { maxLength: 1024 })),
  images: optional(arr('docker: the digest of each matching tag when last read (at most 200, newest first); a tag not here, or here with another digest, starts a run.',
    obj('A tag and its digest.', { tag: str('The tag.', { maxLength: 128 }), digest: str('The manifest digest.', { maxLength: 128 }) }), { maxItems: 200 })),
  heads: optional(arr('git poll mode: the commit of each matching branch when last read (at most 200); a new commit on one starts a run.',
    obj('A branch and its commit.', { branch: str('The branch.', { maxLength: 256 }), commit: str('The commit.', { maxLength: 64 }) }), { maxItems: 200 })),
  lastBuildNumber: optional(int('jenkins: every build up to this number is acted on (a SUCCESS started its run); a later build starts a run once it and every build before it finished.', { minimum: 0 })),
});

export const pipelineStatus = obj('What the controller found in the pipeline and its runs.', {
  ...statusBase,
  triggers: optional(arr('Each trigger\'s last event and last error, by name.', triggerStatus, { listType: 'map', listMapKeys: ['name'], maxItems: 32 })),
  stageCount: optional(int('How many stages the pipeline has.', { minimum: 0 })),
  lastRun: optional(obj('The most recently started run.', {
    name: str('The PipelineRun.', { maxLength: 253 }),
    result: optional(str('Its result: Queued, Running, Succeeded, Failed or Canceled.', { maxLength: 32 })),
    startTime: optional(str('When it started.', { format: 'date-time' })),
  })),
});

export type PipelineSpec = Static<typeof pipelineSpec>;
export type PipelineStatus = Static<typeof pipelineStatus>;
export type PipelineTrigger = Static<typeof triggerSchema>;
export type TriggerStatus = Static<typeof triggerStatus>;

/** Why a Pipeline is invalid: its stage graph, a stage type it names, an expression, an execution window. */
export type PipelineProblemReason = 'InvalidGraph' | 'UnknownStageType' | 'InvalidExpression' | 'InvalidExecutionWindow';
/** Reasons of a Pipeline's conditions: Ready (Valid, or why not), and FieldsActedOn. */
export type PipelineReason = 'Valid' | PipelineProblemReason | 'NotActedOn';

export const pipelineKind: KindDefinition = {
  kind: 'Pipeline', plural: 'pipelines', singular: 'pipeline', shortNames: ['pl'],
  description: 'A Pipeline is a delivery process: stages run as a graph (a stage starts when its requisite stages have finished), with parameters, triggers, notifications, concurrency limits and history limits. Each run is a PipelineRun.',
  spec: pipelineSpec, status: pipelineStatus,
  printerColumns: [
    { name: 'Application', type: 'string', jsonPath: '.spec.application', description: 'Its application.' },
    { name: 'Stages', type: 'integer', jsonPath: '.status.stageCount', description: 'How many stages.' },
    { name: 'Last-Run', type: 'string', jsonPath: '.status.lastRun.name', description: 'The latest run.' },
    { name: 'Last-Result', type: 'string', jsonPath: '.status.lastRun.result', description: 'Its result.' },
    readyColumn, { ...reasonColumn, priority: 1 }, ageColumn,
  ],
};
