// canaryAnalysis: Kayenta's standalone analysis as a stage. Judges the canary scope against the
// baseline with a CanaryConfig, one window per interval: in real time, each as it ends (the stage
// waits between them); retrospectively, all at once. Fails at once when an interval scores at or
// below marginal; otherwise the last score must reach pass. Queries only read, so a step repeated
// after a crash repeats no side effect; the scores so far are kept in the stage's state.
import { parseDuration } from '../../api/duration.ts';
import { analyseInterval, analysisWindows, canaryVerdict, compactReport, intervalReport, stepSecondsOf, type AnalysisTiming, type IntervalReport,
  type Thresholds } from '../../canary/analysis.ts';
import { CanaryConfigError, loadCanaryConfig } from '../../canary/config.ts';
import { MetricSourceError } from '../../canary/metrics/index.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

interface Scope { scope: string; location?: string }
interface Config {
  canaryConfigRef: { name: string };
  baseline: Scope;
  canary: Scope;
  extendedScopeParams?: Record<string, string>;
  lifetime?: string;
  startTime?: string;
  endTime?: string;
  interval?: string;
  warmup?: string;
  lookback?: string;
  thresholds?: Thresholds;
}

/** The analysis' timing from the stage's block; a bad time names its field. */
function timingOf(c: Config, stageStartMs: number): { timing: AnalysisTiming; realTime: boolean } {
  const duration = (field: keyof Config) => {
    const v = c[field] as string | undefined;
    if (v === undefined) return undefined;
    try { return parseDuration(v); } catch (err) { throw new CanaryConfigError(`canaryAnalysis.${field}: ${(err as Error).message}`); }
  };
  const time = (field: 'startTime' | 'endTime') => {
    const ms = Date.parse(c[field]!);
    if (Number.isNaN(ms)) throw new CanaryConfigError(`canaryAnalysis.${field}: "${c[field]}" is not an RFC 3339 time such as 2026-11-29T10:00:00Z`);
    return ms;
  };
  const common = { intervalMs: duration('interval'), lookbackMs: duration('lookback') };
  if (c.lifetime !== undefined) return { realTime: true, timing: { startMs: stageStartMs, warmupMs: duration('warmup'), lifetimeMs: duration('lifetime')!, ...common } };
  const startMs = time('startTime');
  const endMs = time('endTime');
  if (endMs <= startMs) throw new CanaryConfigError(`canaryAnalysis.endTime (${c.endTime}) must be after startTime (${c.startTime})`);
  return { realTime: false, timing: { startMs, lifetimeMs: endMs - startMs, ...common } };
}


export const canaryAnalysisStage: StageType = {
  type: 'canaryAnalysis',
  retryable: true,
  async execute(s: StageRun): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const ns = s.run.metadata.namespace!;
    const scores = [...((s.record.state?.scores as number[] | undefined) ?? [])];
    let intervals = [...((s.record.state?.intervals as ReturnType<typeof compactReport>[] | undefined) ?? [])];
    let last = s.record.outputs?.lastInterval as IntervalReport | undefined;
    try {
      const { spec, source } = await loadCanaryConfig(s.client, ns, c.canaryConfigRef.name);
      const { timing, realTime } = timingOf(c, Date.parse(s.record.startTime ?? new Date(s.clock.now()).toISOString()));
      let windows;
      try { windows = analysisWindows(timing); } catch (err) { throw new CanaryConfigError(`canaryAnalysis: ${(err as Error).message}`, { cause: err }); }
      const thresholds = c.thresholds ?? spec.thresholds;
      const extended = c.extendedScopeParams;
      const scopes = { baseline: { ...c.baseline, ...(extended ? { extended } : {}) }, canary: { ...c.canary, ...(extended ? { extended } : {}) } };
      const outputs = () => ({ canaryScores: scores, lastScore: scores.at(-1), intervals, ...(last ? { lastInterval: last } : {}) });
      for (const w of windows.slice(scores.length)) {
        if (realTime && w.endMs > s.clock.now()) {
          return { status: 'RUNNING', pollAfterMs: w.endMs - s.clock.now(), state: { scores, intervals }, outputs: outputs(),
            message: `${scores.length ? `interval ${scores.length} scored ${scores.at(-1)}; ` : ''}interval ${w.index} of ${windows.length} is judged at ${new Date(w.endMs).toISOString()}` };
        }
        last = intervalReport(w.index, w, await analyseInterval(spec, source, scopes, w, stepSecondsOf(spec)));
        scores.push(last.score);
        intervals = [...intervals, compactReport(last)];
        const verdict = canaryVerdict(scores, windows.length, thresholds);
        if (verdict.outcome === 'continue') continue;
        const message = `${verdict.reason}${verdict.outcome === 'fail' && last.score === 0 ? ` (${last.reason})` : ''}`;
        const done = { state: { scores, intervals }, outputs: { ...outputs(), canaryScoreMessage: message } };
        return verdict.outcome === 'pass' ? { status: 'SUCCEEDED', message, ...done } : { status: 'FAILED', message, final: true, ...done };
      }
      throw new Error(`canaryAnalysis: no interval left to judge after ${scores.length} of ${windows.length}`);
    } catch (err) {
      if (err instanceof MetricSourceError && err.retryable) {
        return { status: 'RUNNING', pollAfterMs: 15_000, state: { scores, intervals }, message: `metric source unavailable, trying again: ${err.message}` };
      }
      if (err instanceof CanaryConfigError) return { status: 'FAILED', message: err.message, final: true, state: { scores, intervals } };
      if (err instanceof MetricSourceError) return { status: 'FAILED', message: err.message, state: { scores, intervals } };
      throw err;
    }
  },
};
