// Fields the API accepts that nothing acts on yet (jenkins triggers, permissions) are not
// silently ignored: the object says so in a FieldsActedOn=False condition and a Warning Event, with
// the operator as a process; unset them and the condition goes.
import assert from 'node:assert/strict';
import { waitFor } from '../cluster/probe.ts';
import { withLocalAccountAndOperator } from '../support/namespace.ts';
import { api, inNamespace, pipeline } from '../support/runs.ts';

const ns = `unacted-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);
interface Conditions { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }
const actedOn = async (kind: string, name: string) =>
  (JSON.parse(await k(['get', kind, name, '-o', 'json'])) as Conditions).status?.conditions?.find((c) => c.type === 'FieldsActedOn');

describe('fields accepted but not acted on yet, with the operator as a process', function () {
  this.timeout(120_000);
  withLocalAccountAndOperator(ns);

  it('a Pipeline with a jenkins trigger, an Application and an Account with permissions say they are not acted on; notifications, acted on, are not named', async () => {
    const stages = [{ refId: 'a', type: 'wait', wait: { duration: '1s' } }];
    await apply(pipeline('nightly', stages, {
      triggers: [{ name: 'nightly', type: 'jenkins', jenkins: { master: 'ci', job: 'build' } }],
      notifications: [{ type: 'slack', address: '#releases', when: ['pipeline.failed'] }],
    }), { apiVersion: api, kind: 'Application', metadata: { name: 'shop' },
      spec: { permissions: { execute: ['release-managers'] }, notifications: [{ type: 'event', when: ['pipeline.failed'] }] } },
    { apiVersion: api, kind: 'Account', metadata: { name: 'guarded' }, spec: { provider: 'kubernetes', permissions: { write: ['deployers'] } } });

    let c: Awaited<ReturnType<typeof actedOn>>;
    await waitFor(async () => (c = await actedOn('pipeline', 'nightly')) !== undefined, 30_000, () => 'the Pipeline never said so');
    assert.deepEqual({ status: c!.status, reason: c!.reason }, { status: 'False', reason: 'NotActedOn' });
    assert.match(c!.message, /^Pipeline "nightly" sets spec\.triggers of type jenkins, which this version of Staysail accepts but does not act on yet: no jenkins trigger starts a run; start runs with kubectl staysail start or by creating a PipelineRun$/);
    await waitFor(async () => (c = await actedOn('application', 'shop')) !== undefined, 30_000, () => 'the Application never said so');
    assert.match(c!.message, /^Application "shop" sets spec\.permissions, .*decided by Kubernetes RBAC alone$/);
    await waitFor(async () => (c = await actedOn('account', 'guarded')) !== undefined, 30_000, () => 'the Account never said so');
    assert.match(c!.message, /^Account "guarded" sets spec\.permissions/);
    const events = await k(['get', 'events', '--field-selector', 'involvedObject.name=nightly,reason=NotActedOn', '-o', 'jsonpath={.items[*].type}']);
    assert.match(events, /Warning/);

    // A pipeline that sets none of them has no such condition, and one that stops setting them loses it.
    await apply(pipeline('plain', stages));
    await waitFor(async () => (JSON.parse(await k(['get', 'pipeline', 'plain', '-o', 'json'])) as Conditions).status?.conditions?.some((x) => x.type === 'Ready') ?? false,
      30_000, () => 'plain never reconciled');
    assert.equal(await actedOn('pipeline', 'plain'), undefined);
    await k(['patch', 'pipeline', 'nightly', '--type=json', '-p', '[{"op":"remove","path":"/spec/triggers"},{"op":"remove","path":"/spec/notifications"}]']);
    await waitFor(async () => (await actedOn('pipeline', 'nightly')) === undefined, 30_000, () => 'the condition stayed after the fields were removed');
  });
});
