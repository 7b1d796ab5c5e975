// A polling trigger as a user watches it with kubectl: the runs it started, its status, and a wait
// for two polls, so that whatever happened before them has been read.
import { waitFor } from '../../cluster/probe.ts';
import { inNamespace } from '../../support/runs.ts';

/** What every polling trigger's status holds. */
export interface PollStatus { lastPollTime?: string; lastError?: string }

/** kubectl and apply in ns, and the runs and status of trigger on the Pipeline pipelineName (its only trigger). */
export function pollingTrigger<Run, Status extends PollStatus>(ns: string, pipelineName: string, trigger: string) {
  const { k, apply } = inNamespace(ns);
  const triggered = async () => (JSON.parse(await k(['get', 'pipelineruns', '-l', `staysail.dev/trigger=${trigger}`, '-o', 'json'])) as { items: Run[] }).items;
  const status = async () => JSON.parse(await k(['get', 'pipeline', pipelineName, '-o', 'jsonpath={.status.triggers[0]}']) || '{}') as Status;

  /** Waits for two polls that began after now, so whatever was pushed or finished before has been read. */
  async function twoPollsLater(): Promise<Status> {
    const since = Date.now();
    let s = {} as Status;
    let polls = new Set<string>();
    await waitFor(async () => {
      s = await status();
      if (s.lastPollTime && Date.parse(s.lastPollTime) > since) polls = new Set([...polls, s.lastPollTime]);
      return polls.size >= 2;
    }, 45_000, () => `no two polls within 45s: ${JSON.stringify(s)}`);
    return s;
  }

  return { k, apply, triggered, status, twoPollsLater };
}
