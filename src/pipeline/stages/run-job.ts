// runJob: runs a Kubernetes Job to completion. The Job is named from the run, stage and attempt and
// owned by the PipelineRun, so a repeated pass finds it and deleting the run cleans it up. Outputs:
// the exit code, declared values from the container's termination message (key=value lines) or its
// log, and a log excerpt where a kubelet can serve logs. A declared output the Job did not give fails
// the stage, or with missingOutputs: Warn is a warning in its message.
import { pipelineRunLabel } from '../../api/v1alpha1/labels.ts';
import type { KubeObject, ResourceType } from '../../core/kube-client.ts';
import { isNotFound } from '../../core/errors.ts';
import { ensureChild, fallbackPollMs } from './children.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

export const jobs: ResourceType = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true };
/** Selects the Jobs runJob stages make (the operator watches only those: their changes wake the run). */
export const jobLabelSelector = pipelineRunLabel;
const pods: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const nodes: ResourceType = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };

type Job = KubeObject<Record<string, unknown>, { conditions?: { type: string; status: string; reason?: string; message?: string }[] }>;
type Pod = KubeObject<{ nodeName?: string }, { containerStatuses?: { name: string; state?: { terminated?: { exitCode: number; message?: string } } }[] }>;

export const runJobStage: StageType = {
  type: 'runJob',
  retryable: true,
  async execute(s): Promise<StageOutcome> {
    const ns = s.run.metadata.namespace!;
    const spec = { backoffLimit: 0, ...(s.config.jobTemplate ?? {}) as object };
    const { name, child: job, created } = await ensureChild<Job>(s, { resource: jobs, labels: { [pipelineRunLabel]: s.run.metadata.name }, stateKey: 'job',
      create: ({ name, namespace, labels, owner }) => s.client.create(jobs, { metadata: { name, namespace, ownerReferences: [owner], labels }, spec }) });
    // The Job's changes wake the run (a watch on the Jobs labelled with their run): polling is a fallback.
    if (created || !job) return { status: 'RUNNING', message: `Job ${name} created`, pollAfterMs: fallbackPollMs, state: { job: name } };
    const done = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (!done) return { status: 'RUNNING', message: `Job ${name} is running`, pollAfterMs: fallbackPollMs, state: { job: name } };
    const { outputs, missing, pod, logProblem } = await jobOutputs(s, ns, name);
    if (done.type === 'Complete') {
      if (missing.length === 0) return { status: 'SUCCEEDED', message: `Job ${name} succeeded`, outputs, state: { job: name } };
      const notFound = missingOutputsMessage(name, missing, pod, logProblem);
      if (s.config.missingOutputs === 'Warn') return { status: 'SUCCEEDED', message: `Job ${name} succeeded; warning: ${notFound}`, outputs, state: { job: name } };
      const fix = `write ${missing[0]}=VALUE to /dev/termination-log or print STAYSAIL_OUTPUT ${missing[0]}=VALUE, or set runJob.missingOutputs: Warn`;
      return { status: 'FAILED', message: `runJob "${s.stage.refId}": ${notFound}; ${fix}`, outputs, state: { job: name } };
    }
    return { status: 'FAILED', outputs, state: { job: name },
      message: `Job ${name} failed: ${done.message ?? done.reason ?? 'failed'}${outputs.exitCode !== undefined ? `; exit code ${outputs.exitCode}` : ''}` };
  },
  async cancel(s) {
    const name = typeof s.record.state?.job === 'string' ? s.record.state.job : undefined;
    if (!name) return;
    try { await s.client.delete(jobs, s.run.metadata.namespace, name); } catch (err) { if (!isNotFound(err)) throw err; }
  },
};

/** What a finished Job gave: its outputs, the declared ones it did not give, and where they were looked for. */
interface JobResult { outputs: Record<string, unknown>; missing: string[]; pod?: string; logProblem?: string }

async function jobOutputs(s: StageRun, ns: string, job: string): Promise<JobResult> {
  const list = await s.client.list<Pod>(pods, ns, { labelSelector: `job-name=${job}` });
  const pod = list.items.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')).pop();
  const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  const declared = (s.config.outputs ?? []) as string[];
  // Declared values from the termination message first, then from the log.
  const outputs: Record<string, unknown> = { ...(terminated ? { exitCode: terminated.exitCode } : {}), ...pick(declared, parseKeyValues(terminated?.message ?? '')) };
  let logProblem: string | undefined;
  if (pod) {
    const excerpt = await logExcerpt(s, ns, pod);
    outputs.logExcerpt = excerpt.problem ? `(no log: ${excerpt.problem})` : excerpt.text;
    logProblem = excerpt.problem;
    Object.assign(outputs, pick(declared.filter((key) => !(key in outputs)), excerpt.values));
  }
  return { outputs, missing: declared.filter((key) => !(key in outputs)), pod: pod?.metadata.name, logProblem };
}

/** The values of the keys asked for that there are. */
const pick = (keys: string[], values: Record<string, string>) => Object.fromEntries(keys.filter((key) => key in values).map((key) => [key, values[key]]));

/** Which declared outputs a Job did not give, and where they were looked for. */
function missingOutputsMessage(job: string, missing: string[], pod?: string, logProblem?: string): string {
  const what = missing.length === 1 ? `output "${missing[0]}" was` : `outputs ${missing.map((k) => `"${k}"`).join(', ')} were`;
  if (!pod) return `${what} not read: Job ${job} has no pod left to read them from`;
  return `${what} not in the termination message or a STAYSAIL_OUTPUT log line of pod ${pod}${logProblem ? ` (its log could not be read: ${logProblem})` : ''}`;
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
async function logExcerpt(s: StageRun, ns: string, pod: Pod): Promise<{ text: string; values: Record<string, string>; problem?: string }> {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) return { text: '', values: {}, problem: 'the pod was never scheduled' };
  const node = await s.client.get<KubeObject<unknown, { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } }>>(nodes, undefined, nodeName)
    .catch(() => undefined);
  if (!node?.status?.daemonEndpoints?.kubeletEndpoint?.Port) return { text: '', values: {}, problem: `node ${nodeName} has no kubelet endpoint` };
  try {
    const text = await s.client.requestText('GET', `${s.client.path(pods, ns, pod.metadata.name, 'log')}`, { tailLines: 20, limitBytes: 4096 });
    const lines = text.split('\n').filter((l) => l.startsWith('STAYSAIL_OUTPUT ')).join('\n');
    return { text, values: parseKeyValues(lines) };
  } catch (err) {
    return { text: '', values: {}, problem: (err as Error).message };
  }
}
