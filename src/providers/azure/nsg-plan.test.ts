// A SecurityGroup's rules as an Azure network security group: one inbound Allow rule per distinct
// rule, named by what it allows and prioritised by its place, from a CIDR or another SecurityGroup's
// application security group, to its own; differences only in what Staysail sets.
import assert from 'node:assert/strict';
import type { NetworkSecurityGroup } from '@azure/arm-network';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { isProviderError } from '../errors.ts';
import { applicationSecurityGroupOf, ingressRuleCount, networkSecurityGroupDiffers, planNetworkSecurityGroup, referencedGroups, refuseLongName, securityRulesOf, tagsDiffer } from './nsg-plan.ts';

const asg = (name: string) => `/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/${name}`;
const tags = { 'staysail-managed-by': 'staysail', 'staysail-owner-uid': 'u-1' };
type Ingress = SecurityGroupSpec['ingress'];
const spec = (ingress: Ingress): SecurityGroupSpec => ({ application: 'shop', accountRef: { name: 'azure' }, ingress });
const rules = (ingress: Ingress) => securityRulesOf({ name: 'web', spec: spec(ingress), ownAsgId: asg('web'), asgIdOf: asg });
const plan = (ingress: Ingress) => planNetworkSecurityGroup({ name: 'web', spec: spec(ingress), region: 'westeurope', tags, ownAsgId: asg('web'), asgIdOf: asg });

describe('Azure network security group plan', () => {
  it('makes an inbound Allow rule per distinct rule, to its own application security group', () => {
    const made = rules([
      { from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 8080 } },
      { from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 8080, to: 8080 } },
      { from: { securityGroupRef: { name: 'lb' } }, protocol: 'udp', ports: { from: 8000, to: 8100 } },
      { from: { cidr: '2001:db8::/32' }, protocol: 'icmp' },
      { from: { cidr: '0.0.0.0/0' }, protocol: 'all' },
    ]);
    const deny = made.pop()!;
    assert.deepEqual(made.map((r) => [r.priority, r.protocol, r.destinationPortRange, r.sourceAddressPrefix, r.sourceApplicationSecurityGroups]), [
      [100, 'Tcp', '8080', '10.0.0.0/16', undefined],
      [120, 'Udp', '8000-8100', undefined, [{ id: asg('lb') }]],
      [130, 'Icmp', '*', '2001:db8::/32', undefined],
      [140, '*', '*', '0.0.0.0/0', undefined],
    ]);
    // Last, below every rule of its own: the virtual network Azure lets in by default is denied.
    assert.deepEqual([deny.name, deny.access, deny.priority, deny.protocol, deny.destinationPortRange, deny.sourceAddressPrefix, deny.destinationApplicationSecurityGroups],
      ['deny-virtual-network', 'Deny', 4096, '*', '*', 'VirtualNetwork', [{ id: asg('web') }]]);
    for (const r of made) {
      assert.match(r.name!, /^rule-[0-9a-f]{8}$/);
      assert.deepEqual([r.access, r.direction, r.sourcePortRange, r.destinationApplicationSecurityGroups], ['Allow', 'Inbound', '*', [{ id: asg('web') }]]);
    }
    assert.equal(new Set(made.map((r) => r.name)).size, 4);
    assert.deepEqual(referencedGroups(spec([{ from: { securityGroupRef: { name: 'lb' } }, protocol: 'all' },
      { from: { cidr: '10.0.0.0/8' }, protocol: 'all' }, { from: { securityGroupRef: { name: 'lb' } }, protocol: 'icmp' }])), ['lb']);
  });

  it('keeps a rule\'s name where it moves, and its priority follows its place', () => {
    const a = { from: { cidr: '10.0.0.0/16' }, protocol: 'tcp' as const, ports: { from: 1 } };
    const b = { from: { securityGroupRef: { name: 'lb' } }, protocol: 'tcp' as const, ports: { from: 1 } };
    const [ra, rb] = rules([a, b]);
    const [rb2, ra2] = rules([b, a]);
    assert.deepEqual([ra2!.name, rb2!.name], [ra!.name, rb!.name]);
    assert.deepEqual([ra2!.priority, rb2!.priority], [110, 100]);
    // The hash names the referenced SecurityGroup, not its application security group's ID.
    const other = securityRulesOf({ name: 'web', spec: spec([b]), ownAsgId: asg('web'), asgIdOf: (n) => `${asg(n)}-elsewhere` });
    assert.equal(other[0]!.name, rb!.name);
  });

  it('holds the rules in a network security group of the region, marked with its tags', () => {
    const nsg = plan([{ from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 1 } }]);
    assert.deepEqual([nsg.location, nsg.tags, nsg.securityRules?.length, ingressRuleCount(nsg)], ['westeurope', tags, 2, 1]);
    assert.deepEqual(plan([]).securityRules?.map((r) => [r.name, r.access]), [['deny-virtual-network', 'Deny']], 'no rule: nothing lets anything in');
    assert.deepEqual(applicationSecurityGroupOf('westeurope', tags), { location: 'westeurope', tags });
  });

  it('refuses rules and names Azure cannot carry, naming the field', () => {
    const invalidWith = (pattern: RegExp) => (err: unknown) => isProviderError(err, 'Invalid') && pattern.test(err.message)
      || assert.fail(`not Invalid matching ${pattern}: ${String(err)}`);
    assert.throws(() => rules([{ from: { cidr: '10.0.0.0/8' }, protocol: 'tcp' }]), invalidWith(/spec\.ingress\[0\] \(tcp\) needs ports/));
    assert.throws(() => rules([{ from: {}, protocol: 'all' }]), invalidWith(/spec\.ingress\[0\]\.from names neither/));
    assert.throws(() => refuseLongName('a'.repeat(81)), invalidWith(/metadata\.name has 81 characters.*at most 80/));
    assert.doesNotThrow(() => refuseLongName('a'.repeat(80)));
  });

  it('finds a difference only in what Staysail sets', () => {
    const want = plan([{ from: { securityGroupRef: { name: 'lb' } }, protocol: 'tcp', ports: { from: 80 } },
      { from: { cidr: '10.0.0.0/8' }, protocol: 'icmp' }]);
    // As Azure returns it: IDs upper-cased in part, read-only fields and empty lists filled in, rules in another order, more tags.
    const found = JSON.parse(JSON.stringify(want).replaceAll('/resourceGroups/rg/', '/resourceGroups/RG/')) as NetworkSecurityGroup;
    found.securityRules = found.securityRules!.map((r) => ({ ...r, provisioningState: 'Succeeded', sourceAddressPrefixes: [], destinationPortRanges: [] })).reverse();
    found.tags = { ...tags, team: 'shop' };
    assert.equal(networkSecurityGroupDiffers(found, want), false);
    const changed: [string, (g: NetworkSecurityGroup) => void][] = [
      ['a priority', (g) => { g.securityRules![0]!.priority = 4000; }],
      ['a rule added by hand', (g) => { g.securityRules!.push({ name: 'by-hand', access: 'Allow', direction: 'Inbound', priority: 200, protocol: '*' }); }],
      ['a rule gone', (g) => { g.securityRules!.pop(); }],
      ['a source widened', (g) => { g.securityRules![0]!.sourceAddressPrefixes = ['0.0.0.0/0']; }],
      ['an owner tag', (g) => { g.tags = { ...tags, 'staysail-owner-uid': 'u-2' }; }],
    ];
    for (const [what, change] of changed) {
      const other = structuredClone(found);
      change(other);
      assert.equal(networkSecurityGroupDiffers(other, want), true, what);
    }
    assert.equal(tagsDiffer({ tags: { ...tags, team: 'x' } }, tags), false);
    assert.equal(tagsDiffer({}, tags), true);
  });
});
