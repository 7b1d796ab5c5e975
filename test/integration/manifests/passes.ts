// A manifest stage run pass after pass as the run controller runs it: each outcome's state is fed to
// the next pass, until it finishes (bounded).
import type { StageRecord } from '../../../src/api/v1alpha1/pipeline-run.ts';
import { realClock } from '../../../src/core/clock.ts';
import type { KubeClient } from '../../../src/core/kube-client.ts';
import type { Provider } from '../../../src/providers/interfaces.ts';
import type { StageOutcome, StageRun, StageType } from '../../../src/pipeline/stages/stage-type.ts';

export interface StageWorld { client: KubeClient; provider: Provider; ns: string }

export const newRecord = (type: string): StageRecord => ({ refId: 'step', type, status: 'RUNNING', startTime: new Date().toISOString() } as StageRecord);

/** One pass of the stage with the block given (its accountRef "local" added) and the record so far. */
export const pass = (w: StageWorld, type: StageType, block: Record<string, unknown>, record: StageRecord, timeout?: string) => type.execute({
  run: { metadata: { name: 'release-1', namespace: w.ns } }, stage: { refId: 'step', type: type.type, ...(timeout ? { timeout } : {}) },
  config: { accountRef: { name: 'local' }, ...block }, record, scope: {} as StageRun['scope'], clock: realClock, client: w.client,
  resolveAccount: () => ({ account: { name: 'local', namespace: w.ns, spec: { provider: 'kubernetes' } }, provider: w.provider }),
  log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as StageRun['log'],
} as unknown as StageRun);

/** Passes until the stage finishes (at most 120), as the run controller makes them. */
export async function runStage(w: StageWorld, type: StageType, block: Record<string, unknown>, timeout?: string): Promise<StageOutcome & { passes: number }> {
  const record = newRecord(type.type);
  for (let passes = 1; passes <= 120; passes++) {
    const outcome = await pass(w, type, block, record, timeout);
    if (outcome.state) record.state = outcome.state;
    if (outcome.status !== 'RUNNING') return { ...outcome, passes };
    await new Promise((r) => setTimeout(r, Math.min(outcome.pollAfterMs, 500)));
  }
  throw new Error(`${type.type} never finished`);
}
