// The canary judge on 50 metrics x 10,000 points per side: time and memory.
//   node bench/judge.ts
import type { CanaryConfigSpec } from '../src/api/v1alpha1/canary-config.ts';
import { judge, seededGaussian } from '../src/canary/judge/judge.ts';

const metrics = 50;
const points = 10_000;
const g = seededGaussian(7);
const series = (mu: number) => Array.from({ length: points }, () => mu + g());
const config: CanaryConfigSpec = { metricSource: { type: 'prometheus', address: 'http://p:9090' }, thresholds: { pass: 75, marginal: 50 },
  metrics: Array.from({ length: metrics }, (_, i) => ({ name: `m${i}`, group: `g${i % 5}`, query: 'q', direction: 'either' as const, nanStrategy: 'remove' as const })) };
const baseline = Object.fromEntries(config.metrics.map((m) => [m.name, series(100)]));
const canary = Object.fromEntries(config.metrics.map((m, i) => [m.name, series(i % 10 === 0 ? 100.2 : 100)]));

const before = process.memoryUsage().heapUsed;
const t0 = performance.now();
const result = judge(config, baseline, canary);
const ms = performance.now() - t0;
const heapMiB = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
console.log(`judged ${metrics} metrics x ${points} points per side in ${ms.toFixed(0)} ms (${(ms / metrics).toFixed(1)} ms per metric); heap +${heapMiB.toFixed(1)} MiB; score ${result.score} (${result.classification})`);
