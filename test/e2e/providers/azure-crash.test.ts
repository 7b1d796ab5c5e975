// A crash between "Azure did it" and "the operator knows": the fake accepts the scale set's PUT
// (the scale set is made, its operation runs on), holds its answer back and the operator is
// SIGKILLed, so it never hears that the scale set was made. The operator started next finds the
// scale set by its name and tags and makes nothing twice.
import assert from 'node:assert/strict';
import type { RecordedRequest } from '../../fakes/azure/server.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { azureSuite, cluster, loadBalancer, securityGroup } from './azure-harness.ts';

describe('an operator killed right after Azure accepted its scale set\'s PUT', function () {
  this.timeout(300_000);
  const s = azureSuite('az-crash', { operator: false });
  const operators: OperatorProcess[] = [];
  after(() => { for (const o of operators) if (o.child.exitCode === null && o.child.signalCode === null) o.child.kill('SIGKILL'); });

  const start = () => { const o = new OperatorProcess(['--namespaces', s.ns]); operators.push(o); return o; };

  it('leaves one scale set for the server group, which the next operator finds and brings up behind its LoadBalancer', async () => {
    const isScaleSetPut = (r: RecordedRequest) => r.method === 'PUT' && /\/virtualMachineScaleSets\/shop-crash-v000$/.test(r.path);
    const doomed = start();
    const dead = new Promise<void>((resolve) => doomed.child.once('exit', () => resolve()));
    let held = false;
    s.fake.onAnswered = (r) => {
      if (held || r.status !== 201 || !isScaleSetPut(r)) return undefined;
      held = true;
      doomed.child.kill('SIGKILL');
      return 'hold';
    };
    await s.apply(loadBalancer('lb-crash'), securityGroup('fw-crash'), cluster('crash', '1'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([dead, new Promise<never>((_, reject) => {
      timer = setTimeout(() => { void s.why('shop-crash').then((why) => reject(new Error(`the scale set's PUT never came\n${why}`))); }, 90_000);
    })]).finally(() => clearTimeout(timer));
    s.fake.onAnswered = undefined;
    assert.ok(held, 'the operator died before the fake carried out its scale set\'s PUT');
    assert.deepEqual(s.view.scaleSetsOf('shop-crash').map((x) => x.name), ['shop-crash-v000'], 'the fake did not make the scale set before the kill');
    const first = s.view.scaleSet('shop-crash-v000')!;

    s.operator = start();
    await s.operator.running();
    const st = await s.rolloutAfter('shop-crash', 0, 'Succeeded');
    assert.equal(st.activeServerGroup, 'shop-crash-v000');
    assert.deepEqual(s.view.scaleSetsOf('shop-crash').map((x) => x.name), ['shop-crash-v000']);
    const now = s.view.scaleSet('shop-crash-v000')!;
    assert.equal(now.uniqueId, first.uniqueId, 'the scale set was deleted and made again');
    assert.equal(now.provisioningState, 'Succeeded');
    const puts = s.fake.requests.filter(isScaleSetPut).map((r) => r.status);
    assert.deepEqual(puts, [201], `the scale set was put ${puts.length} times`);
    assert.deepEqual(await s.view.runningInstances('shop-crash-v000'), ['0', '1']);
    assert.deepEqual(await s.view.healthyMembers('lb-crash'), { 'shop-crash-v000': ['0', '1'] });
    const uid = await s.k(['get', 'servergroup', 'shop-crash-v000', '-o', 'jsonpath={.metadata.uid}']);
    assert.equal(first.tags['staysail-owner-uid'], uid, `the scale set is not the ServerGroup's: ${JSON.stringify(first.tags)}`);
  });
});
