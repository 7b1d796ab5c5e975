import assert from 'node:assert/strict';
import { phaseOf, type PhaseSource } from './phase.ts';

const succeeded = (status: string, reason: string): PhaseSource => ({ conditions: [{ type: 'Succeeded', status, reason }] });

describe('phaseOf', () => {
  const cases: [string, PhaseSource | undefined, string][] = [
    ['a run not yet looked at', undefined, 'Pending'],
    ['status.phase, when written', { phase: 'Queued', ...succeeded('Unknown', 'Running') }, 'Queued'],
    ['status.phase over a condition that says otherwise', { phase: 'Canceled', ...succeeded('False', 'Failed') }, 'Canceled'],
    ['an old run without phase: running', succeeded('Unknown', 'Running'), 'Running'],
    ['an old run without phase: queued', succeeded('Unknown', 'Queued'), 'Queued'],
    ['an old run without phase: succeeded', succeeded('True', 'Succeeded'), 'Succeeded'],
    ['an old run without phase: canceled', succeeded('False', 'Canceled'), 'Canceled'],
    ['an old run without phase: timed out', succeeded('False', 'Timeout'), 'Failed'],
    ['an old run without phase: its pipeline missing', succeeded('False', 'PipelineNotFound'), 'Failed'],
    ['conditions of other types only', { conditions: [{ type: 'Reconciled', status: 'True', reason: 'Reconciled' }] }, 'Pending'],
  ];
  for (const [name, status, want] of cases) it(name, () => assert.equal(phaseOf(status), want));
});
