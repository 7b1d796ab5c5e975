// The canary strategy's analysis, as the Cluster controller carries it out: one interval of the
// baseline and canary server groups judged with the Cluster's CanaryConfig, recorded in status (the
// score and each metric's verdict) and as an Event. What the planner needs of it comes back out.
import type { ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import { analyseInterval, compactReport, intervalReport, stepSecondsOf, type IntervalReport } from '../../canary/analysis.ts';
import { CanaryConfigError, loadCanaryConfig } from '../../canary/config.ts';
import { MetricSourceError } from '../../canary/metrics/index.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import type { CanaryConfig } from '../canary-config/reconciler.ts';
import type { CanaryProgress, RolloutAction, RolloutRecord } from '../../strategies/types.ts';
import type { Cluster } from './reconciler.ts';

type Analyze = Extract<RolloutAction, { kind: 'analyze' }>;
const defaultThresholds = { pass: 75, marginal: 50 };

/** The metric store did not answer; the interval is judged again later (until the deadline, then it scores 0). */
export class MetricsUnavailable extends Error {}

/**
 * Judges one interval and records it in status.canary. A config or query that cannot work scores 0,
 * saying why; so does a metric store that has not answered by deadlineMs after the window ended.
 */
export async function analyzeCanary(client: KubeClient, c: Cluster, a: Analyze, revision: number, status: ClusterStatus,
  now: number, deadlineMs: number): Promise<IntervalReport> {
  const ns = c.metadata.namespace!;
  const settings = c.spec!.strategy!.canary!;
  const location = c.spec!.location?.namespace ?? ns;
  const window = { index: a.interval, startMs: a.startMs, endMs: a.endMs };
  let thresholds = settings.thresholds ?? defaultThresholds;
  let report: IntervalReport;
  try {
    const { spec, source } = await loadCanaryConfig(client, ns, settings.canaryConfigRef.name);
    thresholds = settings.thresholds ?? spec.thresholds;
    const judgement = await analyseInterval({ ...spec, thresholds }, source, { baseline: { scope: a.baseline, location }, canary: { scope: a.canary, location } },
      window, stepSecondsOf(spec));
    report = intervalReport(a.interval, window, judgement);
  } catch (err) {
    // An unreachable metric store is tried again until the deadline; what will not get better fails the interval.
    if (err instanceof MetricSourceError && err.retryable && now - a.endMs < deadlineMs) {
      throw new MetricsUnavailable(`judging ${a.canary} (interval ${a.interval}): ${err.message}; trying again`, { cause: err });
    }
    if (!(err instanceof CanaryConfigError) && !(err instanceof MetricSourceError)) throw err;
    report = { interval: a.interval, start: new Date(a.startMs).toISOString(), end: new Date(a.endMs).toISOString(), score: 0, classification: 'Fail',
      reason: `Cluster "${c.metadata.name}" (spec.strategy.canary.canaryConfigRef): ${(err as Error).message}`.slice(0, 2000), metrics: [] };
  }
  const earlier = status.canary?.revision === revision ? status.canary.intervals.filter((i) => i.interval !== a.interval) : [];
  status.canary = { revision, baseline: a.baseline, canary: a.canary, thresholds, lastScore: report.score,
    intervals: [...earlier, compactReport(report)].sort((x, y) => x.interval - y.interval),
    lastInterval: report as NonNullable<ClusterStatus['canary']>['lastInterval'] };
  return report;
}

/**
 * The last analysis recorded (the planner uses it only for its own rollout), a decision from the spec
 * not yet applied, and what is wrong with the CanaryConfig, if anything (checked before a pair starts).
 */
export function canaryProgress(c: Cluster, status: ClusterStatus, configs: ObjectCache<CanaryConfig>): CanaryProgress {
  const rollout = status.rollout as RolloutRecord | undefined;
  const decision = c.spec!.canaryDecision;
  const ref = c.spec!.strategy?.canary?.canaryConfigRef.name;
  const config = ref ? configs.get(`${c.metadata.namespace}/${ref}`) : undefined;
  const notReady = config?.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'False');
  const configProblem = !ref ? undefined
    : !config ? `CanaryConfig "${ref}" (spec.strategy.canary.canaryConfigRef) does not exist in namespace "${c.metadata.namespace}"`
      : notReady ? `CanaryConfig "${ref}" (spec.strategy.canary.canaryConfigRef) is not ready: ${notReady.message}` : undefined;
  return {
    ...(configProblem ? { configProblem } : {}),
    scores: status.canary?.intervals.map((i) => i.score) ?? [],
    ...(status.canary ? { revision: status.canary.revision, thresholds: status.canary.thresholds } : {}),
    ...(decision && decision.id !== rollout?.canaryDecisionId ? { decision } : {}),
  };
}
