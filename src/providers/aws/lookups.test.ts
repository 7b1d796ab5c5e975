// The ELBv2 names a LoadBalancer gets: within 32 characters, and its target groups' findable by one prefix.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { elbNameMax, loadBalancerName, targetGroupName, targetGroupNamePrefix } from './lookups.ts';

describe('AWS load balancer names', () => {
  it('keeps short names and shortens long ones to 32 characters', () => {
    assert.equal(loadBalancerName('web'), 'web');
    assert.equal(targetGroupName('web', 8080), 'web-8080');
    const long = 'checkout-frontend-canary-eu-central';
    assert.equal(loadBalancerName(long).length, elbNameMax);
    assert.equal(targetGroupName(long, 443).length, elbNameMax);
    assert.notEqual(targetGroupName(long, 443), targetGroupName(long, 444));
  });

  it('begins every target group name of a LoadBalancer with its prefix', () => {
    const name = fc.stringMatching(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    fc.assert(fc.property(name, fc.integer({ min: 1, max: 65535 }), (n, port) => {
      const tg = targetGroupName(n, port);
      assert.ok(tg.length <= elbNameMax, tg);
      assert.ok(tg.startsWith(targetGroupNamePrefix(n)), `${tg} does not begin with ${targetGroupNamePrefix(n)}`);
    }));
  });
});
