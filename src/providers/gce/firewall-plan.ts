// A SecurityGroup as GCE firewall rules (pure). Its members are the instances carrying its network
// tag (the instance templates of server groups that name it carry it, template.ts). Each ingress
// rule is one firewall allowing its protocol and ports from its CIDR, or from the instances tagged
// with another SecurityGroup's tag (sourceTags), to the tag; its name ends with a hash of what it
// allows, so a changed rule is a new firewall made before the old one goes and a kept rule is never
// touched. One more firewall, named as the SecurityGroup, anchors it while it has no rule: disabled,
// denying everything at the lowest priority (so that enabling it by hand changes nothing).
import { createHash } from 'node:crypto';
import type { google } from '@google-cloud/compute/build/protos/protos.js';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { invalid } from '../errors.ts';
import type { Owner } from '../interfaces.ts';
import { describeMark, gceName, markOf } from './marks.ts';
import { networkTag } from './template.ts';

export type Firewall = google.cloud.compute.v1.IFirewall;

/** A firewall as Staysail makes it: the fields that say what it allows. */
export interface FirewallRule {
  name: string;
  allowed: { IPProtocol: string; ports?: string[] }[];
  sourceRanges?: string[];
  sourceTags?: string[];
}

/** The anchor firewall's name: the SecurityGroup's own. */
export const anchorName = (name: string): string => gceName(name);

const ruleName = (name: string, key: string): string =>
  `${gceName(name, 54)}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

/** The firewall rules spec.ingress asks for, one per distinct rule. */
export function desiredFirewalls(name: string, spec: SecurityGroupSpec, namespace: string): FirewallRule[] {
  const out = new Map<string, FirewallRule>();
  spec.ingress.forEach((rule, i) => {
    const field = `spec.ingress[${i}]`;
    const cidr = rule.from.cidr;
    const ref = rule.from.securityGroupRef?.name;
    if (!cidr === !ref) throw invalid(`SecurityGroup "${name}": ${field}.from names ${cidr ? 'both' : 'neither'} cidr and securityGroupRef; set exactly one`);
    const ipv6 = !!cidr?.includes(':');
    const protocol = rule.protocol === 'icmp' && ipv6 ? '58' : rule.protocol;
    if ((protocol === 'tcp' || protocol === 'udp') && !rule.ports) throw invalid(`SecurityGroup "${name}": ${field} (${protocol}) needs ports; set ${field}.ports.from`);
    const ports = rule.ports ? [rule.ports.to && rule.ports.to !== rule.ports.from ? `${rule.ports.from}-${rule.ports.to}` : String(rule.ports.from)] : undefined;
    const source = cidr ? { sourceRanges: [cidr] } : { sourceTags: [networkTag(namespace, ref!)] };
    const allowed = [{ IPProtocol: protocol, ...(ports ? { ports } : {}) }];
    const key = JSON.stringify({ allowed, ...source });
    out.set(key, { name: ruleName(name, key), allowed, ...source });
  });
  return [...out.values()];
}

/** The firewall body of a rule (or of the anchor when rule is undefined). */
export function firewallOf(name: string, rule: FirewallRule | undefined, spec: SecurityGroupSpec, owner: Owner, network: string): Firewall {
  const description = describeMark(markOf(owner, name), rule ? spec.description ?? `Ingress of SecurityGroup ${owner.namespace}/${name}`
    : `Anchor of SecurityGroup ${owner.namespace}/${name} (disabled; it allows nothing)`);
  const base = { description, network, direction: 'INGRESS', targetTags: [networkTag(owner.namespace, name)] };
  if (!rule) return { ...base, name: anchorName(name), priority: 65535, disabled: true, denied: [{ IPProtocol: 'all' }], sourceRanges: ['0.0.0.0/0'] };
  return { ...base, name: rule.name, priority: 1000, allowed: rule.allowed,
    ...(rule.sourceRanges ? { sourceRanges: rule.sourceRanges } : {}), ...(rule.sourceTags ? { sourceTags: rule.sourceTags } : {}) };
}

/** What to make and what to delete, from the firewalls made for the SecurityGroup (the anchor left out). */
export function planFirewalls(desired: readonly FirewallRule[], existing: readonly Firewall[]): { create: FirewallRule[]; remove: string[] } {
  const have = new Set(existing.map((f) => f.name!));
  const want = new Set(desired.map((r) => r.name));
  return { create: desired.filter((r) => !have.has(r.name)), remove: [...have].filter((n) => !want.has(n)).sort() };
}
