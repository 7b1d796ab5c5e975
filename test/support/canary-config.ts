// What the canary suites share: CanaryConfigs over the series a MetricsTarget serves per server group.
import { api } from './runs.ts';

/** A CanaryConfig reading a test Prometheus at one-second resolution, with Kayenta's default thresholds. */
export const canaryConfig = (name: string, address: string, metrics: object[]) => ({ apiVersion: api, kind: 'CanaryConfig', metadata: { name },
  spec: { metricSource: { type: 'prometheus', address, step: '1s' }, metrics, thresholds: { pass: 75, marginal: 50 } } });

/**
 * A metric on the gauge app_<name>, told apart by its server_group label; a rise fails it. A rise
 * under 10% is not worth failing for (Kayenta's allowed effect size), so chance alone does not fail
 * a healthy canary.
 */
export const metric = (name: string, group: string, extra: object = {}) => ({ name, group, query: `max(app_${name}{server_group="\${scope}"})`,
  direction: 'increase', effectSize: { measure: 'meanRatio', allowedIncrease: 1.1 }, ...extra });
