// Stage types that need nothing outside the run: wait, evaluateVariables, checkPreconditions and
// manualJudgment.
import { formatDuration, parseDuration } from '../../api/duration.ts';
import { plural } from '../../api/plural.ts';
import { evaluateCondition, interpolate } from '../expressions.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

const elapsed = (s: StageRun) => s.clock.now() - Date.parse(s.record.startTime ?? new Date(s.clock.now()).toISOString());

export const waitStage: StageType = {
  type: 'wait',
  retryable: false,
  async execute(s) {
    const duration = parseDuration(String(s.config.duration));
    const left = duration - elapsed(s);
    if (left <= 0) return { status: 'SUCCEEDED', message: `waited ${formatDuration(duration)}` };
    // A message that does not change while waiting: every change would be a status write.
    const until = new Date(s.clock.now() + left).toISOString();
    return { status: 'RUNNING', message: `waiting ${formatDuration(duration)}, until ${until.replace(/\.\d{3}Z$/, 'Z')}`, pollAfterMs: left };
  },
};

export const evaluateVariablesStage: StageType = {
  type: 'evaluateVariables',
  retryable: false,
  rawFields: ['variables'],
  async execute(s) {
    // Evaluated in order from the definitions, so a variable may use those before it as ${variables.name}.
    const definitions = (s.stage.evaluateVariables?.variables ?? []) as { key: string; value: string }[];
    const variables: Record<string, unknown> = {};
    for (const v of definitions) variables[v.key] = interpolate(v.value, { ...s.scope, variables });
    return { status: 'SUCCEEDED', outputs: variables };
  },
};

export const checkPreconditionsStage: StageType = {
  type: 'checkPreconditions',
  retryable: true,
  rawFields: ['preconditions'],
  async execute(s) {
    const preconditions = (s.stage.checkPreconditions?.preconditions ?? []) as { expression: string; message?: string }[];
    for (const p of preconditions) {
      if (!evaluateCondition(p.expression, s.scope)) {
        return { status: 'FAILED', message: p.message ?? `precondition ${p.expression} is false` };
      }
    }
    return { status: 'SUCCEEDED', message: `${plural(preconditions.length, 'precondition holds', 'preconditions hold')}` };
  },
};

interface Judgment { stage: string; decision: 'approve' | 'reject'; input?: string; comment?: string; user?: string }

export const manualJudgmentStage: StageType = {
  type: 'manualJudgment',
  retryable: false,
  defaultTimeoutMs: 72 * 3_600_000,
  timeoutField: 'timeout',
  async execute(s): Promise<StageOutcome> {
    const spec = s.run.spec as { judgments?: Judgment[] } | undefined;
    const j = spec?.judgments?.find((x) => x.stage === s.stage.refId);
    const inputs = (s.config.inputs ?? []) as string[];
    if (!j) {
      const how = `kubectl staysail approve ${s.run.metadata.name} ${s.stage.refId}${inputs.length ? ' --input X' : ''} (or kubectl patch the run's spec.judgments)`;
      return { status: 'RUNNING', message: `waiting for a judgment${inputs.length ? ` (inputs: ${inputs.join(', ')})` : ''}; approve with: ${how}`,
        pollAfterMs: 3_600_000 };
    }
    if (j.input !== undefined && inputs.length > 0 && !inputs.includes(j.input)) {
      return { status: 'RUNNING', message: `judgment input "${j.input}" is not one of ${inputs.join(', ')}; patch spec.judgments again`, pollAfterMs: 3_600_000 };
    }
    const client = await judgedBy(s);
    const judgment = { decision: j.decision, ...(j.input !== undefined ? { input: j.input } : {}),
      ...(j.user ? { user: j.user } : {}), ...(client ? { client } : {}), time: new Date(s.clock.now()).toISOString() };
    const outputs = { judgmentStatus: j.decision, ...(j.input !== undefined ? { judgmentInput: j.input } : {}), ...(j.comment ? { comment: j.comment } : {}) };
    return j.decision === 'approve'
      ? { status: 'SUCCEEDED', message: `approved${j.comment ? `: ${j.comment}` : ''}`, outputs, judgment }
      : { status: 'FAILED', message: `rejected${j.comment ? `: ${j.comment}` : ''}`, outputs, judgment };
  },
};

/**
 * Which client set the judgment: the field manager that owns the stage's entry in spec.judgments (kubectl
 * patch shows as "kubectl-patch", the CLI as "staysail"). The cache drops managedFields, so read live.
 */
async function judgedBy(s: StageRun): Promise<string | undefined> {
  try {
    const live = await s.client.get<KubeObject>(resources.pipelineRun, s.run.metadata.namespace, s.run.metadata.name);
    const key = `k:${JSON.stringify({ stage: s.stage.refId })}`;
    const owner = (live.metadata.managedFields as { manager?: string; fieldsV1?: { 'f:spec'?: { 'f:judgments'?: Record<string, unknown> } } }[] | undefined)
      ?.find((m) => m.fieldsV1?.['f:spec']?.['f:judgments']?.[key] !== undefined);
    return owner?.manager;
  } catch {
    return undefined;
  }
}
