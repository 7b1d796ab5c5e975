// Stage definitions of a Pipeline: the fields every stage has, and one configuration block per
// built-in stage type. String fields of stage blocks may hold expressions ${...}.
import { thresholdsOverride } from './canary-config.ts';
import { strategySchema } from './cluster.ts';
import { anyValue, arr, bool, durationPattern, freeform, int, mapOf, obj, objectName, oneOf, optional, str, type Rule, type Static } from '../schema.ts';

export const refIdPattern = '^[A-Za-z0-9][-A-Za-z0-9_]*$';
const expressionPattern = '\\$\\{.*\\}';
/** A duration, or an expression that gives one. */
export const stageDurationPattern = `^(${durationPattern.slice(1, -1)}|${expressionPattern})$`;
export const stageDuration = (description: string) => str(`${description} A duration such as 30s or 5m, or an expression \${...}.`,
  { pattern: stageDurationPattern, maxLength: 256 });
const expression = (description: string) => str(description, { maxLength: 4096 });

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const hhmm = (description: string) => str(`${description} HH:MM, 24-hour.`, { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', maxLength: 5 });

export const executionWindowSchema = obj('Run the stage only inside these times; outside them it waits, SUSPENDED.', {
  days: optional(arr('Days the stage may run (default: every day).', oneOf('A day.', weekdays), { listType: 'set', maxItems: 7 })),
  hours: optional(arr('Time ranges the stage may run in (default: the whole day). A range may cross midnight.', obj('A time range.', {
    start: hhmm('Start.'),
    end: hhmm('End.'),
  }), { maxItems: 24 })),
  timeZone: str('IANA time zone the days and hours are in, e.g. Europe/Paris.', { default: 'UTC', maxLength: 64 }),
  jitter: optional(obj('A random extra wait once the window opens, to spread load.', {
    min: stageDuration('Shortest extra wait.'),
    max: stageDuration('Longest extra wait.'),
  })),
}, { rules: [{ rule: 'has(self.days) || has(self.hours)', message: 'an execution window needs days, hours or both' }] });

const canaryScope = (description: string) => obj(description, {
  scope: str('What its series are labelled with, usually the server group name; fills ${scope} in the queries. May be an expression.', { maxLength: 1024 }),
  location: optional(str('Where it runs (namespace or region); fills ${location}. May be an expression.', { maxLength: 1024 })),
});

/** Built-in stage types and their configuration blocks; the block named by `type` configures the stage. */
export const stageBlocks = {
  wait: obj('wait: pause for a time.', {
    duration: stageDuration('How long to wait.'),
  }),
  manualJudgment: obj('manualJudgment: wait for a person to approve or reject, through the PipelineRun\'s spec.judgments.', {
    instructions: optional(str('What the judge should check.', { maxLength: 8192 })),
    inputs: optional(arr('Choices offered; the one picked is the stage\'s output judgmentInput.', str('A choice.', { maxLength: 256 }),
      { listType: 'set', maxItems: 32 })),
    timeout: optional(stageDuration('How long to wait for a decision (default 72h).')),
  }),
  evaluateVariables: obj('evaluateVariables: evaluate expressions once and expose them as outputs.', {
    variables: arr('Variables, evaluated in order; later ones may use earlier ones.', obj('A variable.', {
      key: str('Its name in the outputs.', { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 128 }),
      value: expression('Its value: text, or an expression ${...}.'),
    }), { minItems: 1, maxItems: 128, listType: 'map', listMapKeys: ['key'] }),
  }),
  checkPreconditions: obj('checkPreconditions: fail unless every expression holds.', {
    preconditions: arr('Expressions that must be true.', obj('A precondition.', {
      expression: expression('An expression ${...} that must evaluate to true.'),
      message: optional(str('Why the run fails when it does not hold.', { maxLength: 1024 })),
    }), { minItems: 1, maxItems: 64 }),
  }),
  webhook: obj('webhook: call an HTTP endpoint, and optionally poll a status URL until it reports success or failure.', {
    url: str('The URL, http or https; may use expressions.', { maxLength: 4096 }),
    method: oneOf('The HTTP method.', ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const, { default: 'POST' }),
    headers: optional(mapOf('Request headers.', str('A header value.', { maxLength: 8192 }))),
    body: optional(anyValue('The request body: JSON, or text.')),
    retries: optional(int('Retries on 5xx answers and connection errors.', { minimum: 0, maximum: 10 })),
    successStatuses: optional(arr('HTTP statuses that count as success (default: any 2xx).', int('A status.', { minimum: 100, maximum: 599 }),
      { listType: 'set', maxItems: 32 })),
    poll: optional(obj('Poll a status URL after the call.', {
      statusUrl: str('URL to poll; may use ${response...} from the first call.', { maxLength: 4096 }),
      interval: stageDuration('Time between polls.'),
      successExpression: expression('An expression over ${response} that means success.'),
      failureExpression: optional(expression('An expression over ${response} that means failure.')),
    })),
  }),
  runJob: obj('runJob: run a Kubernetes Job to completion.', {
    jobTemplate: freeform('The Job\'s spec (as in a Job). Staysail names the Job from the run and stage.'),
    outputs: optional(arr('Values to read into outputs: key=value lines of the container\'s termination message, else STAYSAIL_OUTPUT key=value lines of its log.', str('A key.',
      { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 128 }), { listType: 'set', maxItems: 64 })),
    missingOutputs: oneOf('When the Job succeeds without giving a declared output: Fail fails the stage, naming the output and the pod it looked in; Warn lets the stage succeed and says so in its message.',
      ['Fail', 'Warn'] as const, { default: 'Fail' }),
  }),
  deploy: obj('deploy: roll a new template out to a Cluster (its strategy decides how) and wait for the rollout to finish. The same engine as editing the Cluster.', {
    clusterRef: obj('The Cluster, in this namespace.', { name: objectName('Its name.') }),
    template: freeform('The server group template to deploy, as in the Cluster\'s spec.template; expressions may fill it in.'),
    capacity: optional(obj('A new capacity for the cluster (default: unchanged).', {
      min: int('Fewest instances.', { minimum: 0, maximum: 100000 }),
      max: int('Most instances.', { minimum: 0, maximum: 100000 }),
      desired: int('Instances wanted now.', { minimum: 0, maximum: 100000 }),
    })),
    strategy: optional({ ...strategySchema, description: 'Deploy with this strategy, e.g. canary with its analysis settings; it becomes the Cluster\'s spec.strategy (default: the Cluster\'s own).' }),
  }),
  canaryAnalysis: obj('canaryAnalysis: judge a canary against its baseline with a CanaryConfig, interval by interval, without deploying anything (Kayenta\'s standalone analysis). Real time with lifetime; retrospective with startTime and endTime.', {
    canaryConfigRef: obj('The CanaryConfig, in this namespace.', { name: objectName('Its name.') }),
    baseline: canaryScope('The baseline (control): what the canary is compared with.'),
    canary: canaryScope('The canary (experiment): the new version.'),
    extendedScopeParams: optional(mapOf('More labels for the queries\' ${...} placeholders, for both scopes.', str('A value.', { maxLength: 1024 }))),
    lifetime: optional(stageDuration('Real time: how long the analysis runs from the stage\'s start (after the warm-up); each interval is judged as it ends.')),
    startTime: optional(str('Retrospective: the start of the period analysed, RFC 3339 (with endTime); may be an expression.', { maxLength: 256 })),
    endTime: optional(str('Retrospective: the end of the period analysed, RFC 3339; may be an expression.', { maxLength: 256 })),
    interval: optional(stageDuration('How often a judgement is made (default: once, over the whole lifetime or period).')),
    warmup: optional(stageDuration('Real time: wait before the first window opens.')),
    lookback: optional(stageDuration('Judge only the last lookback of each window (a sliding window); default: windows grow from the start.')),
    thresholds: thresholdsOverride('The final score must reach this.', 'An interval scoring at or below this fails the stage at once.'),
  }, { rules: [
    { rule: 'has(self.lifetime) != (has(self.startTime) && has(self.endTime))',
      message: 'set lifetime (real time) or both startTime and endTime (retrospective), not both', fieldPath: '.lifetime' },
    { rule: 'has(self.startTime) == has(self.endTime)', message: 'startTime and endTime go together', fieldPath: '.startTime' },
  ] }),
  pipeline: obj('pipeline: start another Pipeline as a child run and wait for it.', {
    pipelineRef: obj('The Pipeline to run, in this namespace.', { name: objectName('Its name.') }),
    parameters: optional(mapOf('Parameters for the child run; values may use expressions.', anyValue('A value.'))),
    waitForCompletion: bool('Wait for the child run to finish; its outputs become this stage\'s.', { default: true }),
  }),
};
export type StageType = keyof typeof stageBlocks;
export const stageTypes = Object.keys(stageBlocks) as StageType[];

export const failurePolicies = ['failPipeline', 'stopBranch', 'stopBranchThenFail', 'continue'] as const;

/** Stage types that cannot run without their block (manualJudgment can). */
const blockRequired: StageType[] = ['wait', 'evaluateVariables', 'checkPreconditions', 'webhook', 'runJob', 'deploy', 'canaryAnalysis', 'pipeline'];

const blockMatchesType: Rule[] = [
  ...stageTypes.map((t) => ({
    rule: `!has(self.${t}) || self.type == '${t}'`, message: `the ${t} block is only for stages of type ${t}`, fieldPath: `.${t}`,
  })),
  ...blockRequired.map((t) => ({ rule: `self.type != '${t}' || has(self.${t})`, message: `a stage of type ${t} needs its ${t} block`, fieldPath: '.type' })),
];

export const stageSchema = obj('A stage: a step of the pipeline, run when all its requisite stages have finished well.', {
  refId: str('Unique id within the pipeline, used by requisiteStageRefIds.', { pattern: refIdPattern, maxLength: 63 }),
  name: optional(str('A name for people (default: refId).', { maxLength: 256 })),
  type: str(`The stage type, e.g. ${stageTypes.join(', ')}; its configuration is the block of the same name.`,
    { pattern: '^[a-z][A-Za-z0-9]*$', maxLength: 63 }),
  requisiteStageRefIds: optional(arr('Stages that must finish (SUCCEEDED, FAILED_CONTINUE or SKIPPED) first. Empty: the stage starts with the run.',
    str('A refId.', { pattern: refIdPattern, maxLength: 63 }), { listType: 'set', maxItems: 64 })),
  if: optional(expression('Run the stage only when this expression ${...} is true; otherwise it is SKIPPED.')),
  failurePolicy: oneOf('When the stage fails: failPipeline (TERMINAL, the run fails), stopBranch (STOPPED: downstream stages do not run), stopBranchThenFail (the same, and the run fails once other branches finish) or continue (FAILED_CONTINUE: downstream stages run).',
    failurePolicies, { default: 'failPipeline' }),
  timeout: optional(stageDuration('Fail the stage when it runs longer (time in an execution window does not count).')),
  retries: optional(obj('Retry a failed attempt, for stage types that may be retried.', {
    limit: int('Retries after the first attempt.', { minimum: 0, maximum: 10 }),
    backoff: optional(stageDuration('Wait before the first retry; doubles each time (default 10s).')),
  })),
  executionWindow: optional(executionWindowSchema),
  ...Object.fromEntries(stageTypes.map((t) => [t, optional(stageBlocks[t])])) as { [K in StageType]: ReturnType<typeof optional<(typeof stageBlocks)[K]>> },
}, { rules: blockMatchesType });
export type Stage = Static<typeof stageSchema>;
