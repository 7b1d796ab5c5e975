// Where canary analysis gets its numbers: one interface for every metric store (Prometheus first;
// Datadog, CloudWatch and Stackdriver fit the same shape), and the scope a query is asked about.
import type { CanaryMetric } from '../../api/v1alpha1/canary-config.ts';

/** One side of a comparison (Kayenta's CanaryScope): a server group over a time window. */
export interface CanaryScope {
  /** What the series belong to, usually the server group name. */
  scope: string;
  /** Where it runs: a namespace or region. */
  location?: string;
  start: Date;
  end: Date;
  stepSeconds: number;
  /** More labels for query templates (Kayenta's extendedScopeParams). */
  extended?: Record<string, string>;
}

export interface Credentials { token?: string; username?: string; password?: string }

export interface MetricSource {
  readonly type: string;
  /** The metric's values over the scope, oldest first, NaN where the store has NaN; [] when it has no data. */
  fetch(metric: CanaryMetric, scope: CanaryScope): Promise<number[]>;
}

/** A query that failed: the metric store refused it, or could not be reached. */
export class MetricSourceError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) { super(message); this.retryable = retryable; }
}

/**
 * The metric's query with the scope's labels filled in: ${scope}, ${location} and each extended
 * parameter. An unknown placeholder is an error naming it, never left in the query.
 */
export function renderQuery(metric: CanaryMetric, scope: CanaryScope, escape: (v: string) => string = (v) => v): string {
  const values: Record<string, string> = { ...scope.extended, scope: scope.scope, ...(scope.location !== undefined ? { location: scope.location } : {}) };
  return metric.query.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) {
      throw new MetricSourceError(`metric "${metric.name}": the query uses \${${name}}, which the scope does not set (it has ${Object.keys(values).join(', ')})`, false);
    }
    return escape(v);
  });
}
