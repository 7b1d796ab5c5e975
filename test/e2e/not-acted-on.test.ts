// Fields the API accepts that nothing acts on yet (permissions) are not silently ignored: the object
// says so in a FieldsActedOn=False condition and a Warning Event, with the operator as a process;
// unset them and the condition goes. Every trigger type is acted on now: a Pipeline with one of each
// has no such condition, and one left by an earlier version that did not act on some is cleared.
import assert from 'node:assert/strict';
import { triggerTypes } from '../../src/api/v1alpha1/pipeline.ts';
import { waitFor } from '../cluster/probe.ts';
import { withLocalAccountAndOperator } from '../support/namespace.ts';
import { api, inNamespace, pipeline } from '../support/runs.ts';

const ns = `unacted-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);
interface Condition { type: string; status: string; reason: string; message: string; lastTransitionTime?: string }
interface Status { status?: { conditions?: Condition[]; triggers?: { name: string; type: string; lastError?: string }[] } }
const get = async (kind: string, name: string) => JSON.parse(await k(['get', kind, name, '-o', 'json'])) as Status;
const actedOn = async (kind: string, name: string) => (await get(kind, name)).status?.conditions?.find((c) => c.type === 'FieldsActedOn');

/** One trigger of every type the API names; none fires while the test runs. */
const everyTrigger = [
  { name: 'nightly', type: 'cron', cron: { expression: '0 0 1 1 *' } },
  { name: 'hook', type: 'webhook', webhook: { source: 'unacted' } },
  { name: 'push', type: 'git', git: { source: 'github', project: 'team', slug: 'app', branch: 'main' } },
  { name: 'image', type: 'docker', docker: { registry: '127.0.0.1:1', repository: 'team/app' } },
  { name: 'after-plain', type: 'pipeline', pipeline: { pipelineRef: { name: 'plain' }, statuses: ['succeeded'] } },
  { name: 'build', type: 'jenkins', jenkins: { master: 'ci', job: 'build' } },
];

describe('fields accepted but not acted on yet, with the operator as a process', function () {
  this.timeout(120_000);
  withLocalAccountAndOperator(ns);

  it('an Application and an Account with permissions say they are not acted on; a Pipeline with every trigger type and notifications does not', async () => {
    assert.deepEqual(everyTrigger.map((t) => t.type).sort(), [...triggerTypes].sort(), 'the Pipeline below has one trigger of each type');
    const stages = [{ refId: 'a', type: 'wait', wait: { duration: '1s' } }];
    await apply(pipeline('nightly', stages, { triggers: everyTrigger, notifications: [{ type: 'slack', address: '#releases', when: ['pipeline.failed'] }] }),
      { apiVersion: api, kind: 'Application', metadata: { name: 'shop' },
        spec: { permissions: { execute: ['release-managers'] }, notifications: [{ type: 'event', when: ['pipeline.failed'] }] } },
      { apiVersion: api, kind: 'Account', metadata: { name: 'guarded' }, spec: { provider: 'kubernetes', permissions: { write: ['deployers'] } } });

    let c: Condition | undefined;
    await waitFor(async () => (c = await actedOn('application', 'shop')) !== undefined, 30_000, () => 'the Application never said so');
    assert.deepEqual({ status: c!.status, reason: c!.reason }, { status: 'False', reason: 'NotActedOn' });
    assert.match(c!.message, /^Application "shop" sets spec\.permissions, .*decided by Kubernetes RBAC alone$/);
    await waitFor(async () => (c = await actedOn('account', 'guarded')) !== undefined, 30_000, () => 'the Account never said so');
    assert.match(c!.message, /^Account "guarded" sets spec\.permissions/);
    const events = await k(['get', 'events', '--field-selector', 'involvedObject.name=guarded,reason=NotActedOn', '-o', 'jsonpath={.items[*].type}']);
    assert.match(events, /Warning/);

    // The jenkins trigger is acted on: it polls, and says why it cannot read its server.
    let s: Status | undefined;
    await waitFor(async () => (s = await get('pipeline', 'nightly')).status?.triggers?.find((t) => t.name === 'build')?.lastError !== undefined,
      30_000, () => `the jenkins trigger never polled: ${JSON.stringify(s?.status)}`);
    assert.match(s!.status!.triggers!.find((t) => t.name === 'build')!.lastError!, /ConfigMap "staysail-jenkins" does not exist in namespace/);
    assert.equal(s!.status!.conditions!.find((x) => x.type === 'Ready')?.status, 'True');
    assert.equal(await actedOn('pipeline', 'nightly'), undefined, 'no trigger type is named as not acted on');

    // A condition an earlier version wrote (when it did not act on jenkins triggers) goes on the next pass.
    // It is written as that version wrote it: server-side apply of the status, under the Pipeline controller's field manager.
    const stale: Condition = { type: 'FieldsActedOn', status: 'False', reason: 'NotActedOn', lastTransitionTime: new Date().toISOString(),
      message: 'Pipeline "nightly" sets spec.triggers of type jenkins, which this version of Staysail accepts but does not act on yet' };
    const { status } = await get('pipeline', 'nightly');
    const written = JSON.parse(await k(['apply', '--server-side', '--subresource=status', '--field-manager=staysail-pipeline', '--force-conflicts', '-o', 'json', '-f', '-'],
      JSON.stringify({ apiVersion: api, kind: 'Pipeline', metadata: { name: 'nightly' }, status: { ...status, conditions: [...status!.conditions!, stale] } }))) as Status;
    assert.equal(written.status?.conditions?.find((x) => x.type === 'FieldsActedOn')?.status, 'False', 'the stale condition was written');
    await waitFor(async () => (await actedOn('pipeline', 'nightly')) === undefined, 30_000, () => 'the stale condition stayed');

    // An Account that stops setting permissions loses the condition.
    await k(['patch', 'account', 'guarded', '--type=json', '-p', '[{"op":"remove","path":"/spec/permissions"}]']);
    await waitFor(async () => (await actedOn('account', 'guarded')) === undefined, 30_000, () => 'the condition stayed after the field was removed');
  });
});
