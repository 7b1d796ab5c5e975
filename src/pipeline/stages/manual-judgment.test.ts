import assert from 'node:assert/strict';
import { judgmentRequest, type JudgmentRequest } from './manual-judgment.ts';

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
