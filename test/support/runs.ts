// Driving pipelines from a test as a user does: kubectl apply and get in one namespace of the shared cluster.
import { stringify } from 'yaml';
import { waitFor } from '../cluster/probe.ts';
import { kubectlOk } from './kubectl.ts';
import { sharedCluster } from './setup.ts';

export interface StageRecord { refId: string; status: string; message?: string; outputs?: Record<string, unknown>; attempts?: number;
  startTime?: string; endTime?: string; judgment?: { decision: string; input?: string; user?: string; client?: string; time?: string } }
export interface Condition { type: string; status: string; reason: string; message: string }
export interface Run { metadata: { name: string }; status?: { stages?: StageRecord[]; outputs?: Record<string, unknown>; conditions?: Condition[];
  completionTime?: string } }

export const api = 'staysail.dev/v1alpha1';

/** kubectl, apply and PipelineRun helpers bound to one namespace. */
export function inNamespace(ns: string) {
  const k = (args: string[], input?: string) => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, ...args], input);
  const getRun = async (name: string) => JSON.parse(await k(['get', 'pipelinerun', name, '-o', 'json'])) as Run;
  return {
    k,
    apply: (...docs: object[]) => k(['apply', '--server-side', '-f', '-'], docs.map((d) => stringify(d)).join('---\n')),
    getRun,
    async finished(name: string, timeoutMs = 60_000): Promise<Run> {
      let last: Run | undefined;
      await waitFor(async () => { last = await getRun(name); return (succeeded(last)?.status ?? 'Unknown') !== 'Unknown'; }, timeoutMs,
        () => `run ${name} did not finish: ${JSON.stringify(last?.status)}`);
      return last!;
    },
  };
}

export const pipeline = (name: string, stages: object[], extra: object = {}) =>
  ({ apiVersion: api, kind: 'Pipeline', metadata: { name }, spec: { application: 'demo', stages, concurrency: { maxConcurrentRuns: 0 }, ...extra } });
export const run = (name: string, pipelineName: string, extra: object = {}) =>
  ({ apiVersion: api, kind: 'PipelineRun', metadata: { name }, spec: { pipelineRef: { name: pipelineName }, ...extra } });
export const succeeded = (r: Run) => r.status?.conditions?.find((c) => c.type === 'Succeeded');
export const stage = (r: Run, refId: string) => r.status?.stages?.find((s) => s.refId === refId);
