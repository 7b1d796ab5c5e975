// manualJudgment: waits for a person's decision in the run's spec.judgments. While it waits, its
// message (and so a JudgmentWaiting run event, a StageWaiting Event) says what to check (the
// instructions) and what to choose (the inputs);
// judgmentRequest computes that text from the stage's block, for whoever else tells the judge.
import { resources } from '../../api/v1alpha1/index.ts';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { judgmentFor } from '../run/records.ts';
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
  const { headline, abridged } = headlineOf(instructions);
  const choices = inputs.length ? `Choose one of: ${inputs.join(', ')}` : '';
  return { summary: summaryOf(headline, choices), ...(instructions ? { instructions } : {}), abridged, inputs };
}

/** The first line of the instructions, cut short past headlineMax, and whether it shows only part of them. */
function headlineOf(instructions: string | undefined): { headline: string; abridged: boolean } {
  const lines = (instructions ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let headline = lines[0] ?? '';
  const abridged = lines.length > 1 || headline.length > headlineMax;
  if (headline.length > headlineMax) headline = headline.slice(0, headlineMax - 1).trimEnd();
  if (abridged) headline = `${headline.replace(/[.:;,]$/, '')}…`;
  return { headline, abridged };
}

function summaryOf(headline: string, choices: string): string {
  if (!headline) return choices || 'approve or reject';
  if (!choices) return headline;
  return `${headline}${/[.!?…]$/.test(headline) ? '' : '.'} ${choices}`;
}

interface Judgment { stage: string; decision: 'approve' | 'reject'; input?: string; comment?: string; user?: string }

/** Waiting for a decision: the message says what to check and choose, and how to decide; the whole instructions go to outputs. */
function waiting(s: StageRun, request: JudgmentRequest): StageOutcome {
  const how = `kubectl staysail approve ${s.run.metadata.name} ${s.stage.refId}${request.inputs.length ? ' --input INPUT' : ''} (or kubectl patch the run's spec.judgments)`;
  // The whole instructions, evaluated, for a judge the message shows only the first line to.
  return { status: 'RUNNING', pollAfterMs: 3_600_000, ...(request.instructions ? { outputs: { instructions: request.instructions } } : {}),
    message: `waits for a judgment: ${request.summary}${request.abridged ? ' (whole text in outputs.instructions)' : ''}; approve with: ${how}`
      + (s.record.setAsideJudgment ? '; the stage restarted, so its decision before is set aside (a kubectl patch must differ from it, e.g. a new id)' : '') };
}

/** The decision taken: the stage succeeds on approve and fails (a verdict) on reject, recording who decided and when. */
function decided(s: StageRun, j: Judgment, client: string | undefined): StageOutcome {
  const judgment = { decision: j.decision, ...(j.input !== undefined ? { input: j.input } : {}),
    ...(j.user ? { user: j.user } : {}), ...(client ? { client } : {}), time: new Date(s.clock.now()).toISOString() };
  const outputs = { judgmentStatus: j.decision, ...(j.input !== undefined ? { judgmentInput: j.input } : {}), ...(j.comment ? { comment: j.comment } : {}) };
  const why = j.comment ? `: ${j.comment}` : '';
  return j.decision === 'approve'
    ? { status: 'SUCCEEDED', message: `approved${why}`, outputs, judgment }
    : { status: 'FAILED', message: `rejected${why}`, outputs, judgment };
}

export const manualJudgmentStage: StageType = {
  type: 'manualJudgment',
  retryable: false,
  defaultTimeoutMs: 72 * 3_600_000,
  timeoutField: 'timeout',
  async execute(s): Promise<StageOutcome> {
    const spec = s.run.spec as { judgments?: Judgment[] } | undefined;
    // A decision a restart of the stage set aside does not count: the stage asks again.
    const j = judgmentFor(spec?.judgments, s.record);
    const request = judgmentRequest(s.config as Stage['manualJudgment']);
    if (!j) return waiting(s, request);
    if (j.input !== undefined && request.inputs.length > 0 && !request.inputs.includes(j.input)) {
      return { status: 'RUNNING', pollAfterMs: 3_600_000,
        message: `judgment input "${j.input}" is not one of ${request.inputs.join(', ')}; patch spec.judgments again` };
    }
    return decided(s, j, await judgedBy(s));
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
