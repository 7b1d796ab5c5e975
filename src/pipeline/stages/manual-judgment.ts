// manualJudgment: waits for a person's decision in the run's spec.judgments. While it waits, its
// message and an Event say what to check (the instructions) and what to choose (the inputs);
// judgmentRequest computes that text from the stage's block, for whoever else tells the judge.
import { resources } from '../../api/v1alpha1/index.ts';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

/** What a waiting judgment asks of its judge. */
export interface JudgmentRequest {
  /** One line: the first line of the instructions and the choices, e.g. `Check the dashboards first. Choose one of: go, hold`. */
  summary: string;
  /** The instructions whole, when there are any. */
  instructions?: string;
  /** Whether the summary shows only part of the instructions (they have more lines, or a long first one). */
  abridged: boolean;
  inputs: string[];
}

/** Past this, the first line of the instructions is cut short in the summary. */
const headlineMax = 200;

/** What the judge should check and choose, from the stage's manualJudgment block (its expressions evaluated). Pure. */
export function judgmentRequest(block: Stage['manualJudgment'] | undefined): JudgmentRequest {
  const inputs = block?.inputs ?? [];
  const instructions = block?.instructions?.trim() || undefined;
  const lines = (instructions ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let headline = lines[0] ?? '';
  const abridged = lines.length > 1 || headline.length > headlineMax;
  if (headline.length > headlineMax) headline = headline.slice(0, headlineMax - 1).trimEnd();
  if (abridged) headline = `${headline.replace(/[.:;,]$/, '')}…`;
  const choices = inputs.length ? `Choose one of: ${inputs.join(', ')}` : '';
  const summary = !headline ? choices || 'approve or reject'
    : !choices ? headline
      : `${headline}${/[.!?…]$/.test(headline) ? '' : '.'} ${choices}`;
  return { summary, ...(instructions ? { instructions } : {}), abridged, inputs };
}

interface Judgment { stage: string; decision: 'approve' | 'reject'; input?: string; comment?: string; user?: string }

export const manualJudgmentStage: StageType = {
  type: 'manualJudgment',
  retryable: false,
  defaultTimeoutMs: 72 * 3_600_000,
  timeoutField: 'timeout',
  async execute(s): Promise<StageOutcome> {
    const spec = s.run.spec as { judgments?: Judgment[] } | undefined;
    const j = spec?.judgments?.find((x) => x.stage === s.stage.refId);
    const request = judgmentRequest(s.config as Stage['manualJudgment']);
    const { inputs } = request;
    // The whole instructions, evaluated, for a judge the message shows only the first line to.
    const shown = request.instructions ? { instructions: request.instructions } : undefined;
    if (!j) {
      const how = `kubectl staysail approve ${s.run.metadata.name} ${s.stage.refId}${inputs.length ? ' --input INPUT' : ''} (or kubectl patch the run's spec.judgments)`;
      return { status: 'RUNNING', announce: 'Normal', pollAfterMs: 3_600_000, ...(shown ? { outputs: shown } : {}),
        message: `waits for a judgment: ${request.summary}${request.abridged ? ' (whole text in outputs.instructions)' : ''}; approve with: ${how}` };
    }
    if (j.input !== undefined && inputs.length > 0 && !inputs.includes(j.input)) {
      return { status: 'RUNNING', announce: 'Warning', pollAfterMs: 3_600_000,
        message: `judgment input "${j.input}" is not one of ${inputs.join(', ')}; patch spec.judgments again` };
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
