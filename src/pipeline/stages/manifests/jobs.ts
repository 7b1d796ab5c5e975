// Whether a Job deployManifest applied has done its work. kstatus (and so the provider's status)
// reads a Job that has started as Current: healthy, not done. deployManifest waits beyond that,
// until the Job's Complete condition, and fails naming it on its Failed condition.
import type { KubeObject } from '../../../core/kube-client.ts';

interface Condition { type?: string; status?: string; message?: string }
type Job = KubeObject<{ completions?: number; parallelism?: number }, { conditions?: Condition[]; succeeded?: number; active?: number; failed?: number }>;

/** Where a Job has got to, by its conditions; the message says its pods' counts, or why it failed. */
export type JobCompletion = { state: 'Complete' } | { state: 'Failed' | 'Running'; message: string };

export const isJob = (r: { apiVersion: string; kind: string }) => r.kind === 'Job' && r.apiVersion.startsWith('batch/');

/** Its pods' counts, as kstatus words them. */
function countsOf(j: Job): string {
  const { succeeded = 0, active = 0, failed = 0 } = j.status ?? {};
  return `succeeded: ${succeeded}/${j.spec?.completions ?? j.spec?.parallelism ?? 1}, active: ${active}, failed: ${failed}`;
}

export function jobCompletion(obj: KubeObject): JobCompletion {
  const j = obj as Job;
  const counts = countsOf(j);
  for (const c of j.status?.conditions ?? []) {
    if (c.type === 'Complete' && c.status === 'True') return { state: 'Complete' };
    if (c.type === 'Failed' && c.status === 'True') return { state: 'Failed', message: `${c.message ?? 'Job failed'} (${counts})` };
  }
  return { state: 'Running', message: counts };
}
