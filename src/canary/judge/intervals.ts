// Canary analysis over time (Kayenta's real-time and retrospective runs): the windows each interval
// judges, and the rule that ends an analysis early or at its end. Pure: the canaryAnalysis stage and
// the Cluster's canary strategy both plan with it.

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

/** At most this many intervals: each is a status entry and a round of queries. */
export const maxIntervals = 1000;

/**
 * The windows judged, one per interval: interval i ends at begin + i·interval (Kayenta's
 * RunCanaryIntervalsStage). Throws a RangeError, naming lifetime or interval, for a lifetime of 0 or
 * more than maxIntervals intervals.
 */
export function analysisWindows(t: AnalysisTiming): AnalysisWindow[] {
  if (!(t.lifetimeMs > 0)) throw new RangeError('lifetime must be longer than 0');
  const interval = !t.intervalMs || t.intervalMs <= 0 || t.intervalMs > t.lifetimeMs ? t.lifetimeMs : t.intervalMs;
  const count = Math.floor(t.lifetimeMs / interval);
  if (count > maxIntervals) throw new RangeError(`lifetime / interval gives ${count} intervals; make interval longer (at most ${maxIntervals} intervals)`);
  const begin = t.startMs + (t.warmupMs ?? 0);
  return Array.from({ length: count }, (_, i) => {
    const endMs = begin + (i + 1) * interval;
    return { index: i + 1, startMs: t.lookbackMs && t.lookbackMs > 0 ? endMs - t.lookbackMs : begin, endMs };
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
