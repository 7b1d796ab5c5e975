import assert from 'node:assert/strict';
import type { CanaryMetric } from '../../api/v1alpha1/canary-config.ts';
import { MetricSourceError, renderQuery } from './source.ts';

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
