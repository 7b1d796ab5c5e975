// Prometheus as a metric source: one query_range per metric and scope, over the scope's window and
// step. Baseline and canary are told apart by the labels the query template puts in.
import type { CanaryMetric } from '../../api/v1alpha1/canary-config.ts';
import { MetricSourceError, renderQuery, type CanaryScope, type Credentials, type MetricSource } from './source.ts';

interface RangeResponse {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

/** A sample value as Prometheus writes it: a float, NaN, +Inf or -Inf. */
const promNumber = (v: string): number => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));

/** Escapes a value for a PromQL double-quoted string. */
const promString = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export class PrometheusSource implements MetricSource {
  readonly type = 'prometheus';
  private readonly base: string;
  private readonly credentials: Credentials;
  private readonly timeoutMs: number;

  constructor(address: string, credentials: Credentials = {}, timeoutMs = 30_000) {
    this.base = address.replace(/\/+$/, '');
    this.credentials = credentials;
    this.timeoutMs = timeoutMs;
  }

  async fetch(metric: CanaryMetric, scope: CanaryScope): Promise<number[]> {
    const query = renderQuery(metric, scope, promString);
    const body = new URLSearchParams({ query, start: String(scope.start.getTime() / 1000), end: String(scope.end.getTime() / 1000),
      step: String(scope.stepSeconds) });
    const what = `metric "${metric.name}" (${query})`;
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/v1/query_range`, { method: 'POST', body, headers: this.headers(), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new MetricSourceError(`${what}: Prometheus at ${this.base} cannot be reached: ${(err as Error).cause ?? (err as Error).message}`, true);
    }
    const text = await res.text();
    let parsed: RangeResponse | undefined;
    try { parsed = JSON.parse(text) as RangeResponse; } catch { /* reported below */ }
    if (!parsed || parsed.status !== 'success') {
      const reason = parsed?.error ? `${parsed.errorType ?? 'error'}: ${parsed.error}` : `HTTP ${res.status}: ${text.slice(0, 200)}`;
      throw new MetricSourceError(`${what}: Prometheus refused the query: ${reason}`, res.status >= 500 || res.status === 429);
    }
    const series = parsed.data?.result ?? [];
    if (series.length > 1) {
      throw new MetricSourceError(`${what}: the query returned ${series.length} series for scope "${scope.scope}"; aggregate it to one, e.g. with sum() or avg()`, false);
    }
    return (series[0]?.values ?? []).map(([, v]) => promNumber(v));
  }

  private headers(): Record<string, string> {
    const { token, username, password } = this.credentials;
    if (token) return { authorization: `Bearer ${token}` };
    if (username !== undefined) return { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` };
    return {};
  }
}
