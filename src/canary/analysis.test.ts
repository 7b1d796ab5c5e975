// One interval run against a metric source written for the test: what it answers is judged; a store
// that cannot be reached may be asked again; a refused query or an unusable CanaryConfig fails the
// analysis, naming it; any other error is not the analysis' to judge.
import assert from 'node:assert/strict';
import type { CanaryConfigSpec, CanaryMetric } from '../api/v1alpha1/canary-config.ts';
import { intervalProblem, notJudged, runCanaryInterval, type IntervalOutcome } from './analysis.ts';
import { CanaryConfigError } from './config.ts';
import { seededGaussian } from './judge/judge.ts';
import { MetricSourceError, type CanaryScope, type MetricSource } from './metrics/index.ts';

const errors: CanaryMetric = { name: 'errors', group: 'errors', query: 'sum(errors{sg="${scope}"})', direction: 'increase', nanStrategy: 'remove', critical: true };
const spec: CanaryConfigSpec = { metricSource: { type: 'prometheus', address: 'http://p:9090' }, thresholds: { pass: 75, marginal: 50 }, metrics: [errors] };

/** Series around `mean` per scope (or per metric/scope); or the error `fail` gives for a scope. */
class Source implements MetricSource {
  readonly type = 'test';
  readonly asked: CanaryScope[] = [];
  private readonly mean: Record<string, number>;
  private readonly fail?: (scope: string) => Error | undefined;
  constructor(mean: Record<string, number>, fail?: (scope: string) => Error | undefined) { this.mean = mean; this.fail = fail; }
  async fetch(m: CanaryMetric, scope: CanaryScope): Promise<number[]> {
    this.asked.push(scope);
    const err = this.fail?.(scope.scope);
    if (err) throw err;
    const g = seededGaussian(scope.scope.length);
    return Array.from({ length: 60 }, () => (this.mean[`${m.name}/${scope.scope}`] ?? this.mean[scope.scope]!) + g());
  }
}

const window = { index: 2, startMs: Date.UTC(2026, 0, 1), endMs: Date.UTC(2026, 0, 1, 0, 10) };
const run = (source: Source, thresholds = spec.thresholds, config = spec) => runCanaryInterval({ configName: 'web', config: { spec: config, source }, thresholds,
  scopes: { baseline: { scope: 'web-v001', location: 'shop' }, canary: { scope: 'web-v002', location: 'shop' } }, window });
const shape = (o: IntervalOutcome) => ('judged' in o ? { score: o.judged.score, classification: o.judged.classification, interval: o.judged.interval } : o);

describe('one interval of a canary analysis', () => {
  it('queries both scopes over the window and judges them', async () => {
    const source = new Source({ 'web-v001': 10, 'web-v002': 10 });
    assert.deepEqual(shape(await run(source)), { score: 100, classification: 'Pass', interval: 2 });
    assert.deepEqual(source.asked.map((s) => [s.scope, s.location, s.start.getTime(), s.end.getTime(), s.stepSeconds]),
      [['web-v001', 'shop', window.startMs, window.endMs, 60], ['web-v002', 'shop', window.startMs, window.endMs, 60]]);
    assert.deepEqual(shape(await run(new Source({ 'web-v001': 10, 'web-v002': 30 }))), { score: 0, classification: 'Fail', interval: 2 });
  });

  it('classifies with the thresholds in force, not only the CanaryConfig\'s', async () => {
    // Latency fails, errors pass: a score of 50, Marginal by the CanaryConfig's thresholds.
    const two = { ...spec, metrics: [{ ...errors, critical: false }, { ...errors, name: 'latency', group: 'latency', critical: false }] };
    const source = () => new Source({ 'web-v001': 10, 'web-v002': 10, 'latency/web-v002': 30 });
    assert.deepEqual(shape(await run(source(), spec.thresholds, two)), { score: 50, classification: 'Marginal', interval: 2 });
    assert.deepEqual(shape(await run(source(), { pass: 40, marginal: 20 }, two)), { score: 50, classification: 'Pass', interval: 2 });
  });

  it('says why it could not judge: a store to ask again, or a configuration a person must fix', async () => {
    const cases: [string, Error, IntervalOutcome][] = [
      ['unreachable', new MetricSourceError('metric "errors": Prometheus at http://p:9090 cannot be reached: ECONNREFUSED', true),
        { unavailable: 'metric "errors": Prometheus at http://p:9090 cannot be reached: ECONNREFUSED' }],
      ['refused', new MetricSourceError('metric "errors" (sum(errors{sg="web-v002"})): Prometheus refused the query: bad_data: parse error', false),
        { refused: 'metric "errors" (sum(errors{sg="web-v002"})): Prometheus refused the query: bad_data: parse error; fix the query in CanaryConfig "web" (spec.metrics)' }],
    ];
    for (const [name, err, want] of cases) {
      assert.deepEqual(await run(new Source({ 'web-v001': 10, 'web-v002': 10 }, (scope) => (scope === 'web-v002' ? err : undefined))), want, name);
    }
  });

  it('has one rule for errors, whoever runs the analysis', async () => {
    assert.deepEqual(intervalProblem(new CanaryConfigError('CanaryConfig "web" does not exist in namespace "shop"'), 'web'),
      { refused: 'CanaryConfig "web" does not exist in namespace "shop"' });
    assert.equal(intervalProblem(new Error('etcdserver: request timed out'), 'web'), undefined, 'not the analysis\' to judge');
    await assert.rejects(run(new Source({}, () => new TypeError('a bug'))), /a bug/);
    assert.equal(notJudged(2, 'it broke'), 'interval 2 could not be judged: it broke');
  });
});
