// canaryAnalysis: Kayenta's standalone analysis as a stage. Judges the canary scope against the
// baseline with a CanaryConfig, one window per interval: in real time, each as it ends (the stage
// waits between them); retrospectively, all at once. Fails at once when an interval scores at or
// below marginal; otherwise the last score must reach pass. Queries only read, so a step repeated
// after a crash repeats no side effect; the scores so far are kept in the stage's state.
import { parseDuration } from '../../api/duration.ts';
import { analysisWindows, canaryVerdict, compactReport, intervalProblem, notJudged, runCanaryInterval, type AnalysisTiming, type AnalysisWindow,
  type IntervalProblem, type IntervalReport, type ScopePair, type Thresholds, type Verdict } from '../../canary/analysis.ts';
import { CanaryConfigError, loadCanaryConfig, type LoadedCanaryConfig } from '../../canary/config.ts';
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


/** The analysis so far: kept in the stage's state (scores, intervals) and outputs. */
interface SoFar { scores: number[]; intervals: ReturnType<typeof compactReport>[]; last?: IntervalReport }

const stateOf = (p: SoFar) => ({ scores: p.scores, intervals: p.intervals });
const outputsOf = (p: SoFar) => ({ canaryScores: p.scores, lastScore: p.scores.at(-1), intervals: p.intervals, ...(p.last ? { lastInterval: p.last } : {}) });

/**
 * An interval that could not be judged (the rule of canary/analysis.ts): an unreachable metric store
 * is asked again every 15 s, until the stage's timeout; a CanaryConfig that cannot be used or a refused
 * query fails the stage, naming it, with no retry (another attempt would come to the same).
 */
function problemOutcome(problem: IntervalProblem, p: SoFar, interval?: number): StageOutcome {
  if ('unavailable' in problem) {
    return { status: 'RUNNING', pollAfterMs: 15_000, state: stateOf(p), message: `metric source unavailable, trying again: ${problem.unavailable}` };
  }
  const message = `canary analysis failed: ${interval === undefined ? problem.refused : notJudged(interval, problem.refused)}`;
  return { status: 'FAILED', message, final: true, state: stateOf(p), outputs: { ...outputsOf(p), canaryScoreMessage: message } };
}

function verdictOutcome(verdict: Exclude<Verdict, { outcome: 'continue' }>, p: SoFar): StageOutcome {
  const last = p.last!;
  const message = `${verdict.reason}${verdict.outcome === 'fail' && last.score === 0 ? ` (${last.reason})` : ''}`;
  const done = { state: stateOf(p), outputs: { ...outputsOf(p), canaryScoreMessage: message } };
  return verdict.outcome === 'pass' ? { status: 'SUCCEEDED', message, ...done } : { status: 'FAILED', message, final: true, ...done };
}

interface Analysis { configName: string; config: LoadedCanaryConfig; windows: AnalysisWindow[]; realTime: boolean; thresholds: Thresholds; scopes: ScopePair }

/** Judges the windows not judged yet (in real time, each once it has ended) until the verdict is in. */
async function judgeWindows(s: StageRun, a: Analysis, p: SoFar): Promise<StageOutcome> {
  const { windows } = a;
  for (const w of windows.slice(p.scores.length)) {
    if (a.realTime && w.endMs > s.clock.now()) {
      return { status: 'RUNNING', pollAfterMs: w.endMs - s.clock.now(), state: stateOf(p), outputs: outputsOf(p),
        message: `${p.scores.length ? `interval ${p.scores.length} scored ${p.scores.at(-1)}; ` : ''}interval ${w.index} of ${windows.length} is judged at ${new Date(w.endMs).toISOString()}` };
    }
    const outcome = await runCanaryInterval({ configName: a.configName, config: a.config, thresholds: a.thresholds, scopes: a.scopes, window: w });
    if (!('judged' in outcome)) return problemOutcome(outcome, p, w.index);
    p.last = outcome.judged;
    p.scores.push(p.last.score);
    p.intervals = [...p.intervals, compactReport(p.last)];
    const verdict = canaryVerdict(p.scores, windows.length, a.thresholds);
    if (verdict.outcome !== 'continue') return verdictOutcome(verdict, p);
  }
  throw new Error(`canaryAnalysis: no interval left to judge after ${p.scores.length} of ${windows.length}`);
}

const windowsOf = (timing: AnalysisTiming) => {
  try { return analysisWindows(timing); } catch (err) { throw new CanaryConfigError(`canaryAnalysis: ${(err as Error).message}`, { cause: err }); }
};

export const canaryAnalysisStage: StageType = {
  type: 'canaryAnalysis',
  retryable: false,
  async execute(s: StageRun): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const p: SoFar = { scores: [...((s.record.state?.scores as number[] | undefined) ?? [])],
      intervals: [...((s.record.state?.intervals as SoFar['intervals'] | undefined) ?? [])],
      last: s.record.outputs?.lastInterval as IntervalReport | undefined };
    const configName = c.canaryConfigRef.name;
    try {
      const config = await loadCanaryConfig(s.client, s.run.metadata.namespace!, configName);
      const { timing, realTime } = timingOf(c, Date.parse(s.record.startTime ?? new Date(s.clock.now()).toISOString()));
      const extended = c.extendedScopeParams ? { extended: c.extendedScopeParams } : {};
      return await judgeWindows(s, { configName, config, windows: windowsOf(timing), realTime, thresholds: c.thresholds ?? config.spec.thresholds,
        scopes: { baseline: { ...c.baseline, ...extended }, canary: { ...c.canary, ...extended } } }, p);
    } catch (err) {
      const problem = intervalProblem(err, configName);
      if (!problem) throw err;
      return problemOutcome(problem, p);
    }
  },
};
