// Changing a stage's record: the one way a stage moves from one execution status to another. Pure
// (it changes the record it is given, a copy the pass owns); the Events come later, from the diff.
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import { topologicalOrder } from '../graph/dag.ts';
import { complete, type ExecutionStatus } from '../graph/scheduler.ts';
import { iso, type StageRecord } from './facts.ts';

/** Moves the record to status (with its message): a first RUNNING counts an attempt and starts the clock; an end stops it. */
export function transition(r: StageRecord, status: ExecutionStatus, message: string | undefined, now: number): void {
  r.status = status;
  if (message !== undefined) r.message = message;
  if (status === 'RUNNING' && !r.startTime) { r.startTime = iso(now); r.attempts = (r.attempts ?? 0) + 1; }
  if (complete.has(status)) r.endTime = iso(now);
}

/** The fields a restart clears, so the stage runs as if for the first time (attempts go on counting). */
export const restartedFields = ['startTime', 'endTime', 'message', 'outputs', 'state', 'judgment', 'suspendedUntil', 'timedOut', 'setAsideJudgment'] as const;

/** A decision in spec.judgments as one string, its keys sorted: what a restart sets aside and a stage compares. */
export const judgmentKey = (j: Record<string, unknown>): string =>
  JSON.stringify(Object.fromEntries(Object.keys(j).sort().map((k) => [k, j[k]])));

/** The stage's decision in spec.judgments, unless a restart set it aside. */
export function judgmentFor<J extends { stage: string }>(judgments: readonly J[] | undefined, r: StageRecord): J | undefined {
  const j = judgments?.find((x) => x.stage === r.refId);
  return j && r.setAsideJudgment !== judgmentKey(j) ? j : undefined;
}

/** The record of a stage that runs again. */
export function resetRecord(r: StageRecord): void {
  r.status = 'NOT_STARTED';
  for (const f of restartedFields) delete r[f];
}

/** The records of a run that starts: one per stage, NOT_STARTED, in an order where requisites come first. */
export const startRecords = (stages: readonly Stage[]): StageRecord[] =>
  topologicalOrder(stages).map((s) => ({ refId: s.refId, ...(s.name ? { name: s.name } : {}), type: s.type, status: 'NOT_STARTED' as const }));
