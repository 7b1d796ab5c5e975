// runJob: runs a Kubernetes Job to completion. The Job is named from the run, stage and attempt and
// owned by the PipelineRun, so a repeated pass finds it and deleting the run cleans it up. Outputs:
// the exit code, declared values from the container's termination message (key=value lines), and a
// log excerpt where a kubelet can serve logs.
import type { KubeObject, ResourceType } from '../../core/kube-client.ts';
import { isNotFound } from '../../core/errors.ts';
import { ensureChild } from './children.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

const jobs: ResourceType = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true };
const pods: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const nodes: ResourceType = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };

type Job = KubeObject<Record<string, unknown>, { conditions?: { type: string; status: string; reason?: string; message?: string }[] }>;
type Pod = KubeObject<{ nodeName?: string }, { containerStatuses?: { name: string; state?: { terminated?: { exitCode: number; message?: string } } }[] }>;

export const runJobStage: StageType = {
  type: 'runJob',
  retryable: true,
  async execute(s): Promise<StageOutcome> {
    const ns = s.run.metadata.namespace!;
    const { name, child: job, created } = await ensureChild<Job>(s, jobs, { backoffLimit: 0, ...(s.config.jobTemplate ?? {}) as object },
      { 'staysail.dev/pipeline-run': s.run.metadata.name }, 'job');
    if (created || !job) return { status: 'RUNNING', message: `Job ${name} created`, pollAfterMs: 1000, state: { job: name } };
    const done = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (!done) return { status: 'RUNNING', message: `Job ${name} is running`, pollAfterMs: 2000, state: { job: name } };
    const outputs = await jobOutputs(s, ns, name);
    if (done.type === 'Complete') return { status: 'SUCCEEDED', message: `Job ${name} succeeded`, outputs, state: { job: name } };
    return { status: 'FAILED', outputs, state: { job: name },
      message: `Job ${name} failed: ${done.message ?? done.reason ?? 'failed'}${outputs.exitCode !== undefined ? `; exit code ${outputs.exitCode}` : ''}` };
  },
  async cancel(s) {
    const name = typeof s.record.state?.job === 'string' ? s.record.state.job : undefined;
    if (!name) return;
    try { await s.client.delete(jobs, s.run.metadata.namespace, name); } catch (err) { if (!isNotFound(err)) throw err; }
  },
};

async function jobOutputs(s: StageRun, ns: string, job: string): Promise<Record<string, unknown>> {
  const list = await s.client.list<Pod>(pods, ns, { labelSelector: `job-name=${job}` });
  const pod = list.items.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')).pop();
  const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  const outputs: Record<string, unknown> = {};
  if (terminated) outputs.exitCode = terminated.exitCode;
  const declared = (s.config.outputs ?? []) as string[];
  const values = parseKeyValues(terminated?.message ?? '');
  for (const key of declared) if (key in values) outputs[key] = values[key];
  if (pod) {
    const excerpt = await logExcerpt(s, ns, pod);
    outputs.logExcerpt = excerpt.text;
    for (const key of declared) if (!(key in outputs) && key in excerpt.values) outputs[key] = excerpt.values[key];
  }
  return outputs;
}

/** key=value lines (also STAYSAIL_OUTPUT key=value in logs). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(?:STAYSAIL_OUTPUT\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** The last log lines of the pod, when its node has a kubelet to serve them. */
async function logExcerpt(s: StageRun, ns: string, pod: Pod): Promise<{ text: string; values: Record<string, string> }> {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) return { text: '(no log: the pod was never scheduled)', values: {} };
  const node = await s.client.get<KubeObject<unknown, { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } }>>(nodes, undefined, nodeName)
    .catch(() => undefined);
  if (!node?.status?.daemonEndpoints?.kubeletEndpoint?.Port) return { text: `(no log: node ${nodeName} has no kubelet endpoint)`, values: {} };
  try {
    const text = await s.client.requestText('GET', `${s.client.path(pods, ns, pod.metadata.name, 'log')}`, { tailLines: 20, limitBytes: 4096 });
    const lines = text.split('\n').filter((l) => l.startsWith('STAYSAIL_OUTPUT ')).join('\n');
    return { text, values: parseKeyValues(lines) };
  } catch (err) {
    return { text: `(no log: ${(err as Error).message})`, values: {} };
  }
}
