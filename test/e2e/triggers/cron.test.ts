// A cron trigger with the operator as a process: `* * * * *` starts a run within about a minute,
// and when the leader of two replicas is killed (SIGKILL) the standby takes the Lease and starts the
// next minute's run, never a second run for a minute already started.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { createNamespace, removeNamespace } from '../../support/namespace.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { inNamespace, pipeline } from '../../support/runs.ts';

const ns = `cron-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);

interface TriggeredRun { metadata: { name: string }; spec: { trigger?: { type: string; name?: string; user?: string; payload?: { scheduledTime?: string } } } }
const triggered = async () => (JSON.parse(await k(['get', 'pipelineruns', '-l', 'staysail.dev/trigger=every-minute', '-o', 'json'])) as { items: TriggeredRun[] }).items;

describe('a cron trigger, with the operator as a process', function () {
  this.timeout(240_000);
  const operators: OperatorProcess[] = [];

  const replica = () => new OperatorProcess(['--leader-elect=true', '--leader-election-namespace', ns, '--namespaces', ns]);

  before(async () => {
    await createNamespace(ns);
    const leader = replica();
    operators.push(leader);
    await leader.running();
    const standby = replica();
    operators.push(standby);
    await waitFor(async () => standby.said('serving probes and metrics'), 30_000, () => 'the standby never started');
  });
  after(async () => {
    for (const o of operators) o.child.kill('SIGKILL');
    await removeNamespace(ns);
  });

  it('* * * * * starts one run per minute, also across a leader killed and its standby taking over', async () => {
    await apply(pipeline('ticker', [{ refId: 'tick', type: 'wait', wait: { duration: '1s' } }], {
      triggers: [{ name: 'every-minute', type: 'cron', cron: { expression: '* * * * *', timeZone: 'Europe/Berlin' } }],
    }));
    await waitFor(async () => (await triggered()).length >= 1, 75_000, () => 'no run started within a minute and a bit');
    const [first] = await triggered();
    assert.equal(first!.spec.trigger?.type, 'cron');
    assert.equal(first!.spec.trigger?.user, 'trigger:every-minute');
    const scheduled = Date.parse(first!.spec.trigger!.payload!.scheduledTime!);
    assert.equal(scheduled % 60_000, 0, 'the scheduled time is on the minute');
    assert.match(first!.metadata.name, /^ticker-every-minute-\d{12}-[0-9a-f]{6}$/);

    assert.equal(operators[1]!.said('controllers running'), false, 'the standby does not reconcile while the leader holds the Lease');
    operators[0]!.child.kill('SIGKILL');
    await operators[1]!.running();
    await waitFor(async () => (await triggered()).length >= 2, 75_000, () => 'the new leader started no run in the next minute');
    await new Promise((r) => setTimeout(r, 2000));
    const times = (await triggered()).map((r) => Date.parse(r.spec.trigger!.payload!.scheduledTime!)).sort();
    assert.equal(new Set(times).size, times.length, `a minute started two runs: ${times.map((t) => new Date(t).toISOString()).join(', ')}`);
    for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 60_000, 'one run per minute, none skipped');
    const status = JSON.parse(await k(['get', 'pipeline', 'ticker', '-o', 'jsonpath={.status.triggers[0]}'])) as { lastScheduledTime?: string; lastError?: string };
    assert.equal(status.lastError, undefined);
    assert.ok(status.lastScheduledTime && Date.parse(status.lastScheduledTime) >= times[times.length - 1]!, JSON.stringify(status));
  });
});
