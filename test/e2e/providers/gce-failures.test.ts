// GCE failing, with the operator as a process and the fake of Compute: the instance template's
// insert answered 429 with Retry-After, and the managed instance group's insert accepted and its
// operation then ending DONE with an error (which Compute undoes). Both are reported on the
// ServerGroup, retried, and nothing is lost or made twice.
import assert from 'node:assert/strict';
import { cluster, gceSuite, loadBalancer, securityGroup } from './gce-harness.ts';

interface Seen { at: number; type: string; status?: string; reason: string; message: string }
interface Answered { at: number; method: string; path: string; status: number }

describe('GCE failing, with the operator as a process and the fake of Compute', function () {
  this.timeout(300_000);
  const s = gceSuite('gce-fail');

  it('a throttled template insert and a failed group insert operation are reported on the ServerGroup and retried: one group, one template', async () => {
    await s.apply(loadBalancer('lb-fail'), securityGroup('fw-fail'));
    await s.k(['wait', '--for=condition=Ready', '--timeout=60s', 'loadbalancer/lb-fail', 'securitygroup/fw-fail']);
    const answered: Answered[] = [];
    s.fake.onAnswered = (r, status) => { answered.push({ at: Date.now(), method: r.method, path: r.path.replace(/\?.*$/, ''), status }); };
    s.fake.failNext({ method: 'POST', path: /\/global\/instanceTemplates$/, status: 429, retryAfterS: 3, message: 'Rate Limit Exceeded', times: 2 });
    s.fake.failOperation({ operationType: 'insert', target: /\/instanceGroupManagers\/shop-fail-v000$/, httpStatus: 400,
      error: { code: 'RESOURCE_NOT_READY', message: 'The resource \'projects/test-project/global/instanceTemplates/shop-fail-v000-europe-west1-b\' is not ready' } });

    const seen: Seen[] = [];
    const sample = async () => {
      const list = JSON.parse(await s.k(['get', 'servergroups', '-o', 'json'])) as { items: { metadata: { name: string }; status?: { conditions?: Seen[] } }[] };
      for (const c of list.items.find((x) => x.metadata.name === 'shop-fail-v000')?.status?.conditions ?? []) {
        if (c.status === 'False' || c.type === 'Reconciling') seen.push({ at: Date.now(), type: c.type, reason: c.reason, message: c.message });
      }
    };
    const st = await s.rollTo(cluster('fail', '1'), 'Succeeded', sample, 120_000);
    assert.equal(st.activeServerGroup, 'shop-fail-v000');

    const throttled = seen.find((c) => c.reason === 'Throttled');
    assert.ok(throttled, `the throttled insert was never reported: ${JSON.stringify(seen.map((c) => `${c.type}/${c.reason}`))}`);
    assert.match(throttled.message, /^ServerGroup "shop-fail-v000": .*instance template shop-fail-v000-europe-west1-b.*429.*Rate Limit Exceeded/);
    const failed = seen.find((c) => /RESOURCE_NOT_READY/.test(c.message));
    assert.ok(failed, `the failed operation was never reported: ${JSON.stringify(seen.map((c) => `${c.type}/${c.reason}: ${c.message}`))}`);
    assert.match(failed.message, /^ServerGroup "shop-fail-v000": .*managed instance group shop-fail-v000 in europe-west1-b.*the operation failed: RESOURCE_NOT_READY/);

    // Retried as asked: the template insert again once its Retry-After passed, the group insert again after its operation failed.
    // Each retry waits out the Retry-After, the first too: the first pass's own writes (its finalizer, its status) wake nothing.
    const inserts = (re: RegExp) => answered.filter((a) => a.method === 'POST' && re.test(a.path));
    const templateInserts = inserts(/\/global\/instanceTemplates$/);
    const gaps = templateInserts.slice(1).map((a, i) => a.at - templateInserts[i]!.at);
    assert.deepEqual(templateInserts.map((a) => a.status), [429, 429, 200], `the template insert was not throttled twice, then made (gaps ${gaps.join(', ')} ms)`);
    assert.ok(gaps.every((g) => g >= 2_900), `the template insert was tried again ${gaps.join(' and ')} ms after a Retry-After of 3 s`);
    assert.deepEqual(inserts(/\/zones\/[^/]+\/instanceGroupManagers$/).map((a) => a.status), [200, 200], 'the group insert was not made twice (failed, then done)');

    assert.deepEqual(s.view.groupsOf('shop-fail').map((g) => g.name), ['shop-fail-v000']);
    assert.deepEqual(s.view.templates('shop-fail-'), ['shop-fail-v000-europe-west1-b']);
    assert.equal((await s.view.runningInstances('shop-fail-v000')).length, 2);
    assert.deepEqual(s.view.backendsOf('lb-fail-80'), ['shop-fail-v000']);
    const ready = JSON.parse(await s.k(['get', 'servergroup', 'shop-fail-v000', '-o', 'jsonpath={.status.conditions}'])) as Seen[];
    assert.equal(ready.find((c) => c.type === 'Ready')?.reason, 'Healthy', 'the ServerGroup still shows a failure');
  });
});
