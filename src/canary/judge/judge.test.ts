import assert from 'node:assert/strict';
import type { CanaryConfigSpec, CanaryMetric } from '../../api/v1alpha1/canary-config.ts';
import { classifyMetric, cles, judge, scoreResults, seededGaussian, transform, type MetricResult } from './judge.ts';
import { mannWhitney } from './mann-whitney.ts';
import { normalCdf, normalQuantile, percentile } from './stats.ts';

/** Deterministic samples: normal(mu, sd) from a seeded generator. */
function sample(n: number, mu: number, sd: number, seed: number): number[] {
  const g = seededGaussian(seed);
  return Array.from({ length: n }, () => mu + sd * g());
}

describe('statistics', () => {
  it('knows the normal distribution (checked against printed tables)', () => {
    assert.ok(Math.abs(normalQuantile(0.99) - 2.326348) < 1e-6);
    assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6);
    assert.ok(Math.abs(normalCdf(1.96) - 0.9750021) < 1e-7);
    assert.ok(Math.abs(normalCdf(-1) - 0.1586553) < 1e-7);
  });
  it('takes R-7 percentiles', () => {
    assert.equal(percentile([1, 2, 3, 4], 25), 1.75);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  });
});

/**
 * A second implementation: for data without ties, count pairs instead of ranking, and find where
 * the statistic crosses zq by scanning the sorted pairwise differences (where it jumps).
 */
function bruteForce(x: number[], y: number[], confidence: number) {
  const n = x.length + y.length;
  const sigma = Math.sqrt((x.length * y.length / 12) * (n + 1));
  const f = (mu: number) => {
    let w = 0;
    for (const a of x) for (const b of y) w += a - mu > b ? 1 : 0;
    const dz = w - (x.length * y.length) / 2;
    return (dz - 0.5 * Math.sign(dz)) / sigma;
  };
  const diffs = x.flatMap((a) => y.map((b) => a - b)).sort((p, q) => p - q);
  // f falls as mu grows, jumping only at pairwise differences: binary-search the jump past zq.
  const cross = (zq: number) => {
    let lo = 0;
    let hi = diffs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f(diffs[mid]! + 1e-9) - zq <= 0) hi = mid; else lo = mid + 1;
    }
    return diffs[lo]!;
  };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return { lower: cross(z), upper: cross(-z), median: diffs.length % 2 ? diffs[(diffs.length - 1) / 2]! : (diffs[diffs.length / 2 - 1]! + diffs[diffs.length / 2]!) / 2 };
}

describe('Mann-Whitney shift estimate', () => {
  for (const [nx, ny, shift, seed] of [[20, 25, 0.5, 1], [50, 40, -1, 2], [8, 12, 0, 3], [200, 180, 0.2, 4]] as const) {
    it(`agrees with a pair-counting implementation (n=${nx}/${ny}, shift ${shift})`, () => {
      const x = sample(nx, shift, 1, seed);
      const y = sample(ny, 0, 1, seed + 100);
      const mw = mannWhitney(x, y, 0.98);
      const bf = bruteForce(x, y, 0.98);
      assert.ok(Math.abs(mw.lower - bf.lower) < 2e-4, `lower ${mw.lower} vs ${bf.lower}`);
      assert.ok(Math.abs(mw.upper - bf.upper) < 2e-4, `upper ${mw.upper} vs ${bf.upper}`);
      // The Hodges-Lehmann estimate is the median of the pairwise differences, up to the step it sits on.
      const diffs = x.flatMap((a) => y.map((b) => a - b)).sort((p, q) => p - q);
      const k = diffs.findIndex((d) => d >= bf.median);
      assert.ok(mw.estimate >= diffs[Math.max(0, k - 2)]! - 2e-4 && mw.estimate <= diffs[Math.min(diffs.length - 1, k + 2)]! + 2e-4);
      assert.ok(mw.lower <= mw.estimate && mw.estimate <= mw.upper);
    });
  }

  it('handles ties (the variance shrinks by the tie term) and large n', () => {
    const x = Array.from({ length: 10_000 }, (_, i) => 100 + (i % 7));
    const y = Array.from({ length: 10_000 }, (_, i) => 100 + (i % 5));
    const mw = mannWhitney(x, y, 0.98);
    assert.ok(mw.lower <= mw.estimate && mw.estimate <= mw.upper);
    assert.ok(mw.estimate >= 0 && mw.estimate <= 2, `estimate ${mw.estimate}`);
  });

  it('resolves tiny values (finer tolerance than 1e-4)', () => {
    const x = sample(30, 2e-9, 1e-10, 5);
    const y = sample(30, 1e-9, 1e-10, 6);
    const mw = mannWhitney(x, y, 0.98);
    assert.ok(mw.lower > 0 && Math.abs(mw.estimate - 1e-9) < 2e-10, `estimate ${mw.estimate}`);
  });
});

const metric = (over: Partial<CanaryMetric> = {}): CanaryMetric => ({ name: 'm', group: 'g', query: 'q', direction: 'either', nanStrategy: 'remove', ...over });
const settings = { confidence: 0.98, tolerance: 0.25 };
const classify = (m: CanaryMetric, b: number[] | undefined, c: number[] | undefined) => classifyMetric(m, b, c, settings, seededGaussian());
const base = sample(100, 10, 1, 11);

describe('metric classification', () => {
  const cases: [string, CanaryMetric, number[] | undefined, number[] | undefined, string, boolean][] = [
    ['a clear increase is High', metric(), base, sample(100, 14, 1, 12), 'High', false],
    ['a clear decrease is Low', metric(), base, sample(100, 6, 1, 13), 'Low', false],
    ['the same distribution passes', metric(), base, sample(100, 10, 1, 14), 'Pass', false],
    ['direction increase ignores a decrease', metric({ direction: 'increase' }), base, sample(100, 6, 1, 13), 'Pass', false],
    ['direction decrease ignores an increase', metric({ direction: 'decrease' }), base, sample(100, 14, 1, 12), 'Pass', false],
    ['an increase below the allowed effect size passes', metric({ effectSize: { measure: 'meanRatio', allowedIncrease: 1.5 } }), base, sample(100, 14, 1, 12), 'Pass', false],
    ['a critical High beyond the critical effect fails the analysis', metric({ critical: true }), base, sample(100, 14, 1, 12), 'High', true],
    ['a critical High within its critical effect does not', metric({ critical: true, effectSize: { measure: 'meanRatio', criticalIncrease: 2 } }), base, sample(100, 14, 1, 12), 'High', false],
    ['cles measures the effect as P(canary > baseline)', metric({ effectSize: { measure: 'cles', allowedIncrease: 0.9 } }), base, sample(100, 14, 1, 12), 'High', false],
    ['no canary data is NoData', metric(), base, [], 'NoData', false],
    ['mustHaveData makes it NoDataFailMetric', metric({ mustHaveData: true }), base, undefined, 'NoDataFailMetric', false],
    ['a critical metric without data stays NoData, marked critical', metric({ critical: true, mustHaveData: true }), [], base, 'NoData', true],
    ['NaNs replaced by 0 with no data passes', metric({ nanStrategy: 'replace' }), [], [], 'Pass', false],
    ['identical data passes', metric(), [1, 2, 3], [3, 2, 1], 'Pass', false],
    ['a single value on both sides passes', metric(), [5, 5, 5], [5, 5], 'Pass', false],
    ['single-valued sides that differ are compared with a little noise', metric(), [5, 5, 5, 5, 5], [9, 9, 9, 9, 9], 'High', false],
  ];
  for (const [name, m, b, c, want, critical] of cases) {
    it(name, () => {
      const r = classify(m, b, c);
      assert.equal(r.classification, want, r.reason);
      assert.equal(r.critical, critical);
    });
  }

  it('removes NaNs, or replaces them with 0', () => {
    assert.deepEqual(transform([1, NaN, 3], metric()), [1, 3]);
    assert.deepEqual(transform([1, NaN, 3], metric({ nanStrategy: 'replace' })), [1, 0, 3]);
  });

  it('removes outliers beyond factor x IQR (fences widened to P1/P99)', () => {
    const xs = [...Array.from({ length: 200 }, (_, i) => 10 + (i % 10) / 10), 1000];
    const kept = transform(xs, metric({ outliers: { strategy: 'remove', factor: 3 } }));
    assert.equal(kept.length, 200);
    assert.ok(!kept.includes(1000));
    assert.equal(transform(xs, metric()).length, 201, 'kept by default');
  });

  it('computes cles with ties as one half', () => assert.equal(cles([1, 2], [1, 2]), 0.5));
});

const result = (group: string, classification: MetricResult['classification'], extra: Partial<MetricResult> = {}): MetricResult =>
  ({ name: `${group}-${classification}-${Math.random()}`, group, classification, critical: false, reason: '', muted: false, ...extra });
const thresholds = { pass: 75, marginal: 50 };

describe('scoring (Kayenta ScorerSuite checks)', () => {
  it('{Pass, High, Low} in one group scores 33.33', () => {
    assert.equal(scoreResults([result('g', 'Pass'), result('g', 'High'), result('g', 'Low')], undefined, thresholds).score, 33.33);
  });
  it('weights 15/85 with g1 = {High, Low, Pass} and g2 = {High} score 5.0', () => {
    const s = scoreResults([result('g1', 'High'), result('g1', 'Low'), result('g1', 'Pass'), result('g2', 'High')], { g1: 15, g2: 85 }, thresholds);
    assert.equal(s.score, 5);
  });
  it('weights 50/50 with g1 = {Pass, NoData} and g2 = {High} score 50.0', () => {
    assert.equal(scoreResults([result('g1', 'Pass'), result('g1', 'NoData'), result('g2', 'High')], { g1: 50, g2: 50 }, thresholds).score, 50);
  });
  it('shares what configured weights leave among the other groups', () => {
    const s = scoreResults([result('a', 'Pass'), result('b', 'High'), result('c', 'Pass')], { a: 50 }, thresholds);
    assert.deepEqual(s.groups.map((g) => g.weight), [50, 25, 25]);
    assert.equal(s.score, 75);
  });
  it('counts a group with nothing countable as 100', () => {
    assert.equal(scoreResults([result('a', 'Error'), result('b', 'Pass')], undefined, thresholds).score, 100);
  });
  it('scores 0 when a critical metric fails, naming it', () => {
    const s = scoreResults([result('a', 'Pass'), result('b', 'High', { critical: true, name: 'errors', reason: 'higher' })], undefined, thresholds);
    assert.equal(s.score, 0);
    assert.match(s.reason, /^Canary Failed: critical metric errors is High: higher/);
  });
  it('scores 0 when half the metrics have no data', () => {
    assert.equal(scoreResults([result('a', 'NoData'), result('b', 'Pass')], undefined, thresholds).score, 0);
  });
  it('leaves muted metrics out', () => {
    assert.equal(scoreResults([result('a', 'Pass'), result('a', 'High', { muted: true })], undefined, thresholds).score, 100);
  });
  it('classifies by thresholds: at pass is Pass, at marginal Marginal, below Fail', () => {
    const at = (n: number) => scoreResults(Array.from({ length: 4 }, (_, i) => result('g', i < n ? 'Pass' : 'High')), undefined, thresholds).classification;
    assert.deepEqual([at(4), at(3), at(2), at(1)], ['Pass', 'Pass', 'Marginal', 'Fail']);
  });
});

describe('judge', () => {
  const config: CanaryConfigSpec = { metricSource: { type: 'prometheus', address: 'http://p:9090' }, thresholds: { pass: 75, marginal: 50 },
    metrics: [metric({ name: 'errors', group: 'errors', critical: true, direction: 'increase' }), metric({ name: 'latency', group: 'latency', direction: 'increase' })] };
  it('passes a healthy canary', () => {
    const j = judge(config, { errors: base, latency: base }, { errors: sample(100, 10, 1, 21), latency: sample(100, 10, 1, 22) });
    assert.equal(j.classification, 'Pass');
    assert.equal(j.score, 100);
  });
  it('fails a canary whose critical error rate is higher, with score 0', () => {
    const j = judge(config, { errors: base, latency: base }, { errors: sample(100, 15, 1, 23), latency: sample(100, 10, 1, 22) });
    assert.equal(j.score, 0);
    assert.equal(j.classification, 'Fail');
    assert.equal(j.metrics[0]!.critical, true);
  });
});
