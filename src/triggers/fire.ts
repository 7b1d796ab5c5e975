// What the webhook and git triggers share: which triggers of which Pipelines an event may fire, the
// secret a trigger names, and starting one run per event and trigger. The run's name is derived
// from the event (what identifies it: for a signed call, what its signature covers) and the trigger,
// so the same event delivered twice, or to two replicas, makes one run: the second create finds the first.
import { createHash } from 'node:crypto';
import type { PipelineSpec, PipelineStatus, triggerSchema } from '../api/v1alpha1/pipeline.ts';
import { triggerLabel, triggerTypeLabel } from '../api/v1alpha1/labels.ts';
import type { Static } from '../api/schema.ts';
import { isNotFound } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { ObjectCache } from '../core/informer.ts';
import type { KubeClient, KubeObject, ResourceType } from '../core/kube-client.ts';
import type { Logger } from '../core/logger.ts';
import { createRun, type RunTrigger } from '../pipeline/create-run.ts';
import { interpolate } from '../pipeline/expressions.ts';
import { eventDigest, triggerRunName } from './run-name.ts';

export type Pipeline = KubeObject<PipelineSpec, PipelineStatus>;
export type Trigger = Static<typeof triggerSchema>;

/** What a webhook route needs: the Pipelines every replica caches, a client to read Secrets and create runs, time. */
export interface TriggerDeps {
  pipelines: ObjectCache<Pipeline>;
  client: KubeClient;
  clock: Clock;
  log: Logger;
}

/** A trigger of a Pipeline that an event may fire. */
export interface Candidate { pipeline: Pipeline; trigger: Trigger }

/** Where a candidate is, for messages: Pipeline "ns/name" trigger "t". */
export const describeCandidate = (c: Candidate): string =>
  `Pipeline "${c.pipeline.metadata.namespace}/${c.pipeline.metadata.name}" trigger "${c.trigger.name}"`;

/** The enabled triggers of type that pick accepts, of Pipelines that are not disabled. */
export function candidatesOf(pipelines: readonly Pipeline[], type: Trigger['type'], pick: (t: Trigger) => boolean): Candidate[] {
  return pipelines.filter((p) => p.spec && !p.spec.disabled).flatMap((pipeline) =>
    (pipeline.spec!.triggers ?? []).filter((t) => t.type === type && t.enabled !== false && pick(t)).map((trigger) => ({ pipeline, trigger })));
}

const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/**
 * The value of the Secret a trigger names, in its Pipeline's namespace, read on every call (a
 * rotated secret counts from the next request on). Throws an Error naming the Pipeline, the trigger,
 * the Secret and the fix when it cannot be read.
 */
export async function readTriggerSecret(client: KubeClient, c: Candidate, ref: { name: string; key?: string }, field: string): Promise<Buffer> {
  const key = ref.key ?? 'secret';
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await client.get(secrets, c.pipeline.metadata.namespace, ref.name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new Error(`${describeCandidate(c)}: Secret "${ref.name}" (${field}) does not exist; create it with the webhook's secret under "${key}"`, { cause: err });
  }
  const data = secret.data?.[key];
  if (!data) throw new Error(`${describeCandidate(c)}: Secret "${ref.name}" (${field}) has no key "${key}"; put the webhook's secret under "${key}", or name its key in ${field}.key`);
  return Buffer.from(data, 'base64');
}

/** A delivery id: the sender's when it is to be trusted, or else a hash of what identifies the event. */
export function deliveryId(given: string | undefined, ...identifying: (string | Buffer)[]): string {
  if (given) return `id:${given}`;
  const h = createHash('sha256');
  for (const part of identifying) h.update(part).update('\0');
  return `sha256:${h.digest('hex')}`;
}

/**
 * The run's name for an event: triggerRunName's <pipeline>-<trigger>-<event>, the event being a hash
 * of the Pipeline, the trigger and the delivery. At most 63 characters, so it may also be a label value.
 */
export function runNameFor(c: Candidate, event: string): string {
  const { namespace, name } = c.pipeline.metadata;
  return triggerRunName(name, c.trigger.name, eventDigest(`${namespace}/${name}/${c.trigger.type}/${c.trigger.name}/${event}`));
}

/** An event that fires a candidate: its payload, and what identifies it among the candidate's events. */
export interface Firing { candidate: Candidate; payload: Record<string, unknown>; event: string }

/** What firing gave: the runs made (or found made by the same event before), and why others could not start. */
export interface Fired { runs: string[]; problems: string[] }

/** Starts a run for each firing; a trigger whose parameters cannot be evaluated starts none and says why. */
export async function startRuns(deps: TriggerDeps, firings: readonly Firing[]): Promise<Fired> {
  const fired: Fired = { runs: [], problems: [] };
  for (const f of firings) {
    const { pipeline, trigger } = f.candidate;
    const record: RunTrigger = { type: trigger.type, name: trigger.name, user: `trigger:${trigger.name}`, payload: f.payload };
    let parameters: Record<string, unknown>;
    try {
      parameters = interpolate(trigger.parameters ?? {}, { parameters: {}, trigger: record, stages: {},
        execution: { namespace: pipeline.metadata.namespace, pipeline: pipeline.metadata.name } });
    } catch (err) {
      const problem = `${describeCandidate(f.candidate)}: its parameters cannot be evaluated over this payload: ${(err as Error).message}`;
      deps.log.warn('trigger started no run', { pipeline: pipeline.metadata.name, namespace: pipeline.metadata.namespace, trigger: trigger.name, problem });
      fired.problems.push(problem);
      continue;
    }
    const { name, created } = await createRun(deps.client, { namespace: pipeline.metadata.namespace!, pipeline: pipeline.metadata.name,
      name: runNameFor(f.candidate, f.event), parameters, trigger: record,
      labels: { [triggerLabel]: trigger.name, [triggerTypeLabel]: trigger.type } });
    deps.log.info(created ? 'trigger started a run' : 'trigger event already started its run',
      { namespace: pipeline.metadata.namespace, pipeline: pipeline.metadata.name, trigger: trigger.name, run: name });
    fired.runs.push(name);
  }
  return fired;
}
