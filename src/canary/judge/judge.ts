// Kayenta's NetflixACAJudge: each metric's canary series against its baseline (NaN strategy,
// optional IQR outlier removal, Mann-Whitney with a tolerance band, effect sizes, direction,
// critical and must-have-data metrics), then group scores weighted into a 0-100 score.
import type { CanaryConfigSpec, CanaryMetric } from '../../api/v1alpha1/canary-config.ts';
import { AllTiedError, mannWhitney, type ShiftEstimate } from './mann-whitney.ts';
import { mean, percentile, std } from './stats.ts';

export type MetricClassification = 'Pass' | 'High' | 'Low' | 'NoData' | 'NoDataFailMetric' | 'Error';
export type ScoreClassification = 'Pass' | 'Marginal' | 'Fail';

export interface SeriesStats { count: number; mean: number; min: number; max: number; std: number }

export interface MetricResult {
  name: string;
  group: string;
  classification: MetricClassification;
  /** True when this result fails the whole analysis because the metric is critical. */
  critical: boolean;
  reason: string;
  muted: boolean;
  interval?: { lower: number; upper: number };
  estimate?: number;
  /** mean(canary) / mean(baseline), always reported (NaN when a mean is 0). */
  ratio?: number;
  effectSize?: { measure: 'meanRatio' | 'cles'; value: number };
  baseline?: SeriesStats;
  canary?: SeriesStats;
}

export interface Judgement {
  score: number;
  classification: ScoreClassification;
  reason: string;
  groups: { name: string; score: number; weight: number; noData: boolean }[];
  metrics: MetricResult[];
}

export interface JudgeOptions {
  /** Noise for single-valued series (a standard normal variate); deterministic by default. */
  gaussian?: () => number;
}

/** A tiny deterministic normal generator (Box-Muller over a fixed LCG), so results repeat. */
export function seededGaussian(seed = 42): () => number {
  let s = seed >>> 0;
  const uniform = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 4294967296; };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

const stats = (xs: number[]): SeriesStats => ({ count: xs.length, mean: xs.length ? mean(xs) : NaN,
  min: xs.length ? Math.min(...xs) : NaN, max: xs.length ? Math.max(...xs) : NaN, std: std(xs) });

/** NaN handling, then (optionally) IQR outlier removal with fences widened to P1 and P99. */
export function transform(series: readonly number[], m: CanaryMetric): number[] {
  let xs = m.nanStrategy === 'replace' ? series.map((v) => (Number.isNaN(v) ? 0 : v)) : series.filter((v) => !Number.isNaN(v));
  if (m.outliers?.strategy === 'remove' && xs.length > 0) {
    const sorted = [...xs].sort((a, b) => a - b);
    const q1 = percentile(sorted, 25);
    const q3 = percentile(sorted, 75);
    const f = m.outliers.factor ?? 3;
    const low = Math.min(percentile(sorted, 1), q1 - f * (q3 - q1));
    const high = Math.max(percentile(sorted, 99), q3 + f * (q3 - q1));
    xs = xs.filter((v) => v >= low && v <= high);
  }
  return xs;
}

/** P(canary > baseline), ties counting one half. */
export function cles(canary: readonly number[], baseline: readonly number[]): number {
  let wins = 0;
  for (const c of canary) for (const b of baseline) wins += c > b ? 1 : c === b ? 0.5 : 0;
  return wins / (canary.length * baseline.length);
}

/** Judges one metric. */
export function classifyMetric(m: CanaryMetric, baselineRaw: readonly number[] | undefined, canaryRaw: readonly number[] | undefined,
  settings: { confidence: number; tolerance: number }, gaussian: () => number): MetricResult {
  const base = { name: m.name, group: m.group, muted: m.muted ?? false };
  const critical = m.critical ?? false;
  const baseline = transform(baselineRaw ?? [], m);
  const canary = transform(canaryRaw ?? [], m);
  const described = { baseline: stats(baseline), canary: stats(canary) };
  if (baseline.length === 0 || canary.length === 0) {
    if (m.nanStrategy === 'replace') return { ...base, ...described, classification: 'Pass', critical: false, reason: 'no data; NaNs are replaced by 0' };
    const fail = (m.mustHaveData ?? false) && !critical;
    return { ...base, ...described, classification: fail ? 'NoDataFailMetric' : 'NoData', critical,
      reason: `no data for the ${baseline.length === 0 ? 'baseline' : 'canary'}` };
  }
  const ratio = described.baseline.mean === 0 || described.canary.mean === 0 ? NaN : described.canary.mean / described.baseline.mean;
  const sortedB = [...baseline].sort((a, b) => a - b);
  const sortedC = [...canary].sort((a, b) => a - b);
  if (sortedB.length === sortedC.length && sortedB.every((v, i) => v === sortedC[i])) {
    return { ...base, ...described, ratio: 1, classification: 'Pass', critical: false, reason: 'the data are identical' };
  }
  if (new Set([...baseline, ...canary]).size === 1) {
    return { ...base, ...described, ratio, classification: 'Pass', critical: false, reason: 'every value is the same' };
  }
  let x = canary;
  let y = baseline;
  if (new Set(x).size === 1 && new Set(y).size === 1) {
    // Both sides constant (but different): a little noise, as Kayenta adds, lets the test run.
    x = x.map((v) => v + gaussian() * 1e-5 * v);
    y = y.map((v) => v + gaussian() * 1e-5 * v);
  }
  let shift: ShiftEstimate;
  try {
    shift = mannWhitney(x, y, settings.confidence);
  } catch (err) {
    return { ...base, ...described, ratio, classification: 'Error', critical, reason: `Metric Classification Failed: ${err instanceof AllTiedError ? err.message : String(err)}` };
  }
  const measure = m.effectSize?.measure ?? 'meanRatio';
  const effect = measure === 'cles' ? cles(canary, baseline) : ratio;
  const neutral = measure === 'cles' ? 0.5 : 1;
  const allowedIncrease = m.effectSize?.allowedIncrease ?? neutral;
  const allowedDecrease = m.effectSize?.allowedDecrease ?? neutral;
  const criticalIncrease = m.effectSize?.criticalIncrease ?? neutral;
  const criticalDecrease = m.effectSize?.criticalDecrease ?? neutral;
  const bound = settings.tolerance * Math.abs(shift.estimate);
  const direction = m.direction ?? 'either';
  const found = { interval: { lower: shift.lower, upper: shift.upper }, estimate: shift.estimate, ratio, effectSize: { measure, value: effect } };
  if (direction !== 'decrease' && shift.lower > bound && (Number.isNaN(effect) || effect >= allowedIncrease)) {
    const isCritical = critical && (Number.isNaN(effect) || effect >= criticalIncrease);
    return { ...base, ...described, ...found, classification: 'High', critical: isCritical,
      reason: `the canary is higher: the ${Math.round(settings.confidence * 100)}% interval of the shift is [${fmt(shift.lower)}, ${fmt(shift.upper)}]` };
  }
  if (direction !== 'increase' && shift.upper < -bound && (Number.isNaN(effect) || effect <= allowedDecrease)) {
    const isCritical = critical && (Number.isNaN(effect) || effect <= criticalDecrease);
    return { ...base, ...described, ...found, classification: 'Low', critical: isCritical,
      reason: `the canary is lower: the ${Math.round(settings.confidence * 100)}% interval of the shift is [${fmt(shift.lower)}, ${fmt(shift.upper)}]` };
  }
  return { ...base, ...described, ...found, classification: 'Pass', critical: false, reason: 'no significant difference' };
}

const fmt = (v: number) => (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(3));

/** Kayenta's weighted-sum scorer and threshold classifier over metric results. */
export function scoreResults(metrics: MetricResult[], groupWeights: Record<string, number> | undefined,
  thresholds: { pass: number; marginal: number }): Omit<Judgement, 'metrics'> {
  const scored = metrics.filter((r) => !r.muted);
  const groupNames = [...new Set(scored.map((r) => r.group))];
  const configured = groupWeights ?? {};
  const configuredTotal = groupNames.reduce((a, g) => a + (configured[g] ?? 0), 0);
  const unweighted = groupNames.filter((g) => configured[g] === undefined);
  const groups = groupNames.map((name) => {
    const rs = scored.filter((r) => r.group === name);
    const counted = rs.filter((r) => ['Pass', 'High', 'Low', 'NoDataFailMetric'].includes(r.classification));
    const noData = counted.length === 0;
    const score = noData ? 0 : (100 * counted.filter((r) => r.classification === 'Pass').length) / counted.length;
    const weight = configured[name] ?? (100 - configuredTotal) / unweighted.length;
    return { name, score, weight, noData };
  });
  // A group with no countable metric counts as 100 in the summary (Kayenta's rule).
  const summary = Math.round(groups.reduce((a, g) => a + (g.noData ? 100 : g.score) * (g.weight / 100), 0) * 100) / 100;

  const criticalFailure = scored.find((r) => r.critical && r.classification !== 'Pass');
  const noDataShare = scored.length ? scored.filter((r) => r.classification === 'NoData').length / scored.length : 0;
  let score = summary;
  let reason = 'weighted group scores';
  if (criticalFailure) { score = 0; reason = `Canary Failed: critical metric ${criticalFailure.name} is ${criticalFailure.classification}: ${criticalFailure.reason}`; }
  else if (noDataShare >= 0.5) { score = 0; reason = `Canary Failed: ${Math.round(noDataShare * 100)}% of the metrics have no data`; }
  const classification: ScoreClassification = score >= thresholds.pass ? 'Pass' : score >= thresholds.marginal ? 'Marginal' : 'Fail';
  return { score, classification, reason, groups };
}

/** Judges every metric and scores the canary. */
export function judge(config: CanaryConfigSpec, baseline: Record<string, number[]>, canary: Record<string, number[]>, options: JudgeOptions = {}): Judgement {
  const settings = { confidence: config.judge?.confidence ?? 0.98, tolerance: config.judge?.tolerance ?? 0.25 };
  const gaussian = options.gaussian ?? seededGaussian();
  const metrics = config.metrics.map((m) => classifyMetric(m, baseline[m.name], canary[m.name], settings, gaussian));
  return { ...scoreResults(metrics, config.groupWeights, config.thresholds), metrics };
}
