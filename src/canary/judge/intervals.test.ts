import assert from 'node:assert/strict';
import type { CanaryMetric } from '../api/v1alpha1/canary-config.ts';
import { analysisWindows, canaryVerdict, type AnalysisTiming } from './analysis.ts';
import { MetricSourceError } from './metrics/index.ts';
import { renderQuery } from './metrics/source.ts';

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

describe('metric query templates', () => {
  const metric = (query: string): CanaryMetric => ({ name: 'errors', group: 'g', query, direction: 'increase', nanStrategy: 'remove' });
  const scope = { scope: 'web-v002', location: 'prod', start: new Date(0), end: new Date(1), stepSeconds: 1, extended: { cluster: 'web' } };

  it('fills in the scope, the location and extended parameters, escaped for the store', () => {
    assert.equal(renderQuery(metric('sum(x{sg="${scope}",ns="${location}",c="${cluster}"})'), scope), 'sum(x{sg="web-v002",ns="prod",c="web"})');
    assert.equal(renderQuery(metric('x{sg="${scope}"}'), { ...scope, scope: 'a"b' }, (v) => v.replace(/"/g, '\\"')), 'x{sg="a\\"b"}');
  });
  it('refuses a placeholder the scope does not set, naming the metric and the placeholder', () => {
    assert.throws(() => renderQuery(metric('x{region="${region}"}'), scope),
      (e: unknown) => e instanceof MetricSourceError && /metric "errors": the query uses \$\{region\}, which the scope does not set/.test(e.message));
  });
});
