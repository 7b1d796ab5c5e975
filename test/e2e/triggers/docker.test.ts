// The docker trigger with the operator as a process, polling a real registry (Debian's
// docker-registry on loopback, basic auth with the trigger's Secret, images pushed with crane) every
// 10s: an image pushed starts exactly one run with the tag and digest in its payload; the same digest
// pushed again starts none, a new digest one; an operator killed (SIGKILL) and replaced starts
// nothing twice.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import { LocalRegistry } from '../../support/registry.ts';
import { pipeline } from '../../support/runs.ts';
import { pollingTrigger, type PollStatus } from './harness.ts';

const ns = `docker-${Date.now().toString(36)}`;

interface Payload { registry: string; repository: string; tag: string; digest: string }
interface TriggeredRun { metadata: { name: string }; spec: { trigger?: { type: string; user?: string; payload?: Payload } } }
interface Status extends PollStatus { images?: { tag: string; digest: string }[] }
const { k, apply, triggered, status, twoPollsLater } = pollingTrigger<TriggeredRun, Status>(ns, 'images', 'on-push');

describe('the docker trigger, with the operator as a process', function () {
  this.timeout(240_000);
  let registry: LocalRegistry | undefined;
  let operator: OperatorProcess | undefined;

  before(async () => {
    registry = await LocalRegistry.start({ auth: 'basic' });
    await createNamespace(ns);
    const [user, password] = Object.entries(registry.users)[0]!;
    await k(['create', 'secret', 'generic', 'registry-pull', `--from-literal=username=${user}`, `--from-literal=password=${password}`]);
    operator = await operatorIn(ns);
  });
  after(async () => {
    operator?.child.kill('SIGKILL');
    await registry?.stop();
    await removeNamespace(ns);
  });

  it('a pushed image starts one run with its tag and digest; the same digest none, a new digest one; nothing twice across a killed operator', async () => {
    const old = await registry!.push('team/app', '1.0', { 'app.txt': 'one' });
    await apply(pipeline('images', [{ refId: 'pause', type: 'wait', wait: { duration: '1s' } }], {
      triggers: [{ name: 'on-push', type: 'docker', docker: { registry: registry!.host, repository: 'team/app', pollInterval: '10s', secretRef: { name: 'registry-pull' } } }],
    }));
    let s: Status = {};
    await waitFor(async () => (s = await status()).images !== undefined, 30_000, () => `the first poll recorded nothing: ${JSON.stringify(s)}`);
    assert.deepEqual(s.images, [{ tag: '1.0', digest: old }]);

    const pushed = await registry!.push('team/app', '1.1', { 'app.txt': 'one point one' });
    await waitFor(async () => (await triggered()).length >= 1, 30_000, () => `the pushed image started no run: ${JSON.stringify(s)}`);
    const [run] = await triggered();
    assert.equal(run!.spec.trigger?.type, 'docker');
    assert.equal(run!.spec.trigger?.user, 'trigger:on-push');
    assert.deepEqual(run!.spec.trigger?.payload, { registry: registry!.host, repository: 'team/app', tag: '1.1', digest: pushed });

    assert.equal(await registry!.push('team/app', '1.1', { 'app.txt': 'one point one' }), pushed);
    s = await twoPollsLater();
    assert.equal(s.lastError, undefined);
    assert.equal((await triggered()).length, 1, 'the same digest pushed again starts no run');

    const repushed = await registry!.push('team/app', '1.1', { 'app.txt': 'one point one, fixed' });
    await waitFor(async () => (await triggered()).length >= 2, 30_000, () => 'the new digest started no run');

    operator!.child.kill('SIGKILL');
    operator = await operatorIn(ns);
    await twoPollsLater();
    const digests = (await triggered()).map((r) => r.spec.trigger!.payload!.digest).sort();
    assert.deepEqual(digests, [pushed, repushed].sort(), 'one run per (tag, digest), none again after the operator was replaced');
  });
});
