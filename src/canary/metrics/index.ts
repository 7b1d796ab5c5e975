// The metric sources a CanaryConfig can name.
import type { CanaryConfigSpec } from '../../api/v1alpha1/canary-config.ts';
import { PrometheusSource } from './prometheus.ts';
import type { Credentials, MetricSource } from './source.ts';

export { MetricSourceError, type CanaryScope, type Credentials, type MetricSource } from './source.ts';

/** The metric source a CanaryConfig names. */
export function metricSourceFor(spec: CanaryConfigSpec['metricSource'], credentials: Credentials = {}): MetricSource {
  switch (spec.type) {
    case 'prometheus': return new PrometheusSource(spec.address, credentials);
  }
}
