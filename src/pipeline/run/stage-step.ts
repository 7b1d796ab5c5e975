// One step of a RUNNING stage, as decisions: its config and timeout from the stage's block, whether
// it timed out, waits for a retry or is executed now, and what an outcome of its stage type makes of
// its record (done, failed by its failure policy, retried with back-off, still running). Pure: the
// controller executes the stage type between planStep and applyOutcome.
import { formatDuration, parseDuration } from '../../api/duration.ts';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import { interpolate, type ExpressionScope } from '../expressions.ts';
import { failureStatus } from '../graph/scheduler.ts';
import type { StageOutcome, StageType } from '../stages/stage-type.ts';
import { iso, type StageRecord } from './facts.ts';
import { transition } from './records.ts';

/** What the planners need of a stage type (not its execute). */
export type StageTypeTraits = Pick<StageType, 'retryable' | 'defaultTimeoutMs' | 'timeoutField' | 'rawFields'>;

/** The stage's block with its expressions evaluated (raw fields left for the stage type), and its timeout. */
export type StageConfig = { config: Record<string, unknown>; timeoutMs?: number } | { error: string };

export function planStageConfig(def: Stage, type: StageTypeTraits, scope: ExpressionScope): StageConfig {
  try {
    const block = { ...((def as Record<string, unknown>)[def.type] as Record<string, unknown> | undefined ?? {}) };
    const rawFields = type.rawFields ?? [];
    const raw = Object.fromEntries(rawFields.filter((f) => f in block).map((f) => [f, block[f]]));
    for (const f of rawFields) delete block[f];
    const config = { ...interpolate(block, scope), ...raw };
    return { config, timeoutMs: timeoutOf(def, type, config, scope) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The stage's timeout: its own, else its type's timeout field, else its type's default. */
function timeoutOf(def: Stage, type: StageTypeTraits, config: Record<string, unknown>, scope: ExpressionScope): number | undefined {
  if (def.timeout) return parseDuration(String(interpolate(def.timeout, scope)));
  const own = type.timeoutField ? config[type.timeoutField] : undefined;
  return own !== undefined ? parseDuration(String(own)) : type.defaultTimeoutMs;
}

/** What to do with a RUNNING stage now. */
export type StepPlan =
  | { action: 'timeout'; message: string }
  | { action: 'wait'; waitMs: number }
  | { action: 'execute' };

/** Whether the stage timed out, waits for its next attempt, or is executed now; an attempt that begins is counted. */
export function planStep(r: StageRecord, timeoutMs: number | undefined, now: number): StepPlan {
  const elapsed = now - Date.parse(r.startTime!);
  if (timeoutMs !== undefined && elapsed >= timeoutMs) return { action: 'timeout', message: `timed out after ${formatDuration(timeoutMs)}` };
  const retryAt = typeof r.state?.retryAt === 'string' ? Date.parse(r.state.retryAt) : undefined;
  if (retryAt === undefined) return { action: 'execute' };
  if (now < retryAt) return { action: 'wait', waitMs: retryAt - now };
  r.attempts = (r.attempts ?? 1) + 1;
  delete r.state; // (an empty object would not survive server-side apply of a free-form field)
  return { action: 'execute' };
}

/** Ends the stage as its failure policy says a failure ends it. */
export function failStage(r: StageRecord, def: Stage, message: string, now: number): void {
  transition(r, failureStatus(def.failurePolicy), message, now);
}

/** How applyOutcome may judge an outcome: the stage type's traits, the run's scope, the time and the timeout. */
export interface OutcomeContext { type: StageTypeTraits; scope: ExpressionScope; now: number; timeoutMs?: number }

/** Records what an attempt came to; returns when to look again while the stage goes on (still running, or retrying). */
export function applyOutcome(r: StageRecord, def: Stage, outcome: StageOutcome, c: OutcomeContext): { waitMs?: number } {
  if (outcome.outputs) r.outputs = { ...(r.outputs ?? {}), ...outcome.outputs };
  if (outcome.state) r.state = outcome.state;
  if ('judgment' in outcome && outcome.judgment) r.judgment = outcome.judgment;
  if (outcome.status === 'RUNNING') {
    if (outcome.message !== undefined) r.message = outcome.message;
    const left = c.timeoutMs !== undefined ? c.timeoutMs - (c.now - Date.parse(r.startTime!)) : Infinity;
    return { waitMs: Math.min(outcome.pollAfterMs, left) };
  }
  if (outcome.status === 'SUCCEEDED') {
    transition(r, 'SUCCEEDED', outcome.message, c.now);
    return {};
  }
  if (mayRetry(r, def, c.type, outcome)) return retry(r, def, outcome.message, c);
  failStage(r, def, outcome.message, c.now);
  return {};
}

const mayRetry = (r: StageRecord, def: Stage, type: StageTypeTraits, outcome: { final?: boolean }) =>
  type.retryable && !outcome.final && def.retries !== undefined && (r.attempts ?? 1) <= def.retries.limit;

/** Schedules the next attempt, the back-off doubling per attempt; the stage stays RUNNING meanwhile. */
function retry(r: StageRecord, def: Stage, failure: string, c: OutcomeContext): { waitMs?: number } {
  const retries = def.retries!;
  let backoff: number;
  try {
    backoff = parseDuration(String(interpolate(retries.backoff ?? '10s', c.scope))) * 2 ** ((r.attempts ?? 1) - 1);
  } catch (err) {
    failStage(r, def, `${failure}; no retry: retries.backoff: ${(err as Error).message}`, c.now);
    return {};
  }
  r.state = { ...(r.state ?? {}), retryAt: iso(c.now + backoff) };
  r.message = `attempt ${r.attempts ?? 1} of ${retries.limit + 1} failed: ${failure}; retrying in ${formatDuration(backoff)}`;
  return { waitMs: backoff };
}
