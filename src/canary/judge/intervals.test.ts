import assert from 'node:assert/strict';
import { analysisWindows, canaryVerdict, type AnalysisTiming } from './intervals.ts';

const min = 60_000;

describe('canary analysis windows (Kayenta real-time intervals)', () => {
  const table: { name: string; timing: AnalysisTiming; want: [number, number][] }[] = [
    { name: 'no interval: one window over the lifetime', timing: { startMs: 0, lifetimeMs: 30 * min }, want: [[0, 30]] },
    { name: 'interval longer than the lifetime: one window', timing: { startMs: 0, lifetimeMs: 30 * min, intervalMs: 45 * min }, want: [[0, 30]] },
    { name: 'growing windows from the start', timing: { startMs: 0, lifetimeMs: 30 * min, intervalMs: 10 * min }, want: [[0, 10], [0, 20], [0, 30]] },
    { name: 'a lifetime that is not a multiple of the interval drops the rest', timing: { startMs: 0, lifetimeMs: 25 * min, intervalMs: 10 * min },
      want: [[0, 10], [0, 20]] },
    { name: 'warm-up shifts every window', timing: { startMs: 0, warmupMs: 5 * min, lifetimeMs: 20 * min, intervalMs: 10 * min }, want: [[5, 15], [5, 25]] },
    { name: 'lookback slides the windows', timing: { startMs: 0, lifetimeMs: 30 * min, intervalMs: 10 * min, lookbackMs: 5 * min },
      want: [[5, 10], [15, 20], [25, 30]] },
  ];
  it('refuses a lifetime of 0 and more intervals than status can hold, naming the fields', () => {
    assert.throws(() => analysisWindows({ startMs: 0, lifetimeMs: 0 }), /lifetime must be longer than 0/);
    assert.throws(() => analysisWindows({ startMs: 0, lifetimeMs: 24 * 60 * min, intervalMs: 1000 }),
      /lifetime \/ interval gives 86400 intervals; make interval longer \(at most 1000 intervals\)/);
    assert.equal(analysisWindows({ startMs: 0, lifetimeMs: 10 * min, intervalMs: 0 }).length, 1, 'an interval of 0 means one');
  });
  for (const c of table) {
    it(c.name, () => {
      const got = analysisWindows(c.timing).map((w) => [w.startMs / min, w.endMs / min]);
      assert.deepEqual(got, c.want);
      assert.deepEqual(analysisWindows(c.timing).map((w) => w.index), c.want.map((_, i) => i + 1));
    });
  }
});

describe('canary verdict (Orca: fail fast at marginal, the last score decides)', () => {
  const thresholds = { pass: 75, marginal: 50 };
  const table: { scores: number[]; intervals: number; want: string }[] = [
    { scores: [], intervals: 3, want: 'continue' },
    { scores: [100], intervals: 3, want: 'continue' },
    { scores: [60], intervals: 3, want: 'continue' },
    { scores: [50], intervals: 3, want: 'fail: interval 1 of 3 scored 50, at or below the marginal threshold 50' },
    { scores: [100, 0], intervals: 3, want: 'fail: interval 2 of 3 scored 0, at or below the marginal threshold 50' },
    { scores: [60, 100, 74.99], intervals: 3, want: 'fail: the final score 74.99 is below the pass threshold 75' },
    { scores: [60, 60, 75], intervals: 3, want: 'pass: the final score 75 reached the pass threshold 75' },
    { scores: [100], intervals: 1, want: 'pass: the final score 100 reached the pass threshold 75' },
  ];
  for (const c of table) {
    it(`[${c.scores.join(', ')}] of ${c.intervals} -> ${c.want}`, () => {
      const v = canaryVerdict(c.scores, c.intervals, thresholds);
      assert.equal(v.outcome === 'continue' ? 'continue' : `${v.outcome}: ${v.reason}`, c.want);
    });
  }
});
