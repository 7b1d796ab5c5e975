// A SecurityGroup's rules as firewalls: one per distinct rule, named by what it allows (so a kept
// rule keeps its firewall), from CIDRs or other SecurityGroups' tags, to its own tag; the anchor
// allows nothing.
import assert from 'node:assert/strict';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { desiredFirewalls, firewallOf, planFirewalls } from './firewall-plan.ts';
import { readMark } from './marks.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'SecurityGroup', namespace: 'shop', name: 'web', uid: 'u-1' };
const spec = (ingress: SecurityGroupSpec['ingress']): SecurityGroupSpec => ({ application: 'shop', accountRef: { name: 'gce' }, ingress });

describe('GCE firewall plan', () => {
  it('makes a firewall per distinct rule, from CIDRs and from other SecurityGroups\' tags', () => {
    const rules = desiredFirewalls('web', spec([
      { from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 8080 } },
      { from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 8080 } },
      { from: { securityGroupRef: { name: 'lb' } }, protocol: 'tcp', ports: { from: 80, to: 90 } },
      { from: { cidr: '2001:db8::/32' }, protocol: 'icmp' },
      { from: { cidr: '0.0.0.0/0' }, protocol: 'all' },
    ]), 'shop');
    assert.equal(rules.length, 4);
    assert.deepEqual(rules.map((r) => [r.allowed, r.sourceRanges, r.sourceTags]), [
      [[{ IPProtocol: 'tcp', ports: ['8080'] }], ['10.0.0.0/16'], undefined],
      [[{ IPProtocol: 'tcp', ports: ['80-90'] }], undefined, ['shop-lb']],
      [[{ IPProtocol: '58' }], ['2001:db8::/32'], undefined],
      [[{ IPProtocol: 'all' }], ['0.0.0.0/0'], undefined],
    ]);
    for (const r of rules) assert.match(r.name, /^web-[0-9a-f]{8}$/);
  });

  it('keeps the firewall of a kept rule, makes the new ones and deletes the dropped ones', () => {
    const [a, b] = desiredFirewalls('web', spec([{ from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 1 } },
      { from: { cidr: '10.1.0.0/16' }, protocol: 'tcp', ports: { from: 1 } }]), 'shop');
    const plan = planFirewalls([a!, b!], [{ name: a!.name }, { name: 'web-00000000' }]);
    assert.deepEqual(plan, { create: [b], remove: ['web-00000000'] });
  });

  it('targets its tag with each rule and anchors it with a disabled deny of everything', () => {
    const [rule] = desiredFirewalls('web', spec([{ from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 1 } }]), 'shop');
    const body = firewallOf('web', rule, spec([]), owner, 'projects/p/global/networks/default');
    assert.deepEqual(body.targetTags, ['shop-web'], 'its namespace\'s tag: another namespace\'s server group naming web never gets these rules');
    assert.equal(readMark(body.description)?.owner, 'SecurityGroup/shop/web');
    const anchor = firewallOf('web', undefined, spec([]), owner, 'projects/p/global/networks/default');
    assert.equal(anchor.name, 'web');
    assert.equal(anchor.disabled, true);
    assert.deepEqual(anchor.denied, [{ IPProtocol: 'all' }]);
    assert.equal(anchor.allowed, undefined);
  });
});
