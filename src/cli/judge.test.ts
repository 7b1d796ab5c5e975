// `staysail judge` as a user runs it: a process, files in, JSON and an exit code out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededGaussian } from '../canary/judge/judge.ts';

const bin = new URL('../../bin/staysail.js', import.meta.url).pathname;
const series = (n: number, mu: number, seed: number) => { const g = seededGaussian(seed); return Array.from({ length: n }, () => mu + g()); };

describe('staysail judge', () => {
  let dir: string;
  const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'judge', ...args], { encoding: 'utf8' });
  let config: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'judge-'));
    config = file('config.yaml', `apiVersion: staysail.dev/v1alpha1
kind: CanaryConfig
metadata: { name: web }
spec:
  metricSource: { type: prometheus, address: http://prometheus:9090 }
  metrics:
    - { name: errors, group: errors, query: "sum(rate(errors[1m]))", direction: increase, critical: true }
    - { name: latency, group: latency, query: "p99", direction: increase }
  thresholds: { pass: 75, marginal: 50 }
`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a healthy canary: exit 0 and a JSON verdict per metric', () => {
    const baseline = file('b.json', JSON.stringify({ errors: series(60, 10, 1), latency: series(60, 100, 2) }));
    const canary = file('c.json', JSON.stringify({ errors: series(60, 10, 3), latency: series(60, 100, 4) }));
    const r = run('--config', config, '--baseline', baseline, '--canary', canary);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.classification, 'Pass');
    assert.equal(out.score, 100);
    assert.deepEqual(out.metrics.map((m: { name: string; classification: string }) => [m.name, m.classification]), [['errors', 'Pass'], ['latency', 'Pass']]);
    assert.ok(out.metrics[0].interval.lower < out.metrics[0].interval.upper);
    assert.equal(out.metrics[0].effectSize.measure, 'meanRatio');
  });

  it('fails a canary with a higher critical error rate: exit 1, score 0, the metric marked critical', () => {
    const baseline = file('b.json', JSON.stringify({ errors: series(60, 10, 1), latency: series(60, 100, 2) }));
    const canary = file('c.json', JSON.stringify({ errors: series(60, 14, 3), latency: series(60, 100, 4) }));
    const r = run('--config', config, '--baseline', baseline, '--canary', canary);
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.score, 0);
    assert.equal(out.classification, 'Fail');
    assert.deepEqual(out.metrics[0], { ...out.metrics[0], name: 'errors', classification: 'High', critical: true });
  });

  const bad: [string, () => string[], RegExp][] = [
    ['a series that is not numbers', () => ['--baseline', file('b.json', '{"errors": ["a"]}'), '--canary', file('c.json', '{}')],
      /b\.json: field "errors" must be an array of numbers/],
    ['a config with a bad field', () => ['--config', file('bad.yaml', 'kind: CanaryConfig\nspec: {metricSource: {type: prometheus, address: x}, metrics: [], thresholds: {pass: 75, marginal: 50}}'),
      '--baseline', file('b.json', '{}'), '--canary', file('c.json', '{}')], /bad\.yaml: spec\.metricSource\.address: use a URL starting with http:\/\/ or https:\/\//],
    ['a missing file', () => ['--baseline', join(dir, 'nope.json'), '--canary', file('c.json', '{}')], /nope\.json: cannot read the baseline series/],
  ];
  for (const [name, args, message] of bad) {
    it(`refuses ${name} with exit 2, naming the file and field`, () => {
      const a = args();
      const r = run(...(a.includes('--config') ? a : ['--config', config, ...a]));
      assert.equal(r.status, 2);
      assert.match(r.stderr, message);
    });
  }
});
