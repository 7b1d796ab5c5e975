import assert from 'node:assert/strict';
import type { StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import type { ExpressionScope } from '../expressions.ts';
import type { StageOutcome } from '../stages/stage-type.ts';
import { applyOutcome, planStageConfig, planStep } from './stage-step.ts';

const t0 = Date.parse('2026-01-05T10:00:00Z');
const iso = (ms: number) => new Date(t0 + ms).toISOString();
const scope: ExpressionScope = { parameters: { wait: '5s' }, trigger: {}, stages: {}, execution: {}, numberParameters: [] };
const def = (extra: Record<string, unknown> = {}): Stage => ({ refId: 's', type: 'webhook', webhook: { url: 'http://x/${parameters.wait}' }, ...extra }) as unknown as Stage;
const running = (extra: Partial<StageRecord> = {}): StageRecord => ({ refId: 's', type: 'webhook', status: 'RUNNING', startTime: iso(0), attempts: 1, ...extra });

describe('planStageConfig', () => {
  it('evaluates the block, leaving raw fields to the stage type', () => {
    assert.deepEqual(planStageConfig(def({ webhook: { url: 'http://x/${parameters.wait}', expr: '${later}' } }), { retryable: true, rawFields: ['expr'] }, scope),
      { config: { url: 'http://x/5s', expr: '${later}' }, timeoutMs: undefined });
  });
  it('takes the stage timeout first, then the type\'s field, then its default', () => {
    const type = { retryable: false, timeoutField: 'url', defaultTimeoutMs: 9 };
    assert.equal((planStageConfig(def({ timeout: '${parameters.wait}' }), type, scope) as { timeoutMs: number }).timeoutMs, 5000);
    assert.equal((planStageConfig(def({ webhook: { url: '2s' } }), type, scope) as { timeoutMs: number }).timeoutMs, 2000);
    assert.equal((planStageConfig(def({ webhook: {} }), type, scope) as { timeoutMs: number }).timeoutMs, 9);
  });
  it('names what cannot be evaluated', () => {
    assert.match((planStageConfig(def({ webhook: { url: '${nope.x}' } }), { retryable: true }, scope) as { error: string }).error, /nope/);
  });
});

describe('planStep', () => {
  const cases: [string, StageRecord, number | undefined, number, ReturnType<typeof planStep>][] = [
    ['executes a running stage', running(), undefined, 1000, { action: 'execute' }],
    ['times out at its timeout', running(), 5000, 5000, { action: 'timeout', message: 'timed out after 5s' }],
    ['waits for its next attempt', running({ state: { retryAt: iso(8000) } }), undefined, 5000, { action: 'wait', waitMs: 3000 }],
    ['a timeout comes before a retry', running({ state: { retryAt: iso(8000) } }), 5000, 6000, { action: 'timeout', message: 'timed out after 5s' }],
  ];
  for (const [name, r, timeout, at, want] of cases) it(name, () => assert.deepEqual(planStep(r, timeout, t0 + at), want));
  it('begins the next attempt when its time comes, counting it', () => {
    const r = running({ state: { retryAt: iso(8000) } });
    assert.deepEqual(planStep(r, undefined, t0 + 8000), { action: 'execute' });
    assert.deepEqual({ attempts: r.attempts, state: r.state }, { attempts: 2, state: undefined });
  });
});

describe('applyOutcome', () => {
  const retrying = def({ retries: { limit: 2, backoff: '${parameters.wait}' } });
  const c = (now: number) => ({ type: { retryable: true }, scope, now: t0 + now, timeoutMs: 60_000 });
  const cases: [string, Stage, StageRecord, StageOutcome, number, Partial<StageRecord>, { waitMs?: number }][] = [
    ['still running: its message, polled again (not past its timeout)', def(), running(), { status: 'RUNNING', message: 'polling', pollAfterMs: 120_000 }, 10_000,
      { status: 'RUNNING', message: 'polling' }, { waitMs: 50_000 }],
    ['succeeded, with its outputs', def(), running(), { status: 'SUCCEEDED', message: 'ok', outputs: { code: 200 } }, 1000,
      { status: 'SUCCEEDED', message: 'ok', outputs: { code: 200 }, endTime: iso(1000) }, {}],
    ['failed, retried after a back-off doubling per attempt', retrying, running({ attempts: 2 }), { status: 'FAILED', message: '503' }, 1000,
      { status: 'RUNNING', state: { retryAt: iso(11_000) }, message: 'attempt 2 of 3 failed: 503; retrying in 10s' }, { waitMs: 10_000 }],
    ['failed with no retries left: ends by its failure policy', def({ failurePolicy: 'continue', retries: { limit: 1 } }), running({ attempts: 2 }),
      { status: 'FAILED', message: '503' }, 1000, { status: 'FAILED_CONTINUE', message: '503', endTime: iso(1000) }, {}],
    ['a verdict is not retried', retrying, running(), { status: 'FAILED', message: 'rejected', final: true }, 1000,
      { status: 'TERMINAL', message: 'rejected' }, {}],
    ['a back-off that cannot be read ends the stage, saying so', def({ retries: { limit: 2, backoff: '${nope}' } }), running(), { status: 'FAILED', message: '503' }, 1000,
      { status: 'TERMINAL' }, {}],
  ];
  for (const [name, d, r, outcome, now, want, wait] of cases) {
    it(name, () => {
      assert.deepEqual(applyOutcome(r, d, outcome, c(now)), wait);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(r[k as keyof StageRecord], v, k);
    });
  }
});
