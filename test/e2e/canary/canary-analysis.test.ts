// The canaryAnalysis stage end to end: the operator as a process, a real Prometheus scraping series
// the test serves for a baseline and canaries, and runs judged interval by interval.
import assert from 'node:assert/strict';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { inNamespace, pipeline, run, stage, succeeded } from '../../support/runs.ts';
import { canaryConfig, metric } from '../../support/canary-config.ts';
import { LocalPrometheus, MetricsTarget, noisy } from '../../prometheus/prometheus.ts';

const ns = `canary-${Date.now().toString(36)}`;
const { k, apply, finished } = inNamespace(ns);

const errors = metric('errors', 'errors', { critical: true });
const latency = metric('latency', 'latency');
const cpu = metric('cpu', 'latency');
const analysis = (canary: string, config: string, timing: object) => ({ refId: 'analyse', type: 'canaryAnalysis',
  canaryAnalysis: { canaryConfigRef: { name: config }, baseline: { scope: 'web-v001' }, canary: { scope: canary }, ...timing } });

describe('canaryAnalysis, against a real Prometheus', function () {
  this.timeout(120_000);
  let target: MetricsTarget;
  let prometheus: LocalPrometheus;
  let operator: OperatorProcess;

  before(async () => {
    target = await MetricsTarget.start();
    // web-v001 is the baseline; web-v002 behaves like it; web-v003 errs three times as often; web-v004 is slower but no worse at errors.
    const series: [string, string, () => number][] = [
      ['app_errors', 'web-v001', noisy(10, 0.2, 1)], ['app_latency', 'web-v001', noisy(100, 0.2, 2)], ['app_cpu', 'web-v001', noisy(50, 0.2, 3)],
      ['app_errors', 'web-v002', noisy(10, 0.2, 4)], ['app_latency', 'web-v002', noisy(100, 0.2, 5)], ['app_cpu', 'web-v002', noisy(50, 0.2, 6)],
      ['app_errors', 'web-v003', noisy(30, 0.1, 7)],
      ['app_latency', 'web-v004', noisy(300, 0.1, 8)], ['app_cpu', 'web-v004', noisy(50, 0.2, 9)],
    ];
    for (const [name, sg, value] of series) target.set(name, { server_group: sg }, value);
    prometheus = await LocalPrometheus.start([target.hostPort]);
    await createNamespace(ns);
    operator = await operatorIn(ns);
    await apply(canaryConfig('errors', prometheus.address, [errors]), canaryConfig('speed', prometheus.address, [latency, cpu]));
  });
  after(async () => {
    await removeNamespace(ns, operator);
    await prometheus?.stop();
    await target?.stop();
  });

  it('passes a healthy canary, fails a critical one with score 0, and fails a marginal interval at once', async () => {
    await apply(
      pipeline('healthy', [analysis('web-v002', 'errors', { lifetime: '16s', interval: '8s' })]), run('healthy-1', 'healthy'),
      pipeline('erring', [analysis('web-v003', 'errors', { lifetime: '16s', interval: '8s' })]), run('erring-1', 'erring'),
      pipeline('slow', [analysis('web-v004', 'speed', { lifetime: '24s', interval: '8s' })]), run('slow-1', 'slow'));

    const healthy = await finished('healthy-1');
    assert.equal(succeeded(healthy)?.reason, 'Succeeded', JSON.stringify(stage(healthy, 'analyse')));
    const h = stage(healthy, 'analyse')!;
    assert.deepEqual(h.outputs?.canaryScores, [100, 100]);
    assert.match(String(h.outputs?.canaryScoreMessage), /the final score 100 reached the pass threshold 75/);

    const erring = await finished('erring-1');
    const e = stage(erring, 'analyse')!;
    assert.equal(e.status, 'TERMINAL');
    assert.deepEqual(e.outputs?.canaryScores, [0], 'the first interval already fails');
    assert.match(e.message!, /interval 1 of 2 scored 0, at or below the marginal threshold 50 \(Canary Failed: critical metric errors is High/);
    const metrics = (e.outputs?.lastInterval as { metrics: { name: string; classification: string; critical?: boolean }[] }).metrics;
    assert.deepEqual(metrics.map((m) => [m.name, m.classification, m.critical]), [['errors', 'High', true]]);

    const slow = await finished('slow-1');
    const sl = stage(slow, 'analyse')!;
    assert.equal(sl.status, 'TERMINAL');
    assert.deepEqual(sl.outputs?.canaryScores, [50]);
    assert.match(sl.message!, /interval 1 of 3 scored 50, at or below the marginal threshold 50/);
    const took = Date.parse(sl.endTime!) - Date.parse(sl.startTime!);
    assert.ok(took < 16_000, `a marginal interval ends the analysis before its lifetime (took ${took} ms of 24 s)`);
  });

  it('judges a past period at once (retrospective), and fails naming a CanaryConfig that does not exist', async () => {
    const end = new Date(Date.now() - 1000);
    const start = new Date(end.getTime() - 12_000);
    await apply(
      pipeline('past', [analysis('web-v002', 'errors', { startTime: start.toISOString(), endTime: end.toISOString(), interval: '6s' })]),
      run('past-1', 'past'),
      pipeline('unknown', [analysis('web-v002', 'nope', { lifetime: '1s' })]), run('unknown-1', 'unknown'));
    const past = await finished('past-1');
    assert.equal(succeeded(past)?.reason, 'Succeeded', JSON.stringify(stage(past, 'analyse')));
    assert.deepEqual(stage(past, 'analyse')?.outputs?.canaryScores, [100, 100]);
    const intervals = stage(past, 'analyse')?.outputs?.intervals as { start: string; end: string }[];
    assert.deepEqual(intervals.map((i) => [i.start, i.end]), [[start.toISOString(), new Date(start.getTime() + 6000).toISOString()],
      [start.toISOString(), end.toISOString()]]);
    const unknown = await finished('unknown-1');
    assert.equal(stage(unknown, 'analyse')?.status, 'TERMINAL');
    assert.match(stage(unknown, 'analyse')!.message!, new RegExp(`CanaryConfig "nope" does not exist in namespace "${ns}"`));
  });

  it('fails at once, with no retry, when Prometheus refuses a query, naming the query and what to fix', async () => {
    await apply(canaryConfig('typo', prometheus.address, [{ ...errors, query: 'max(app_errors{server_group="${scope}"}' }]),
      pipeline('typo', [{ ...analysis('web-v002', 'typo', { lifetime: '2s' }), retries: { limit: 2, backoff: '1s' } }]), run('typo-1', 'typo'));
    const done = await finished('typo-1');
    const t = stage(done, 'analyse')!;
    assert.equal(t.status, 'TERMINAL');
    assert.match(t.message!, /^canary analysis failed: interval 1 could not be judged: metric "errors" \(max\(app_errors\{server_group="web-v00[12]"\}\): Prometheus refused the query: bad_data: .*; fix the query in CanaryConfig "typo" \(spec\.metrics\)$/);
    assert.equal(t.attempts ?? 1, 1, 'another attempt would come to the same');
    assert.deepEqual(t.outputs?.canaryScores, [], 'a refused query is not a score');
  });

  it('reports a CanaryConfig\'s problems the schema cannot catch in its Ready condition', async () => {
    const bad = canaryConfig('weighted', prometheus.address, [errors]);
    const locked = canaryConfig('locked', prometheus.address, [errors]);
    await apply({ ...bad, spec: { ...bad.spec, groupWeights: { errors: 50, latncy: 50 } } },
      { ...locked, spec: { ...locked.spec, metricSource: { ...locked.spec.metricSource, secretRef: { name: 'prom-auth' } } } });
    await k(['wait', '--for=condition=Ready', '--timeout=30s', 'canaryconfig/errors', 'canaryconfig/speed']);
    await k(['wait', '--for=condition=Ready=false', '--timeout=30s', 'canaryconfig/weighted', 'canaryconfig/locked']);
    const message = async (name: string) => k(['get', 'canaryconfig', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}']);
    assert.match(await message('weighted'), /CanaryConfig "weighted": spec\.groupWeights\.latncy names no group of spec\.metrics \(groups: errors\)/);
    assert.match(await message('locked'), /Secret "prom-auth" \(spec\.metricSource\.secretRef\) does not exist/);
    assert.match(await message('errors'), /1 metric in 1 group, from prometheus at http:\/\/127\.0\.0\.1:\d+/);
  });
});
