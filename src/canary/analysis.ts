// One interval of a canary analysis, as the canaryAnalysis stage and a Cluster's canary strategy both
// run it: both scopes' series from the CanaryConfig's metric source over the interval's window,
// judged; the one rule for a query that fails; and what status keeps of the judgement.
import type { CanaryConfigSpec } from '../api/v1alpha1/canary-config.ts';
import { CanaryConfigError, type LoadedCanaryConfig } from './config.ts';
import type { AnalysisWindow, Thresholds } from './judge/intervals.ts';
import { judge, type Judgement } from './judge/judge.ts';
import { MetricSourceError, type CanaryScope, type MetricSource } from './metrics/index.ts';

export { analysisWindows, canaryVerdict, type AnalysisTiming, type AnalysisWindow, type Thresholds, type Verdict } from './judge/intervals.ts';

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

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What status keeps of one interval's judgement: the score and each metric's verdict, without the series statistics. */
export function intervalReport(index: number, window: AnalysisWindow, j: Judgement) {
  return {
    interval: index, start: new Date(window.startMs).toISOString(), end: new Date(window.endMs).toISOString(),
    score: j.score, classification: j.classification, reason: clip(j.reason, 2000),
    metrics: j.metrics.map((m) => ({ name: m.name, classification: m.classification, ...(m.critical ? { critical: true } : {}), reason: clip(m.reason, 1000) })),
  };
}
export type IntervalReport = ReturnType<typeof intervalReport>;

/** An interval's report without its metrics: what is kept of every interval (the last keeps its metrics). */
export const compactReport = ({ metrics: _metrics, ...rest }: IntervalReport) => rest;

/**
 * Why an interval was not judged. unavailable: the metric store could not be reached (or was
 * overloaded); asking again later may work. refused: the CanaryConfig cannot be used, or the store
 * refused a query; asking again will not help, a person must fix the configuration, so the analysis
 * fails naming it.
 */
export type IntervalProblem = { unavailable: string } | { refused: string };
export type IntervalOutcome = { judged: IntervalReport } | IntervalProblem;

/** What an error means for the analysis (the rule both the stage and a Cluster follow); undefined for any other error, which the caller throws. */
export function intervalProblem(err: unknown, configName: string): IntervalProblem | undefined {
  if (err instanceof CanaryConfigError) return { refused: err.message };
  if (!(err instanceof MetricSourceError)) return undefined;
  return err.retryable ? { unavailable: err.message } : { refused: `${err.message}; fix the query in CanaryConfig "${configName}" (spec.metrics)` };
}

/** A refused interval, as the analysis' failure says it. */
export const notJudged = (interval: number, refused: string) => `interval ${interval} could not be judged: ${refused}`;

export interface IntervalRequest {
  /** The CanaryConfig's name, for messages. */
  configName: string;
  config: LoadedCanaryConfig;
  /** The thresholds in force: the stage's or the Cluster's, else the CanaryConfig's. */
  thresholds: Thresholds;
  scopes: ScopePair;
  window: AnalysisWindow;
}

/** Judges one interval: queries both scopes and judges them, or says why it could not (intervalProblem). */
export async function runCanaryInterval(r: IntervalRequest): Promise<IntervalOutcome> {
  const { spec, source } = r.config;
  try {
    return { judged: intervalReport(r.window.index, r.window, await analyseInterval({ ...spec, thresholds: r.thresholds }, source, r.scopes, r.window, stepSecondsOf(spec))) };
  } catch (err) {
    const problem = intervalProblem(err, r.configName);
    if (!problem) throw err;
    return problem;
  }
}
