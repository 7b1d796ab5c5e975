// Azure failing, with the operator as a process and the fake of Resource Manager: the scale set's
// PUT answered 429 with Retry-After, then accepted with its operation ending Failed (Azure keeps a
// scale set whose create failed, provisioningState Failed, with its instances failed, and no PUT
// provisions them again). Both are reported on the ServerGroup and retried: the PUT once its
// Retry-After passed, the failed scale set deleted and made anew. One scale set is left, serving.
import assert from 'node:assert/strict';
import type { RecordedRequest } from '../../fakes/azure/server.ts';
import { azureSuite, cluster, ids, loadBalancer, securityGroup } from './azure-harness.ts';

interface Seen { at: number; type: string; status: string; reason: string; message: string }

describe('Azure failing, with the operator as a process and the fake of Resource Manager', function () {
  this.timeout(300_000);
  const s = azureSuite('az-fail');

  it('a throttled scale set PUT and a failed create operation are reported on the ServerGroup and retried: one scale set in the end, serving', async () => {
    await s.apply(loadBalancer('lb-fail'), securityGroup('fw-fail'));
    await s.k(['wait', '--for=condition=Ready', '--timeout=60s', 'loadbalancer/lb-fail', 'securitygroup/fw-fail']);
    const scaleSetPath = /\/virtualMachineScaleSets\/shop-fail-v000$/;
    s.fake.failNext({ method: 'PUT', path: scaleSetPath }, { status: 429, retryAfter: 3 });
    // A VMSS create that Azure gives up on and asks to be tried again, as it does at times.
    s.fake.failNext({ method: 'PUT', path: scaleSetPath }, { operation: 'Failed', code: 'RetryableError', message: 'A retryable error occurred.' });

    const seen: Seen[] = [];
    const sample = async () => {
      const list = JSON.parse(await s.k(['get', 'servergroups', '-o', 'json'])) as { items: { metadata: { name: string }; status?: { conditions?: Seen[] } }[] };
      for (const c of list.items.find((x) => x.metadata.name === 'shop-fail-v000')?.status?.conditions ?? []) {
        if (c.status === 'False' || c.type === 'Reconciling') seen.push({ ...c, at: Date.now() });
      }
    };
    const st = await s.rollTo(cluster('fail', '1'), 'Succeeded', sample, 120_000);
    assert.equal(st.activeServerGroup, 'shop-fail-v000');
    const said = () => JSON.stringify(seen.map((c) => `${c.type}/${c.reason}: ${c.message}`));

    const throttled = seen.find((c) => / 429 TooManyRequests/.test(c.message));
    assert.ok(throttled, `the throttled PUT was never reported: ${said()}`);
    assert.equal(throttled.reason, 'Throttled');
    assert.match(throttled.message, /^ServerGroup "shop-fail-v000": .*creating scale set shop-fail-v000 in resource group staysail-rg: 429 TooManyRequests: The request is being throttled/);
    const failed = seen.find((c) => /RetryableError/.test(c.message));
    assert.ok(failed, `the failed operation was never reported: ${said()}`);
    assert.match(failed.message, /^ServerGroup "shop-fail-v000": .*creating scale set shop-fail-v000 in resource group staysail-rg: the operation failed: RetryableError: A retryable error occurred/);

    // Retried as asked: the PUT again once its Retry-After passed; after its operation failed, the failed scale set deleted and made anew.
    const writes = s.view.calls((r: RecordedRequest) => ['PUT', 'DELETE'].includes(r.method) && scaleSetPath.test(r.path));
    const gaps = writes.slice(1).map((r, i) => r.at - writes[i]!.at);
    assert.deepEqual(writes.map((r) => `${r.method} ${r.status}`), ['PUT 429', 'PUT 201', 'DELETE 202', 'PUT 201'],
      `the scale set was not throttled, failed, deleted and made again (gaps ${gaps.join(', ')} ms)`);
    assert.ok(gaps[0]! >= 2_900, `the PUT was tried again ${gaps[0]} ms after a Retry-After of 3 s`);

    assert.deepEqual(s.view.scaleSetsOf('shop-fail').map((x) => x.name), ['shop-fail-v000']);
    const made = s.view.scaleSet('shop-fail-v000')!;
    assert.equal(made.provisioningState, 'Succeeded');
    assert.equal(made.capacity, 2);
    assert.deepEqual((await s.view.runningInstances('shop-fail-v000')), ['0', '1'], 'the scale set does not run its two instances');
    assert.deepEqual(await s.view.healthyMembers('lb-fail'), { 'shop-fail-v000': ['0', '1'] });
    assert.equal(made.nsg?.toLowerCase(), ids.nsg('fw-fail').toLowerCase());
    const ready = JSON.parse(await s.k(['get', 'servergroup', 'shop-fail-v000', '-o', 'jsonpath={.status.conditions}'])) as Seen[];
    assert.equal(ready.find((c) => c.type === 'Ready')?.reason, 'Healthy', 'the ServerGroup still shows a failure');
  });
});
