import assert from 'node:assert/strict';
import { setCondition, setProgress, type Condition, type Progress } from './conditions.ts';

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

describe('setProgress', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const t1 = t0 + 60_000;
  const at = (t: number) => new Date(t).toISOString();
  const ready: Condition = { type: 'Ready', status: 'True', reason: 'Serving', message: 'serves', observedGeneration: 1, lastTransitionTime: at(t0) };
  const reconciling: Condition = { type: 'Reconciling', status: 'True', reason: 'RollingOut', message: 'creating v001', observedGeneration: 1, lastTransitionTime: at(t0) };
  const stalled: Condition = { type: 'Stalled', status: 'True', reason: 'RolledBack', message: 'rolled back to v000', observedGeneration: 1, lastTransitionTime: at(t0) };

  const cases: { name: string; before: Condition[]; progress?: Progress; want: Condition[] }[] = [
    { name: 'done: neither abnormal condition is left', before: [ready, reconciling], want: [ready] },
    { name: 'done, with nothing to remove, changes nothing', before: [ready], want: [ready] },
    { name: 'in progress: Reconciling True, stamped now', before: [ready], progress: { type: 'Reconciling', reason: 'RollingOut', message: 'creating v001' },
      want: [ready, { ...reconciling, observedGeneration: 2, lastTransitionTime: at(t1) }] },
    { name: 'still in progress: the transition time stays, the message follows',
      before: [ready, reconciling], progress: { type: 'Reconciling', reason: 'RollingOut', message: 'enabling v001' },
      want: [ready, { ...reconciling, message: 'enabling v001', observedGeneration: 2 }] },
    { name: 'stalled: Reconciling gives way to Stalled', before: [reconciling, ready], progress: { type: 'Stalled', reason: 'RolledBack', message: 'rolled back to v000' },
      want: [ready, { ...stalled, observedGeneration: 2, lastTransitionTime: at(t1) }] },
    { name: 'going again: Stalled gives way to Reconciling', before: [stalled], progress: { type: 'Reconciling', reason: 'RollingOut', message: 'creating v001' },
      want: [{ ...reconciling, observedGeneration: 2, lastTransitionTime: at(t1) }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.before);
      const got = setProgress(c.before, c.progress, 2, t1);
      assert.deepEqual(got, c.want);
      assert.ok(got.filter((x) => (x.type === 'Reconciling' || x.type === 'Stalled') && x.status === 'True').length <= 1, 'never both');
      assert.deepEqual(c.before, before, 'the input is not changed');
    });
  }
});
