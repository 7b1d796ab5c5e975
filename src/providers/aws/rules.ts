// A SecurityGroup's ingress rules as EC2 security group rules, and the difference between the rules
// wanted and those a group has: which rule IDs to revoke and which permissions to authorize. Rules
// that stay keep their IDs, so connections they allow are never dropped by a pass. Pure.
import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { invalid } from '../errors.ts';
import { canonicalCidr } from './cidr.ts';

/** One ingress rule as EC2 holds it: one protocol, one port range, one source. */
export interface Rule {
  /** tcp, udp, icmp, icmpv6, or -1 (every protocol). */
  protocol: string;
  /** -1 when the protocol has no ports (-1, and icmp's "every type"). */
  fromPort: number;
  toPort: number;
  source: { cidrIpv4: string } | { cidrIpv6: string } | { groupId: string } | { prefixListId: string };
}

export interface RulePlan {
  /** Rules to add, one permission each. */
  authorize: IpPermission[];
  /** IDs of rules the group has and should not. */
  revoke: string[];
  /** How many distinct rules the group has once the plan is carried out. */
  count: number;
}

/** The numbers EC2 may name protocols by. */
const protocolNames: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/**
 * The rules spec.ingress asks for; groupIdOf gives the group ID of a SecurityGroup a rule names.
 * ICMP from an IPv6 CIDR is ICMPv6 (EC2's icmp matches IPv4 traffic only).
 */
export function desiredRules(name: string, spec: SecurityGroupSpec, groupIdOf: (securityGroup: string) => string): Rule[] {
  return spec.ingress.map((rule, i) => {
    const field = `spec.ingress[${i}]`;
    let source: Rule['source'];
    let family: 'ipv4' | 'ipv6' | 'group' = 'group';
    if (rule.from.cidr !== undefined) {
      const cidr = canonicalCidr(rule.from.cidr);
      if (!cidr) throw invalid(`SecurityGroup "${name}": ${field}.from.cidr "${rule.from.cidr}" is not a CIDR; write one such as 10.0.0.0/16 or 2001:db8::/32`);
      source = cidr.family === 'ipv4' ? { cidrIpv4: cidr.text } : { cidrIpv6: cidr.text };
      family = cidr.family;
    } else if (rule.from.securityGroupRef) {
      source = { groupId: groupIdOf(rule.from.securityGroupRef.name) };
    } else {
      throw invalid(`SecurityGroup "${name}": ${field}.from names neither cidr nor securityGroupRef; set exactly one`);
    }
    switch (rule.protocol) {
      case 'all': return { protocol: '-1', fromPort: -1, toPort: -1, source };
      case 'icmp': return { protocol: family === 'ipv6' ? 'icmpv6' : 'icmp', fromPort: -1, toPort: -1, source };
      default: {
        if (!rule.ports) throw invalid(`SecurityGroup "${name}": ${field} (${rule.protocol}) needs ports; set ${field}.ports.from`);
        return { protocol: rule.protocol, fromPort: rule.ports.from, toPort: rule.ports.to ?? rule.ports.from, source };
      }
    }
  });
}

/** An ingress rule DescribeSecurityGroupRules returned, in the form desiredRules gives; undefined for an egress rule. */
export function ruleOfAws(r: SecurityGroupRule): Rule | undefined {
  if (r.IsEgress) return undefined;
  const raw = (r.IpProtocol ?? '-1').toLowerCase();
  const protocol = protocolNames[raw] ?? raw;
  const portless = protocol === '-1';
  const fromPort = portless ? -1 : r.FromPort ?? -1;
  const toPort = portless ? -1 : r.ToPort ?? -1;
  return { protocol, fromPort, toPort, source: sourceOfAws(r) };
}

function sourceOfAws(r: SecurityGroupRule): Rule['source'] {
  if (r.CidrIpv4) return { cidrIpv4: canonicalCidr(r.CidrIpv4)?.text ?? r.CidrIpv4 };
  if (r.CidrIpv6) return { cidrIpv6: canonicalCidr(r.CidrIpv6)?.text ?? r.CidrIpv6 };
  if (r.ReferencedGroupInfo?.GroupId) return { groupId: r.ReferencedGroupInfo.GroupId };
  return { prefixListId: r.PrefixListId ?? '' };
}

/** What makes two rules the same rule (descriptions do not). */
export function ruleKey(rule: Rule): string {
  const [kind, value] = Object.entries(rule.source)[0]!;
  return `${rule.protocol} ${rule.fromPort}-${rule.toPort} ${kind}=${value}`;
}

/** The permission that authorizes rule. */
export function permissionOf(rule: Rule): IpPermission {
  const ports = rule.protocol === '-1' ? {} : { FromPort: rule.fromPort, ToPort: rule.toPort };
  const s = rule.source;
  const source = 'cidrIpv4' in s ? { IpRanges: [{ CidrIp: s.cidrIpv4 }] }
    : 'cidrIpv6' in s ? { Ipv6Ranges: [{ CidrIpv6: s.cidrIpv6 }] }
      : 'groupId' in s ? { UserIdGroupPairs: [{ GroupId: s.groupId }] }
        : { PrefixListIds: [{ PrefixListId: s.prefixListId }] };
  return { IpProtocol: rule.protocol, ...ports, ...source };
}

/**
 * From the group's current rules to the wanted ones: every wanted rule the group lacks is
 * authorized, every rule it has and is not wanted (or is a second copy of one) is revoked, and
 * every other rule is left as it is.
 */
export function planRules(desired: readonly Rule[], current: readonly SecurityGroupRule[]): RulePlan {
  const wanted = new Map(desired.map((r) => [ruleKey(r), r]));
  const kept = new Set<string>();
  const revoke: string[] = [];
  for (const aws of current) {
    const rule = ruleOfAws(aws);
    if (!rule) continue;
    const key = ruleKey(rule);
    if (wanted.has(key) && !kept.has(key)) kept.add(key);
    else if (aws.SecurityGroupRuleId) revoke.push(aws.SecurityGroupRuleId);
  }
  const authorize = [...wanted].filter(([key]) => !kept.has(key)).map(([, rule]) => permissionOf(rule));
  return { authorize, revoke: revoke.sort(), count: wanted.size };
}
