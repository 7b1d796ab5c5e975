// The text of a notification: the default, naming the run, its pipeline and what happened (for a
// failure, the failing stage and its message), or the notification's message.text evaluated with
// expressions over the run, as stage fields are. Pure.
import { interpolate, type ExpressionScope } from '../pipeline/expressions.ts';
import type { Level, MessageStage, NotificationMessage } from './types.ts';

/** How long a stage's message may be in a notification; longer ones are cut (the run's status has it whole). */
export const maxStageMessage = 1000;

export const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

const stageName = (s: MessageStage) => `stage "${s.refId}"${s.name && s.name !== s.refId ? ` (${s.name})` : ''}`;
const withMessage = (s: MessageStage | undefined) => (s?.message ? `: ${s.message}` : '');

/** The default text of a message, with the link when there is one. */
export function defaultText(m: Omit<NotificationMessage, 'text'>, runMessage: string): string {
  const run = `Pipeline "${m.run.pipeline}" run "${m.run.name}"`;
  const s = m.stage;
  const text = ((): string => {
    switch (m.event) {
      case 'pipeline.starting': return `${run} started`;
      case 'pipeline.complete': return `${run} succeeded`;
      case 'pipeline.failed':
        return s ? `${run} failed: ${stageName(s)} ended ${s.status}${withMessage(s)}` : `${run} failed${runMessage ? `: ${runMessage}` : ''}`;
      default: return `${run}: ${stageText(m.event, s!)}`;
    }
  })();
  return m.run.url ? `${text}\n${m.run.url}` : text;
}

function stageText(level: Exclude<Level, `pipeline.${string}`>, s: MessageStage): string {
  switch (level) {
    case 'stage.starting': return `${stageName(s)} started`;
    case 'stage.complete': return `${stageName(s)} succeeded`;
    case 'stage.failed': return `${stageName(s)} ended ${s.status}${withMessage(s)}`;
    // The stage's own message says what it asks and how to answer (kubectl staysail approve ...).
    case 'manualJudgment': return s.message ? `${stageName(s)} ${s.message}` : `${stageName(s)} waits for a judgment`;
    case 'manualJudgmentContinue': return `${stageName(s)} was approved`;
    case 'manualJudgmentStop': return `${stageName(s)} was rejected${withMessage(s)}`;
  }
}

/**
 * The notification's own text evaluated over the run's scope, with `event` (level, stage, message,
 * the default text) beside parameters, trigger, stages and execution. An expression that fails
 * gives the default text and says why, so the event is still told.
 */
export function customText(template: string, scope: ExpressionScope, m: Omit<NotificationMessage, 'text'>, fallback: string): string {
  const event = { level: m.event, stage: m.stage?.refId ?? '', status: m.stage?.status ?? m.run.phase, message: m.stage?.message ?? '', text: fallback };
  try {
    const value = interpolate(template, { ...scope, event } as ExpressionScope);
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch (err) {
    return `${fallback}\n(message.text could not be evaluated: ${(err as Error).message})`;
  }
}
