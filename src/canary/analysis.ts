// Canary analysis over time (Kayenta's real-time and retrospective runs): the windows each interval
// judges, the rule that ends an analysis early or at its end, and one interval's judgement from a
// metric source. Planning and deciding are pure; only `analyseInterval` reads metrics.
import type { CanaryConfigSpec } from '../api/v1alpha1/canary-config.ts';
import { judge, type Judgement } from './judge/judge.ts';
import type { CanaryScope, MetricSource } from './metrics/index.ts';

export interface Thresholds { pass: number; marginal: number }

export interface AnalysisTiming {
  /** When the analysis began (real time) or the start of the period analysed (retrospective). */
  startMs: number;
  /** Time before the first window opens. */
  warmupMs?: number;
  /** Length of the analysis after the warm-up. */
  lifetimeMs: number;
  /** Each interval's length; missing, zero or longer than the lifetime means one interval of the whole lifetime. */
  intervalMs?: number;
  /** Judge only the last lookback of each interval's window (sliding); missing means windows grow from the start. */
  lookbackMs?: number;
}

export interface AnalysisWindow { index: number; startMs: number; endMs: number }

/** The windows judged, one per interval: interval i ends at begin + i·interval (Kayenta's RunCanaryIntervalsStage). */
export function analysisWindows(t: AnalysisTiming): AnalysisWindow[] {
  const interval = !t.intervalMs || t.intervalMs > t.lifetimeMs ? t.lifetimeMs : t.intervalMs;
  const count = Math.max(1, Math.floor(t.lifetimeMs / interval));
  const begin = t.startMs + (t.warmupMs ?? 0);
  return Array.from({ length: count }, (_, i) => {
    const endMs = begin + (i + 1) * interval;
    return { index: i + 1, startMs: t.lookbackMs ? endMs - t.lookbackMs : begin, endMs };
  });
}

export type Verdict = { outcome: 'continue' } | { outcome: 'pass' | 'fail'; reason: string };

/**
 * What the scores so far mean (Orca's MonitorKayentaCanaryTask and AggregateCanaryResultsTask): an
 * interval at or below marginal fails at once; after the last interval only its score counts, and
 * must reach pass.
 */
export function canaryVerdict(scores: readonly number[], intervals: number, thresholds: Thresholds): Verdict {
  const last = scores.at(-1);
  if (last === undefined) return { outcome: 'continue' };
  if (last <= thresholds.marginal) {
    return { outcome: 'fail', reason: `interval ${scores.length} of ${intervals} scored ${last}, at or below the marginal threshold ${thresholds.marginal}` };
  }
  if (scores.length < intervals) return { outcome: 'continue' };
  if (last < thresholds.pass) return { outcome: 'fail', reason: `the final score ${last} is below the pass threshold ${thresholds.pass}` };
  return { outcome: 'pass', reason: `the final score ${last} reached the pass threshold ${thresholds.pass}` };
}

export interface ScopePair { baseline: Omit<CanaryScope, 'start' | 'end' | 'stepSeconds'>; canary: Omit<CanaryScope, 'start' | 'end' | 'stepSeconds'> }

/** Fetches every metric of both scopes over the window and judges them. Metric source errors propagate. */
export async function analyseInterval(config: CanaryConfigSpec, source: MetricSource, scopes: ScopePair, window: AnalysisWindow,
  stepSeconds: number): Promise<Judgement> {
  const side = (s: ScopePair['baseline']): CanaryScope => ({ ...s, start: new Date(window.startMs), end: new Date(window.endMs), stepSeconds });
  const baseline: Record<string, number[]> = {};
  const canary: Record<string, number[]> = {};
  // A few queries at a time: a config has up to 100 metrics, and the store is shared.
  const queue = [...config.metrics];
  const worker = async () => {
    for (let m = queue.shift(); m; m = queue.shift()) {
      const [b, c] = await Promise.all([source.fetch(m, side(scopes.baseline)), source.fetch(m, side(scopes.canary))]);
      baseline[m.name] = b;
      canary[m.name] = c;
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
  return judge(config, baseline, canary);
}

/** The step a config asks for, in seconds (default 60). */
export const stepSecondsOf = (config: CanaryConfigSpec): number => {
  const step = config.metricSource.step ?? '60s';
  return Number(step.slice(0, -1)) * (step.endsWith('m') ? 60 : 1);
};

/** What status keeps of one interval's judgement: the score and each metric's verdict, without the series statistics. */
export function intervalReport(index: number, window: AnalysisWindow, j: Judgement) {
  return {
    interval: index, start: new Date(window.startMs).toISOString(), end: new Date(window.endMs).toISOString(),
    score: j.score, classification: j.classification, reason: j.reason,
    metrics: j.metrics.map((m) => ({ name: m.name, classification: m.classification, ...(m.critical ? { critical: true } : {}), reason: m.reason })),
  };
}
export type IntervalReport = ReturnType<typeof intervalReport>;
