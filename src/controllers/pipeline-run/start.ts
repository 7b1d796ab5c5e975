// Starting a run: find the pipeline, check it and the parameters, wait for a concurrency slot, then
// copy the pipeline's spec into the run's status. A run that cannot start fails at once, saying why.
import type { ReconcileContext } from '../../core/controller.ts';
import { isNotFound } from '../../core/errors.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import { plural } from '../../api/plural.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import { resolveParameters } from '../../pipeline/parameters.ts';
import type { StageRegistry } from '../../pipeline/stages/stage-type.ts';
import { recordLifecycle, refusedStart, succeededStatus, type Lifecycle } from '../../pipeline/run/lifecycle.ts';
import { startRecords } from '../../pipeline/run/records.ts';
import { pipelineProblems } from '../../pipeline/validate.ts';
import type { ConcurrencyGate } from './gate.ts';
import { isActive, isFinished, isQueued, isStarted, pendingRestarts, type Pipeline, type PipelineRun, type PipelineRunStatus } from './types.ts';

export type RunContext = ReconcileContext<PipelineRun, PipelineRunStatus>;

export interface StartDeps {
  pipelines: ObjectCache<Pipeline>;
  client: KubeClient;
  registry: StageRegistry;
  /** The controller's one concurrency gate. */
  gate: ConcurrencyGate;
}

/**
 * Records where the run stands: status.phase and the Succeeded condition (the change of which is
 * recorded as an Event), and for a run that ended, its completion time.
 */
export function applyLifecycle(ctx: RunContext, lifecycle: Lifecycle): void {
  recordLifecycle(ctx.status, lifecycle, ctx.clock.now());
  ctx.setCondition({ type: 'Succeeded', status: succeededStatus(lifecycle.phase), reason: lifecycle.reason, message: lifecycle.message });
}

/** Starts the run, queues it, or fails it. Returns a requeue delay while it is queued. */
export async function startRun(ctx: RunContext, deps: StartDeps): Promise<{ requeueAfterMs?: number; started: boolean }> {
  const run = ctx.obj;
  const ns = run.metadata.namespace!;
  const name = run.spec!.pipelineRef.name;
  const runName = `PipelineRun "${run.metadata.name}"`;

  let pipeline = deps.pipelines.get(`${ns}/${name}`);
  if (!pipeline) {
    // Applied together, the run may be seen before the pipeline reaches the cache: ask the API server.
    try { pipeline = await deps.client.get<Pipeline>(resources.pipeline, ns, name); } catch (err) { if (!isNotFound(err)) throw err; }
  }
  if (!pipeline?.spec) {
    applyLifecycle(ctx, refusedStart('PipelineNotFound', `${runName}: pipeline "${name}" does not exist in namespace "${ns}"; create it, then start a new run`));
    return { started: false };
  }
  if (pipeline.spec.disabled) {
    applyLifecycle(ctx, refusedStart('PipelineDisabled', `${runName}: pipeline "${name}" is disabled (spec.disabled); enable it, then start a new run`));
    return { started: false };
  }
  const problems = pipelineProblems(name, pipeline.spec, deps.registry.types);
  if (problems.length > 0) {
    applyLifecycle(ctx, refusedStart('PipelineInvalid', `${runName}: ${problems.map((p) => p.message).join('; ')}`));
    return { started: false };
  }
  const params = resolveParameters(name, pipeline.spec.parameters, run.spec!.parameters);
  if (params.problems.length > 0) {
    applyLifecycle(ctx, refusedStart('ParameterInvalid', `${runName}: ${params.problems.join('; ')}`));
    return { started: false };
  }

  return deps.gate.withLock(`${ns}/${name}`, async () => {
    const slot = await claimSlot(ctx, deps, pipeline);
    if (slot.outcome === 'superseded') {
      applyLifecycle(ctx, { phase: 'Canceled', reason: 'Canceled',
        message: `${runName}: canceled because newer run "${slot.by}" is waiting for pipeline "${name}" (keepWaitingRuns is false)` });
      return { started: false };
    }
    if (slot.outcome === 'queued') {
      applyLifecycle(ctx, { phase: 'Queued', reason: 'Queued', message: slot.message });
      return { started: false, requeueAfterMs: 30_000 };
    }
    deps.gate.claim(`${ns}/${name}`, run.metadata.name, 'start');
    const now = new Date(ctx.clock.now()).toISOString();
    ctx.status.pipelineSpec = structuredClone(pipeline.spec) as Record<string, unknown>;
    ctx.status.pipelineGeneration = pipeline.metadata.generation;
    ctx.status.parameters = params.values;
    ctx.status.startTime = now;
    ctx.status.stages = startRecords(pipeline.spec!.stages);
    applyLifecycle(ctx, { phase: 'Running', reason: 'Running',
      message: `${runName} started pipeline "${name}" (generation ${pipeline.metadata.generation})` });
    return { started: true };
  });
}

type Slot = { outcome: 'start' } | { outcome: 'queued'; message: string } | { outcome: 'superseded'; by: string };

/** The pipeline's other runs, read live (a run started a moment ago must count), and which of them hold a slot. */
async function slotsOf(ctx: RunContext, deps: StartDeps, pipeline: Pipeline) {
  const me = ctx.obj;
  const listed = (await deps.client.list<PipelineRun>(resources.pipelineRun, me.metadata.namespace)).items
    .filter((r) => r.spec?.pipelineRef.name === pipeline.metadata.name && r.metadata.name !== me.metadata.name);
  // Claims this process made hold a slot until the list shows them carried out (or the run gone).
  const mine = deps.gate.claimsOf(`${me.metadata.namespace}/${pipeline.metadata.name}`, (name, kind) => {
    const r = listed.find((x) => x.metadata.name === name);
    return !r || (kind === 'start' ? isStarted(r) || isFinished(r) : isActive(r) || pendingRestarts(r).length === 0);
  });
  const active = listed.filter((r) => isActive(r) || mine.has(r.metadata.name));
  const max = pipeline.spec!.concurrency?.maxConcurrentRuns ?? 1;
  const message = `${active.length} of ${plural(max, 'run')} active (${active.map((r) => r.metadata.name).join(', ')})`;
  return { listed, mine, active, max, message };
}

/** Whether the run may start now under the pipeline's concurrency limit (Spinnaker's limitConcurrent and keepWaitingPipelines). */
async function claimSlot(ctx: RunContext, deps: StartDeps, pipeline: Pipeline): Promise<Slot> {
  if ((pipeline.spec!.concurrency?.maxConcurrentRuns ?? 1) === 0) return { outcome: 'start' };
  const keepWaiting = pipeline.spec!.concurrency?.keepWaitingRuns ?? false;
  const me = ctx.obj;
  const { listed, mine, active, max, message } = await slotsOf(ctx, deps, pipeline);
  const created = (r: PipelineRun) => `${r.metadata.creationTimestamp ?? ''}/${r.metadata.name}`;
  const waiting = listed.filter((r) => !isStarted(r) && !isFinished(r) && !mine.has(r.metadata.name) && r.metadata.deletionTimestamp === undefined
    && r.spec?.status !== 'Canceled');
  // A run that already had to queue gives way to a newer waiting run when keepWaitingRuns is false.
  if (!keepWaiting && isQueued(me)) {
    const newer = waiting.filter((r) => created(r) > created(me)).sort((a, b) => created(a).localeCompare(created(b))).pop();
    if (newer) return { outcome: 'superseded', by: newer.metadata.name };
  }
  const ahead = keepWaiting ? waiting.filter((r) => created(r) < created(me)).length : 0;
  if (active.length + ahead < max) return { outcome: 'start' };
  return { outcome: 'queued', message: `waiting for pipeline "${pipeline.metadata.name}": ${message}${ahead ? `, ${ahead} queued ahead` : ''}` };
}

/**
 * Whether a finished run may carry out its restart requests now: running again takes a slot under
 * the pipeline's concurrency limit, as a new run would (Spinnaker queues a restart the same way).
 * The pipeline's current concurrency settings apply; a deleted pipeline no longer limits its runs.
 */
export async function restartSlot(ctx: RunContext, deps: StartDeps): Promise<Slot> {
  const ns = ctx.obj.metadata.namespace!;
  const name = ctx.obj.spec!.pipelineRef.name;
  let pipeline = deps.pipelines.get(`${ns}/${name}`);
  if (!pipeline) {
    try { pipeline = await deps.client.get<Pipeline>(resources.pipeline, ns, name); } catch (err) { if (!isNotFound(err)) throw err; }
  }
  if (!pipeline?.spec || (pipeline.spec.concurrency?.maxConcurrentRuns ?? 1) === 0) return { outcome: 'start' };
  return deps.gate.withLock(`${ns}/${name}`, async () => {
    const { active, max, message } = await slotsOf(ctx, deps, pipeline);
    if (active.length >= max) return { outcome: 'queued', message: `restart waits for pipeline "${name}": ${message}` };
    deps.gate.claim(`${ns}/${name}`, ctx.obj.metadata.name, 'restart');
    return { outcome: 'start' };
  });
}
