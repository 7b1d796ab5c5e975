// A crash between "Compute did it" and "the operator knows": the fake carries out the managed
// instance group's insert, holds its answer back and the operator is SIGKILLed, so it never hears
// that the group was made. The operator started next finds the group and makes nothing twice.
import assert from 'node:assert/strict';
import type { RecordedRequest } from '../../fakes/gce/server.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { cluster, gceSuite, loadBalancer, securityGroup } from './gce-harness.ts';

describe('an operator killed right after Compute accepted its group insert', function () {
  this.timeout(300_000);
  const s = gceSuite('gce-crash', { operator: false });
  const operators: OperatorProcess[] = [];
  after(() => { for (const o of operators) if (o.child.exitCode === null && o.child.signalCode === null) o.child.kill('SIGKILL'); });

  const start = () => { const o = new OperatorProcess(['--namespaces', s.ns]); operators.push(o); return o; };

  it('leaves one group and one template for the server group, which the next operator finds and brings up behind its LoadBalancer', async () => {
    const isGroupInsert = (r: RecordedRequest) => r.method === 'POST' && /\/zones\/[^/]+\/instanceGroupManagers$/.test(r.path.replace(/\?.*$/, ''))
      && (r.body as { name?: string } | undefined)?.name === 'shop-crash-v000';
    const doomed = start();
    const dead = new Promise<void>((resolve) => doomed.child.once('exit', () => resolve()));
    let held = false;
    s.fake.onAnswered = (r, status) => {
      if (held || status !== 200 || !isGroupInsert(r)) return undefined;
      held = true;
      doomed.child.kill('SIGKILL');
      return 'hold';
    };
    await s.apply(loadBalancer('lb-crash'), securityGroup('fw-crash'), cluster('crash', '1'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([dead, new Promise<never>((_, reject) => {
      timer = setTimeout(() => { void s.why('shop-crash').then((why) => reject(new Error(`the group insert never came\n${why}`))); }, 90_000);
    })]).finally(() => clearTimeout(timer));
    s.fake.onAnswered = undefined;
    assert.ok(held, 'the operator died before the fake carried out its group insert');
    assert.deepEqual(s.view.groupsOf('shop-crash').map((g) => g.name), ['shop-crash-v000'], 'the fake did not make the group before the kill');
    const first = s.view.group('shop-crash-v000')!;

    s.operator = start();
    await s.operator.running();
    const st = await s.rolloutAfter('shop-crash', 0, 'Succeeded');
    assert.equal(st.activeServerGroup, 'shop-crash-v000');
    assert.deepEqual(s.view.groupsOf('shop-crash').map((g) => g.name), ['shop-crash-v000']);
    assert.deepEqual(s.view.templates('shop-crash-'), ['shop-crash-v000-europe-west1-b']);
    assert.equal(s.view.group('shop-crash-v000')!.id, first.id, 'the group was deleted and made again');
    const inserts = s.fake.requests.filter(isGroupInsert).length;
    assert.equal(inserts, 1, `the group was inserted ${inserts} times`);
    assert.equal((await s.view.runningInstances('shop-crash-v000')).length, 2);
    assert.deepEqual(s.view.backendsOf('lb-crash-80'), ['shop-crash-v000']);
    const uid = await s.k(['get', 'servergroup', 'shop-crash-v000', '-o', 'jsonpath={.metadata.uid}']);
    assert.ok(first.description.includes(`"uid":"${uid}"`), `the group is not the ServerGroup's: ${first.description}`);
  });
});
