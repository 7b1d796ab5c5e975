// pipeline triggers: a run of another Pipeline (the upstream, in the same namespace) finished with
// one of the trigger's statuses. Pure: given the upstream's finished runs and the trigger's
// high-water mark, which runs start a downstream run. Only runs that finished after the mark count,
// so an upstream run whose downstream run was pruned from history never fires again, and a trigger
// seen for the first time (its mark is then) ignores the upstream's old history.
import type { PipelineRunStatus } from '../api/v1alpha1/pipeline-run.ts';
import { phaseOf } from '../pipeline/run/phase.ts';

/** A result a pipeline trigger fires on. */
export type UpstreamResult = 'succeeded' | 'failed' | 'canceled';

/** What is read of an upstream run. */
export interface UpstreamRun {
  metadata: { name: string; uid?: string; deletionTimestamp?: string };
  spec?: { pipelineRef: { name: string } };
  status?: PipelineRunStatus;
}

/** A downstream run to start: for which upstream run, when it finished, and the trigger's payload. */
export interface UpstreamEvent<R extends UpstreamRun = UpstreamRun> {
  run: R;
  finishedAt: number;
  payload: { parentRun: string; parentPipeline: string; result: UpstreamResult; outputs: Record<string, unknown> };
}

/** The upstream run's result, or undefined while it has not finished. */
export function resultOf(status: PipelineRunStatus | undefined): UpstreamResult | undefined {
  const phase = phaseOf(status);
  return phase === 'Succeeded' ? 'succeeded' : phase === 'Failed' ? 'failed' : phase === 'Canceled' ? 'canceled' : undefined;
}

/** When the run finished: status.completionTime, or for a run written before it its Succeeded condition's change. */
export function finishedAt(status: PipelineRunStatus | undefined): number | undefined {
  const at = status?.completionTime ?? status?.conditions?.find((c) => c.type === 'Succeeded')?.lastTransitionTime;
  const ms = at ? Date.parse(at) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** The upstream runs that start a downstream run, oldest first: finished after mark with one of statuses. */
export function planUpstreamEvents<R extends UpstreamRun>(upstream: string, statuses: readonly UpstreamResult[], runs: readonly R[], mark: number): UpstreamEvent<R>[] {
  const events: UpstreamEvent<R>[] = [];
  for (const run of runs) {
    if (run.spec?.pipelineRef.name !== upstream) continue;
    const result = resultOf(run.status);
    const at = finishedAt(run.status);
    if (!result || at === undefined || at <= mark || !statuses.includes(result)) continue;
    const outputs = (run.status?.outputs ?? {}) as Record<string, unknown>;
    events.push({ run, finishedAt: at, payload: { parentRun: run.metadata.name, parentPipeline: upstream, result, outputs } });
  }
  return events.sort((a, b) => a.finishedAt - b.finishedAt || a.run.metadata.name.localeCompare(b.run.metadata.name));
}
