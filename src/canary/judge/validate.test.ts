import assert from 'node:assert/strict';
import type { CanaryConfigSpec, CanaryMetric } from '../../api/v1alpha1/canary-config.ts';
import { canaryConfigProblems } from './validate.ts';

const metric = (name: string, group: string, extra: Partial<CanaryMetric> = {}): CanaryMetric =>
  ({ name, group, query: 'up', direction: 'either', nanStrategy: 'remove', ...extra });
const config = (metrics: CanaryMetric[], groupWeights?: Record<string, number>): CanaryConfigSpec =>
  ({ metricSource: { type: 'prometheus', address: 'http://p:9090' }, metrics, thresholds: { pass: 75, marginal: 50 }, ...(groupWeights ? { groupWeights } : {}) });

describe('CanaryConfig checks beyond the schema', () => {
  const table: { name: string; spec: CanaryConfigSpec; want: string[] }[] = [
    { name: 'a valid config', spec: config([metric('a', 'errors'), metric('b', 'latency')], { errors: 60, latency: 40 }), want: [] },
    { name: 'weights for some groups; the rest share what is left', spec: config([metric('a', 'errors'), metric('b', 'latency')], { errors: 70 }), want: [] },
    { name: 'a weight for a group no metric is in', spec: config([metric('a', 'errors')], { errors: 50, latncy: 50 }),
      want: ['spec.groupWeights.latncy names no group of spec.metrics (groups: errors)',
        'spec.groupWeights give every scored group a weight but add up to 50, not 100; a perfect canary could not reach the pass threshold'] },
    { name: 'weights past 100', spec: config([metric('a', 'errors'), metric('b', 'latency')], { errors: 80, latency: 40 }),
      want: ['spec.groupWeights add up to 120; they must add up to 100 at most'] },
    { name: 'every metric muted', spec: config([metric('a', 'errors', { muted: true })]),
      want: ['every metric in spec.metrics is muted: nothing would be scored; unmute at least one'] },
  ];
  for (const c of table) it(c.name, () => assert.deepEqual(canaryConfigProblems(c.spec), c.want));
});
