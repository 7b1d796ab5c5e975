// The Prometheus metric source against a real Prometheus scraping a target the test serves.
import assert from 'node:assert/strict';
import type { CanaryMetric } from '../../../src/api/v1alpha1/canary-config.ts';
import { MetricSourceError, metricSourceFor, type CanaryScope } from '../../../src/canary/metrics/index.ts';
import { waitFor } from '../../cluster/probe.ts';
import { LocalPrometheus, MetricsTarget } from '../../prometheus/prometheus.ts';

const metric = (query: string): CanaryMetric => ({ name: 'errors', group: 'errors', query, direction: 'increase', nanStrategy: 'remove' });

describe('the Prometheus metric source', function () {
  this.timeout(60_000);
  let target: MetricsTarget;
  let prometheus: LocalPrometheus;
  const scope = (name: string, seconds = 30): CanaryScope =>
    ({ scope: name, location: 'prod', start: new Date(Date.now() - seconds * 1000), end: new Date(), stepSeconds: 1 });

  before(async () => {
    target = await MetricsTarget.start();
    let n = 0;
    target.set('app_errors', { server_group: 'web-v001', namespace: 'prod' }, () => 1);
    target.set('app_errors', { server_group: 'web-v002', namespace: 'prod' }, () => ++n);
    prometheus = await LocalPrometheus.start([target.hostPort]);
    const source = metricSourceFor({ type: 'prometheus', address: prometheus.address });
    await waitFor(async () => (await source.fetch(metric('app_errors{server_group="web-v001"}'), scope('web-v001'))).length >= 3, 20_000,
      () => 'prometheus never scraped the target');
  });
  after(async () => {
    await prometheus?.stop();
    await target?.stop();
  });

  it('queries each scope over its window and step, oldest first', async () => {
    const source = metricSourceFor({ type: 'prometheus', address: prometheus.address });
    const q = metric('max(app_errors{server_group="${scope}", namespace="${location}"})');
    const baseline = await source.fetch(q, scope('web-v001'));
    assert.ok(baseline.length >= 3 && baseline.every((v) => v === 1), `baseline ${baseline.join(',')}`);
    const canary = await source.fetch(q, scope('web-v002'));
    assert.ok(canary.length >= 3, `canary ${canary.join(',')}`);
    assert.deepEqual(canary, [...canary].sort((a, b) => a - b), 'a rising series comes back in time order');
    assert.deepEqual(await source.fetch(q, scope('web-v404')), [], 'no series: no data');
  });

  it('refuses a query that gives several series, a bad query, and an unreachable store, naming the metric', async () => {
    const source = metricSourceFor({ type: 'prometheus', address: prometheus.address });
    await assert.rejects(source.fetch(metric('app_errors'), scope('web-v001')),
      (e: unknown) => e instanceof MetricSourceError && !e.retryable && /metric "errors" .*returned 2 series .*aggregate it to one/.test(e.message));
    await assert.rejects(source.fetch(metric('sum(app_errors{'), scope('web-v001')),
      (e: unknown) => e instanceof MetricSourceError && !e.retryable && /metric "errors" .*Prometheus refused the query: bad_data/.test(e.message));
    const gone = metricSourceFor({ type: 'prometheus', address: 'http://127.0.0.1:1' });
    await assert.rejects(gone.fetch(metric('up'), scope('web-v001')),
      (e: unknown) => e instanceof MetricSourceError && e.retryable && /cannot be reached/.test(e.message));
  });
});
