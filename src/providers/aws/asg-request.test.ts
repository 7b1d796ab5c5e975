// The load balancers a server group left stay in view (their target groups may still hold its
// instances, draining) for ELBv2's longest deregistration delay, and no longer.
import assert from 'node:assert/strict';
import { leftInViewMs, leftLoadBalancersKey, leftTagValue, recentlyLeft } from './asg-request.ts';

const at = 1_714_557_600_000;

describe('AWS server group load balancers left', () => {
  it('records those it leaves with the time, with those left lately that it does not join again', () => {
    const tags = { 'staysail.dev/load-balancers': 'api,web', [leftLoadBalancersKey]: `old,web@${at - 1_000}` };
    assert.equal(leftTagValue(tags, ['web'], at), `api,old@${at}`);
    assert.equal(leftTagValue({ 'staysail.dev/load-balancers': 'web' }, ['api', 'web'], at), '');
  });

  it('keeps them in view for the longest deregistration delay and a margin', () => {
    const tags = { [leftLoadBalancersKey]: `api,web@${at}` };
    assert.deepEqual(recentlyLeft(tags, at + leftInViewMs - 1), ['api', 'web']);
    assert.deepEqual(recentlyLeft(tags, at + leftInViewMs), []);
    assert.ok(leftInViewMs > 3_600_000);
    assert.deepEqual(recentlyLeft({ [leftLoadBalancersKey]: 'api' }, at), [], 'no time: nothing in view');
    assert.deepEqual(recentlyLeft({}, at), []);
  });
});
