// The canary strategy's analysis, as the Cluster controller carries it out: one interval of the
// baseline and canary server groups judged with the Cluster's CanaryConfig, recorded in status (the
// score and each metric's verdict) and as an Event. What the planner needs of it comes back out.
import type { ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import { compactReport, intervalProblem, notJudged, runCanaryInterval, type IntervalOutcome, type IntervalReport } from '../../canary/analysis.ts';
import { loadCanaryConfig } from '../../canary/config.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import type { CanaryConfig } from '../canary-config/reconciler.ts';
import type { CanaryProgress, RolloutAction, RolloutRecord } from '../../strategies/types.ts';
import type { Cluster } from './reconciler.ts';

type Analyze = Extract<RolloutAction, { kind: 'analyze' }>;
type Thresholds = NonNullable<ClusterStatus['canary']>['thresholds'];
const defaultThresholds = { pass: 75, marginal: 50 };

/** The metric store did not answer; the interval is judged again later (until the deadline, then it scores 0). */
export class MetricsUnavailable extends Error {}

/** What became of the interval, as its Event says it. */
export interface IntervalEvent { type: 'Normal' | 'Warning'; message: string }

/** Loads the Cluster's CanaryConfig and runs the interval; what goes wrong is an outcome by the analysis' rule (intervalProblem). */
async function judgeInterval(client: KubeClient, c: Cluster, a: Analyze): Promise<{ outcome: IntervalOutcome; thresholds: Thresholds }> {
  const settings = c.spec!.strategy!.canary!;
  const name = settings.canaryConfigRef.name;
  // ${location}: the namespace on Kubernetes, the region on a cloud (the Cluster's own namespace when neither is set).
  const location = c.spec!.location?.namespace ?? c.spec!.location?.region ?? c.metadata.namespace!;
  let thresholds = settings.thresholds ?? defaultThresholds;
  try {
    const config = await loadCanaryConfig(client, c.metadata.namespace!, name);
    thresholds = settings.thresholds ?? config.spec.thresholds;
    const scopes = { baseline: { scope: a.baseline, location }, canary: { scope: a.canary, location } };
    return { outcome: await runCanaryInterval({ configName: name, config, thresholds, scopes, window: { index: a.interval, startMs: a.startMs, endMs: a.endMs } }), thresholds };
  } catch (err) {
    const problem = intervalProblem(err, name);
    if (!problem) throw err;
    return { outcome: problem, thresholds };
  }
}

/** An interval the metric store never answered, once the deadline passed: it scores 0, saying why. */
const unanswered = (c: Cluster, a: Analyze, why: string): IntervalReport => ({ interval: a.interval, start: new Date(a.startMs).toISOString(),
  end: new Date(a.endMs).toISOString(), score: 0, classification: 'Fail', metrics: [],
  reason: `Cluster "${c.metadata.name}" (spec.strategy.canary.canaryConfigRef): ${why}`.slice(0, 2000) });

/**
 * Judges one interval and records it in status.canary: its score and each metric's verdict; or, when
 * the CanaryConfig cannot be used or a query is refused, the error, which fails the analysis (the
 * planner reads it). An unreachable metric store is asked again (MetricsUnavailable) until deadlineMs
 * after the window ended; then the interval scores 0.
 */
export async function analyzeCanary(client: KubeClient, c: Cluster, a: Analyze, revision: number, status: ClusterStatus,
  now: number, deadlineMs: number): Promise<IntervalEvent> {
  const { outcome, thresholds } = await judgeInterval(client, c, a);
  const about = `Cluster "${c.metadata.name}" rollout ${revision}: ${a.canary}`;
  if ('unavailable' in outcome && now - a.endMs < deadlineMs) {
    throw new MetricsUnavailable(`judging ${a.canary} (interval ${a.interval}): ${outcome.unavailable}; trying again`);
  }
  const earlier = status.canary?.revision === revision ? status.canary : undefined;
  const kept = { revision, baseline: a.baseline, canary: a.canary, thresholds, intervals: (earlier?.intervals ?? []).filter((i) => i.interval !== a.interval) };
  if ('refused' in outcome) {
    const error = notJudged(a.interval, outcome.refused).slice(0, 2048);
    status.canary = { ...kept, ...(earlier?.lastScore !== undefined ? { lastScore: earlier.lastScore } : {}),
      ...(earlier?.lastInterval ? { lastInterval: earlier.lastInterval } : {}), error };
    return { type: 'Warning', message: `${about} ${error}` };
  }
  const report = 'judged' in outcome ? outcome.judged : unanswered(c, a, outcome.unavailable);
  status.canary = { ...kept, lastScore: report.score, intervals: [...kept.intervals, compactReport(report)].sort((x, y) => x.interval - y.interval),
    lastInterval: report as NonNullable<ClusterStatus['canary']>['lastInterval'] };
  return { type: report.score <= thresholds.marginal ? 'Warning' : 'Normal',
    message: `${about} interval ${a.interval} scored ${report.score} (${report.classification}): ${report.reason}` };
}

/** What is wrong with the Cluster's CanaryConfig, if anything: it does not exist, or is not Ready. */
function configProblemOf(c: Cluster, configs: ObjectCache<CanaryConfig>): string | undefined {
  const ref = c.spec!.strategy?.canary?.canaryConfigRef.name;
  if (!ref) return undefined;
  const config = configs.get(`${c.metadata.namespace}/${ref}`);
  if (!config) return `CanaryConfig "${ref}" (spec.strategy.canary.canaryConfigRef) does not exist in namespace "${c.metadata.namespace}"`;
  const notReady = config.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'False');
  return notReady ? `CanaryConfig "${ref}" (spec.strategy.canary.canaryConfigRef) is not ready: ${notReady.message}` : undefined;
}

/**
 * The last analysis recorded (the planner uses it only for its own rollout), a decision from the spec
 * not yet applied, and what is wrong with the CanaryConfig, if anything (checked before a pair starts).
 */
export function canaryProgress(c: Cluster, status: ClusterStatus, configs: ObjectCache<CanaryConfig>): CanaryProgress {
  const rollout = status.rollout as RolloutRecord | undefined;
  const decision = c.spec!.canaryDecision;
  const configProblem = configProblemOf(c, configs);
  const analysis = status.canary;
  return {
    ...(configProblem ? { configProblem } : {}),
    scores: analysis?.intervals.map((i) => i.score) ?? [],
    ...(analysis ? { revision: analysis.revision, thresholds: analysis.thresholds } : {}),
    ...(analysis?.error ? { error: analysis.error } : {}),
    ...(decision && decision.id !== rollout?.canaryDecisionId ? { decision } : {}),
  };
}
