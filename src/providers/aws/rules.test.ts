// A SecurityGroup's ingress as EC2 rules, and the revoke/authorize difference that changes a group
// without touching the rules that stay.
import assert from 'node:assert/strict';
import type { SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { isProviderError } from '../errors.ts';
import { desiredRules, planRules, ruleOfAws, type Rule } from './rules.ts';

type Ingress = SecurityGroupSpec['ingress'][number];
const spec = (...ingress: Ingress[]): SecurityGroupSpec => ({ application: 'shop', accountRef: { name: 'aws' }, ingress });
const ids: Record<string, string> = { lb: 'sg-0lb', web: 'sg-0web' };
const groupIdOf = (name: string) => ids[name] ?? assert.fail(`no group ${name}`);

describe('AWS ingress rules', () => {
  describe('from spec.ingress', () => {
    const cases: { name: string; rule: Ingress; want: Rule }[] = [
      { name: 'tcp from an IPv4 CIDR, one port', rule: { from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 8080 } },
        want: { protocol: 'tcp', fromPort: 8080, toPort: 8080, source: { cidrIpv4: '10.0.0.0/16' } } },
      { name: 'udp from an IPv6 CIDR, a range, written in capitals', rule: { from: { cidr: '2001:DB8:0::/32' }, protocol: 'udp', ports: { from: 53, to: 60 } },
        want: { protocol: 'udp', fromPort: 53, toPort: 60, source: { cidrIpv6: '2001:db8::/32' } } },
      { name: 'every protocol, no ports', rule: { from: { cidr: '0.0.0.0/0' }, protocol: 'all' },
        want: { protocol: '-1', fromPort: -1, toPort: -1, source: { cidrIpv4: '0.0.0.0/0' } } },
      { name: 'icmp from IPv4 is every ICMP type', rule: { from: { cidr: '10.1.2.3/8' }, protocol: 'icmp' },
        want: { protocol: 'icmp', fromPort: -1, toPort: -1, source: { cidrIpv4: '10.0.0.0/8' } } },
      { name: 'icmp from IPv6 is ICMPv6', rule: { from: { cidr: '::/0' }, protocol: 'icmp' },
        want: { protocol: 'icmpv6', fromPort: -1, toPort: -1, source: { cidrIpv6: '::/0' } } },
      { name: 'from another SecurityGroup, by its group ID', rule: { from: { securityGroupRef: { name: 'lb' } }, protocol: 'tcp', ports: { from: 80, to: 81 } },
        want: { protocol: 'tcp', fromPort: 80, toPort: 81, source: { groupId: 'sg-0lb' } } },
    ];
    for (const c of cases) it(c.name, () => assert.deepEqual(desiredRules('web', spec(c.rule), groupIdOf), [c.want]));

    it('refuses a CIDR it cannot read, naming the rule', () => {
      assert.throws(() => desiredRules('web', spec({ from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 1 } }, { from: { cidr: '10.0.0/8' }, protocol: 'all' }), groupIdOf),
        (e: unknown) => isProviderError(e, 'Invalid') && e.message.startsWith('SecurityGroup "web": spec.ingress[1].from.cidr "10.0.0/8" is not a CIDR'));
    });
  });

  describe('read back from EC2', () => {
    const base = { SecurityGroupRuleId: 'sgr-1', GroupId: 'sg-0web', IsEgress: false };
    const cases: { name: string; aws: SecurityGroupRule; want: Rule | undefined }[] = [
      { name: 'an egress rule is none of ours', aws: { ...base, IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' }, want: undefined },
      { name: 'every protocol carries no ports', aws: { ...base, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv6: '::/0' },
        want: { protocol: '-1', fromPort: -1, toPort: -1, source: { cidrIpv6: '::/0' } } },
      { name: 'a protocol by number', aws: { ...base, IpProtocol: '6', FromPort: 22, ToPort: 22, CidrIpv4: '10.0.0.9/16' },
        want: { protocol: 'tcp', fromPort: 22, toPort: 22, source: { cidrIpv4: '10.0.0.0/16' } } },
      { name: 'a referenced group', aws: { ...base, IpProtocol: 'tcp', FromPort: 80, ToPort: 80, ReferencedGroupInfo: { GroupId: 'sg-0lb', UserId: '123456789012' } },
        want: { protocol: 'tcp', fromPort: 80, toPort: 80, source: { groupId: 'sg-0lb' } } },
      { name: 'a prefix list', aws: { ...base, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListId: 'pl-1' },
        want: { protocol: 'tcp', fromPort: 443, toPort: 443, source: { prefixListId: 'pl-1' } } },
    ];
    for (const c of cases) it(c.name, () => assert.deepEqual(ruleOfAws(c.aws), c.want));
  });

  describe('the difference', () => {
    const tcp = (cidr: string, port = 8080): Rule => ({ protocol: 'tcp', fromPort: port, toPort: port, source: { cidrIpv4: cidr } });
    const have = (id: string, cidr: string, port = 8080, extra: Partial<SecurityGroupRule> = {}): SecurityGroupRule =>
      ({ SecurityGroupRuleId: id, GroupId: 'sg-0web', IsEgress: false, IpProtocol: 'tcp', FromPort: port, ToPort: port, CidrIpv4: cidr, ...extra });
    const egress: SecurityGroupRule = { SecurityGroupRuleId: 'sgr-out', GroupId: 'sg-0web', IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' };
    const cases: { name: string; desired: Rule[]; current: SecurityGroupRule[]; want: { authorize: string[]; revoke: string[]; count: number } }[] = [
      { name: 'a new group gets every rule; its egress rule is left alone', desired: [tcp('10.0.0.0/16'), tcp('10.1.0.0/16')], current: [egress],
        want: { authorize: ['tcp 8080 10.0.0.0/16', 'tcp 8080 10.1.0.0/16'], revoke: [], count: 2 } },
      { name: 'nothing changes when the group already has them', desired: [tcp('10.0.0.0/16')], current: [egress, have('sgr-a', '10.0.0.0/16')],
        want: { authorize: [], revoke: [], count: 1 } },
      { name: 'a rule added: only it is authorized', desired: [tcp('10.0.0.0/16'), tcp('10.1.0.0/16')], current: [have('sgr-a', '10.0.0.0/16')],
        want: { authorize: ['tcp 8080 10.1.0.0/16'], revoke: [], count: 2 } },
      { name: 'a rule dropped: only it is revoked', desired: [tcp('10.1.0.0/16')], current: [have('sgr-a', '10.0.0.0/16'), have('sgr-b', '10.1.0.0/16')],
        want: { authorize: [], revoke: ['sgr-a'], count: 1 } },
      { name: 'a port changed is a revoke and an authorize', desired: [tcp('10.0.0.0/16', 9090)], current: [have('sgr-a', '10.0.0.0/16', 8080)],
        want: { authorize: ['tcp 9090 10.0.0.0/16'], revoke: ['sgr-a'], count: 1 } },
      { name: 'a CIDR written differently is the same rule', desired: [tcp('10.0.0.0/16')], current: [have('sgr-a', '10.0.3.4/16')],
        want: { authorize: [], revoke: [], count: 1 } },
      { name: 'a rule added by hand (a prefix list) is revoked', desired: [tcp('10.0.0.0/16')],
        current: [have('sgr-a', '10.0.0.0/16'), have('sgr-p', '', 443, { CidrIpv4: undefined, PrefixListId: 'pl-1' })],
        want: { authorize: [], revoke: ['sgr-p'], count: 1 } },
      { name: 'a rule asked for twice is one rule', desired: [tcp('10.0.0.0/16'), tcp('10.0.0.0/16')], current: [],
        want: { authorize: ['tcp 8080 10.0.0.0/16'], revoke: [], count: 1 } },
      { name: 'no rule wanted: all ingress revoked', desired: [], current: [egress, have('sgr-a', '10.0.0.0/16'), have('sgr-b', '10.1.0.0/16')],
        want: { authorize: [], revoke: ['sgr-a', 'sgr-b'], count: 0 } },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const plan = planRules(c.desired, c.current);
        assert.deepEqual({
          authorize: plan.authorize.map((p) => `${p.IpProtocol} ${p.FromPort} ${p.IpRanges?.[0]?.CidrIp}`),
          revoke: plan.revoke, count: plan.count,
        }, c.want);
      });
    }

    it('authorizes every protocol without ports, and a group as a group pair', () => {
      const plan = planRules([{ protocol: '-1', fromPort: -1, toPort: -1, source: { cidrIpv6: '::/0' } },
        { protocol: 'udp', fromPort: 53, toPort: 60, source: { groupId: 'sg-0lb' } }], []);
      assert.deepEqual(plan.authorize, [{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        { IpProtocol: 'udp', FromPort: 53, ToPort: 60, UserIdGroupPairs: [{ GroupId: 'sg-0lb' }] }]);
    });

    it('leaves a group as it is once its plan is carried out', () => {
      const desired = desiredRules('web', spec({ from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 80 } },
        { from: { securityGroupRef: { name: 'lb' } }, protocol: 'all' }, { from: { cidr: '::/0' }, protocol: 'icmp' }), groupIdOf);
      const first = planRules(desired, []);
      const after: SecurityGroupRule[] = first.authorize.map((p, i) => ({ SecurityGroupRuleId: `sgr-${i}`, IsEgress: false, IpProtocol: p.IpProtocol,
        FromPort: p.FromPort ?? -1, ToPort: p.ToPort ?? -1, CidrIpv4: p.IpRanges?.[0]?.CidrIp, CidrIpv6: p.Ipv6Ranges?.[0]?.CidrIpv6,
        ...(p.UserIdGroupPairs ? { ReferencedGroupInfo: { GroupId: p.UserIdGroupPairs[0]!.GroupId } } : {}) }));
      assert.deepEqual(planRules(desired, after), { authorize: [], revoke: [], count: 3 });
    });
  });
});
