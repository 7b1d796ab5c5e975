import assert from 'node:assert/strict';
import { setCondition, type Condition } from './conditions.ts';

describe('setCondition', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const t1 = t0 + 60_000;
  const ready = (status: 'True' | 'False', reason: string) => ({ type: 'Ready', status, reason, message: reason.toLowerCase() });

  const cases: { name: string; before: Condition[]; update: ReturnType<typeof ready>; want: Condition[] }[] = [
    { name: 'adds a new condition, stamped now', before: [], update: ready('True', 'Ready'),
      want: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'ready', observedGeneration: 2, lastTransitionTime: new Date(t1).toISOString() }] },
    { name: 'keeps the transition time when only reason or message change',
      before: [{ type: 'Ready', status: 'False', reason: 'A', message: 'a', observedGeneration: 1, lastTransitionTime: new Date(t0).toISOString() }],
      update: ready('False', 'B'),
      want: [{ type: 'Ready', status: 'False', reason: 'B', message: 'b', observedGeneration: 2, lastTransitionTime: new Date(t0).toISOString() }] },
    { name: 'moves the transition time when the status changes',
      before: [{ type: 'Ready', status: 'False', reason: 'A', message: 'a', lastTransitionTime: new Date(t0).toISOString() }],
      update: ready('True', 'Ready'),
      want: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'ready', observedGeneration: 2, lastTransitionTime: new Date(t1).toISOString() }] },
    { name: 'leaves other conditions alone',
      before: [{ type: 'Other', status: 'True', reason: 'X', message: 'x', lastTransitionTime: new Date(t0).toISOString() }],
      update: ready('True', 'Ready'),
      want: [{ type: 'Other', status: 'True', reason: 'X', message: 'x', lastTransitionTime: new Date(t0).toISOString() },
        { type: 'Ready', status: 'True', reason: 'Ready', message: 'ready', observedGeneration: 2, lastTransitionTime: new Date(t1).toISOString() }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.before);
      assert.deepEqual(setCondition(c.before, c.update, 2, t1), c.want);
      assert.deepEqual(c.before, before, 'the input is not changed');
    });
  }
});
