import assert from 'node:assert/strict';
import { judgmentRequest, manualJudgmentStage, type JudgmentRequest } from './manual-judgment.ts';

describe('judgmentRequest', () => {
  const long = `Read ${'the runbook, '.repeat(30)}then decide.`;
  const cases: [string, Parameters<typeof judgmentRequest>[0], Omit<JudgmentRequest, 'inputs' | 'instructions'>][] = [
    ['no block: a plain approve or reject', undefined, { summary: 'approve or reject', abridged: false }],
    ['instructions and inputs', { instructions: 'Check the dashboards first.', inputs: ['go', 'hold'] },
      { summary: 'Check the dashboards first. Choose one of: go, hold', abridged: false }],
    ['a full stop before the choices when the instructions have none', { instructions: 'Check the dashboards', inputs: ['go'] },
      { summary: 'Check the dashboards. Choose one of: go', abridged: false }],
    ['inputs alone', { inputs: ['go', 'hold'] }, { summary: 'Choose one of: go, hold', abridged: false }],
    ['instructions alone, trimmed', { instructions: '  Look at staging.\n' }, { summary: 'Look at staging.', abridged: false }],
    ['the first line of many', { instructions: 'Check these:\n- the error rate\n- the latency', inputs: ['go', 'hold'] },
      { summary: 'Check these… Choose one of: go, hold', abridged: true }],
    ['a long first line cut short', { instructions: long }, { summary: `${long.slice(0, 199).trimEnd().replace(/,$/, '')}…`, abridged: true }],
  ];
  for (const [name, block, want] of cases) {
    it(name, () => {
      const got = judgmentRequest(block);
      assert.deepEqual({ summary: got.summary, abridged: got.abridged }, want);
      assert.deepEqual(got.inputs, block?.inputs ?? []);
      assert.equal(got.instructions, block?.instructions?.trim());
    });
  }
  it('keeps the summary to one line of at most 200 characters plus the choices', () => {
    const { summary } = judgmentRequest({ instructions: `${'x'.repeat(500)}\nmore`, inputs: ['go'] });
    assert.ok(!summary.includes('\n'));
    assert.equal(summary, `${'x'.repeat(199)}… Choose one of: go`);
  });
});

describe('manualJudgment stage', () => {
  const stageRun = (judgments: object[], block: object = {}) => ({
    run: { metadata: { name: 'release-1', namespace: 'ns' }, spec: { judgments } },
    stage: { refId: 'approve', type: 'manualJudgment', manualJudgment: block },
    config: block, record: { refId: 'approve', type: 'manualJudgment', status: 'RUNNING' },
    clock: { now: () => Date.parse('2026-01-05T10:00:00Z') },
    client: { get: async () => ({ metadata: { managedFields: [{ manager: 'kubectl-patch', fieldsV1: { 'f:spec': { 'f:judgments': { 'k:{"stage":"approve"}': {} } } } }] } }) },
  }) as unknown as Parameters<typeof manualJudgmentStage.execute>[0];

  it('waits, saying what to choose and how to decide', async () => {
    const got = await manualJudgmentStage.execute(stageRun([], { inputs: ['go', 'hold'] }));
    assert.equal(got.status, 'RUNNING');
    assert.equal(got.message, 'waits for a judgment: Choose one of: go, hold; approve with: kubectl staysail approve release-1 approve --input INPUT (or kubectl patch the run\'s spec.judgments)');
  });
  it('keeps waiting on an input that is not among the choices', async () => {
    const got = await manualJudgmentStage.execute(stageRun([{ stage: 'approve', decision: 'approve', input: 'maybe' }], { inputs: ['go'] }));
    assert.deepEqual({ status: got.status, message: got.message }, { status: 'RUNNING', message: 'judgment input "maybe" is not one of go; patch spec.judgments again' });
  });
  it('succeeds on approve, recording who decided, with which client and when', async () => {
    const got = await manualJudgmentStage.execute(stageRun([{ stage: 'approve', decision: 'approve', input: 'go', user: 'alice', comment: 'looks good' }], { inputs: ['go'] }));
    assert.deepEqual(got, { status: 'SUCCEEDED', message: 'approved: looks good',
      outputs: { judgmentStatus: 'approve', judgmentInput: 'go', comment: 'looks good' },
      judgment: { decision: 'approve', input: 'go', user: 'alice', client: 'kubectl-patch', time: '2026-01-05T10:00:00.000Z' } });
  });
  it('fails on reject', async () => {
    const got = await manualJudgmentStage.execute(stageRun([{ stage: 'approve', decision: 'reject' }]));
    assert.deepEqual({ status: got.status, message: got.message }, { status: 'FAILED', message: 'rejected' });
  });
});
