// Every PipelineRun Staysail makes is made here: by the CLI's start, the pipeline stage (child runs),
// a Cluster's validation pipelines and triggers. A run with a deterministic name is looked for by
// its create: "already exists" means an earlier pass made it, so a pass repeated after a crash
// starts nothing twice. A run without a name gets one from the API server (<pipeline>-xxxxx).
import type { PipelineRunSpec, PipelineRunStatus } from '../api/v1alpha1/pipeline-run.ts';
import { resources } from '../api/v1alpha1/index.ts';
import { isConflict } from '../core/errors.ts';
import type { KubeClient, KubeObject, ObjectMeta } from '../core/kube-client.ts';

export type CreatedRun = KubeObject<PipelineRunSpec, PipelineRunStatus>;
export type RunTrigger = NonNullable<PipelineRunSpec['trigger']>;
export type OwnerReference = NonNullable<ObjectMeta['ownerReferences']>[number];

/** The run wanted: which pipeline, where, with what, started by what, and who owns it. */
export interface RunRequest {
  namespace: string;
  /** The Pipeline to run (spec.pipelineRef.name). */
  pipeline: string;
  /** A deterministic name, for runs an operator pass makes; without one the API server names the run <pipeline>-xxxxx. */
  name?: string;
  parameters?: Record<string, unknown>;
  trigger: RunTrigger;
  labels?: Record<string, string>;
  /** The object the run belongs to (a parent run, a Cluster): deleting it deletes the run. */
  owner?: OwnerReference;
}

/** The PipelineRun object a request makes (nothing is sent). */
export function runObject(r: RunRequest): CreatedRun {
  const labels = r.labels && Object.keys(r.labels).length ? { labels: r.labels } : {};
  const metadata = { ...(r.name ? { name: r.name } : { generateName: `${r.pipeline}-` }), namespace: r.namespace, ...labels,
    ...(r.owner ? { ownerReferences: [r.owner] } : {}) } as ObjectMeta;
  const parameters = r.parameters && Object.keys(r.parameters).length ? { parameters: r.parameters } : {};
  return { metadata, spec: { pipelineRef: { name: r.pipeline }, ...parameters, trigger: r.trigger } };
}

/**
 * Creates the run. created is false when a run of that name already exists (made by an earlier
 * pass; it is not read, so run is then undefined). Other API errors are thrown.
 */
export async function createRun(client: KubeClient, r: RunRequest): Promise<{ name: string; created: boolean; run?: CreatedRun }> {
  try {
    const run = await client.create<CreatedRun>(resources.pipelineRun, runObject(r));
    return { name: run.metadata.name, created: true, run };
  } catch (err) {
    if (r.name && isConflict(err)) return { name: r.name, created: false };
    throw err;
  }
}
