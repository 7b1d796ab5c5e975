// A SecurityGroup as Azure resources (pure): an application security group of its name, which the
// NICs of server groups naming it join, and a network security group of its name, which those NICs
// carry, holding one inbound Allow rule per distinct ingress rule, to its own application security
// group, from a CIDR or from another SecurityGroup's application security group. A rule's name is a
// hash of what it allows, so a kept rule keeps its name; its priority is 100 + 10 × its place in
// spec.ingress, leaving room between rules. Azure's default rules let the whole virtual network in
// (AllowVnetInBound, priority 65000); a SecurityGroup lets in only what its rules say, so a last rule of
// its own, at 4096 (the lowest priority a rule may have), denies the virtual network to its members.
// Load balancer health probes come from the AzureLoadBalancer tag, not the virtual network, and still
// reach them. Also whether what is found differs from what is wanted.
import { createHash } from 'node:crypto';
import type { ApplicationSecurityGroup, NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { invalid } from '../errors.ts';

type Ingress = SecurityGroupSpec['ingress'][number];

/** What a network security group's body is made from. */
export interface NsgInput {
  name: string;
  spec: SecurityGroupSpec;
  region: string;
  tags: Record<string, string>;
  /** The resource ID of the SecurityGroup's own application security group: every rule's destination. */
  ownAsgId: string;
  /** The resource ID of the application security group of a SecurityGroup its rules name (securityGroupRef). */
  asgIdOf: (securityGroup: string) => string;
}

/** Azure names a network or application security group in at most 80 characters. */
const maxNameLength = 80;

const protocols: Record<Ingress['protocol'], SecurityRule['protocol']> = { tcp: 'Tcp', udp: 'Udp', icmp: 'Icmp', all: '*' };

/** The SecurityGroups the rules of spec name, each once, in spec order. */
export const referencedGroups = (spec: SecurityGroupSpec): string[] =>
  [...new Set(spec.ingress.flatMap((r) => (r.from.securityGroupRef ? [r.from.securityGroupRef.name] : [])))];

/** What a rule allows, as its name's hash covers it: a referenced SecurityGroup by name, so its rule keeps its name. */
interface Allowed { protocol: SecurityRule['protocol']; ports: string; cidr?: string; securityGroup?: string }

function allowedOf(name: string, rule: Ingress, i: number): Allowed {
  const field = `spec.ingress[${i}]`;
  const cidr = rule.from.cidr;
  const ref = rule.from.securityGroupRef?.name;
  if (!cidr === !ref) throw invalid(`SecurityGroup "${name}": ${field}.from names ${cidr ? 'both' : 'neither'} cidr and securityGroupRef; set exactly one`);
  if ((rule.protocol === 'tcp' || rule.protocol === 'udp') && !rule.ports) {
    throw invalid(`SecurityGroup "${name}": ${field} (${rule.protocol}) needs ports; set ${field}.ports.from`);
  }
  const p = rule.ports;
  const ports = !p ? '*' : p.to !== undefined && p.to !== p.from ? `${p.from}-${p.to}` : String(p.from);
  return { protocol: protocols[rule.protocol], ports, ...(cidr ? { cidr } : { securityGroup: ref! }) };
}

const ruleName = (a: Allowed): string => `rule-${createHash('sha256').update(JSON.stringify(a)).digest('hex').slice(0, 8)}`;

/** Invalid unless name fits Azure's names of network and application security groups. */
export function refuseLongName(name: string): void {
  if (name.length <= maxNameLength) return;
  throw invalid(`SecurityGroup "${name}": metadata.name has ${name.length} characters, and Azure names a network security group in at most ${maxNameLength}; `
    + 'give the SecurityGroup a shorter name');
}

/** The security rules spec.ingress asks for, one per distinct rule, with the priority of its first place in spec order. */
export function securityRulesOf({ name, spec, ownAsgId, asgIdOf }: Omit<NsgInput, 'region' | 'tags'>): SecurityRule[] {
  const out = new Map<string, SecurityRule>();
  spec.ingress.forEach((rule, i) => {
    const a = allowedOf(name, rule, i);
    const n = ruleName(a);
    if (out.has(n)) return;
    out.set(n, {
      name: n, access: 'Allow', direction: 'Inbound', priority: 100 + 10 * i, protocol: a.protocol,
      sourcePortRange: '*', destinationPortRange: a.ports,
      ...(a.cidr ? { sourceAddressPrefix: a.cidr } : { sourceApplicationSecurityGroups: [{ id: asgIdOf(a.securityGroup!) }] }),
      destinationApplicationSecurityGroups: [{ id: ownAsgId }],
    });
  });
  return [...out.values(), denyVirtualNetwork(ownAsgId)];
}

const denyName = 'deny-virtual-network';

/** The ingress rules a network security group carries: its rules but the last one, which denies the virtual network. */
export const ingressRuleCount = (nsg: NetworkSecurityGroup): number => (nsg.securityRules ?? []).filter((r) => r.name !== denyName).length;

/** The last rule: nothing else from the virtual network reaches the members (Azure's default would let it in). */
const denyVirtualNetwork = (ownAsgId: string): SecurityRule => ({
  name: denyName, access: 'Deny', direction: 'Inbound', priority: 4096, protocol: '*',
  sourcePortRange: '*', destinationPortRange: '*', sourceAddressPrefix: 'VirtualNetwork', destinationApplicationSecurityGroups: [{ id: ownAsgId }],
});

/** The network security group a SecurityGroup's spec asks for. */
export function planNetworkSecurityGroup(input: NsgInput): NetworkSecurityGroup {
  refuseLongName(input.name);
  return { location: input.region, tags: input.tags, securityRules: securityRulesOf(input) };
}

/** The application security group of a SecurityGroup: a name its members' NICs join, nothing more. */
export const applicationSecurityGroupOf = (region: string, tags: Record<string, string>): ApplicationSecurityGroup => ({ location: region, tags });

const ids = (xs: readonly { id?: string }[] | undefined): string[] => (xs ?? []).map((x) => (x.id ?? '').toLowerCase()).sort();
const ruleKey = (r: SecurityRule) => [r.name, r.access, r.direction, r.priority, r.protocol, r.sourcePortRange ?? '*', r.destinationPortRange,
  r.sourceAddressPrefix, ids(r.sourceApplicationSecurityGroups), ids(r.destinationApplicationSecurityGroups),
  // Staysail sets neither list form; someone who did changed what the rule allows.
  r.sourceAddressPrefixes?.length ? r.sourceAddressPrefixes : undefined, r.destinationPortRanges?.length ? r.destinationPortRanges : undefined,
  r.destinationAddressPrefix && r.destinationAddressPrefix !== '*' ? r.destinationAddressPrefix : undefined];

/** Whether found differs from want in its rules (all of them: a rule added by hand is a difference) or in Staysail's tags. */
export function networkSecurityGroupDiffers(found: NetworkSecurityGroup, want: NetworkSecurityGroup): boolean {
  const pick = (g: NetworkSecurityGroup) => JSON.stringify([
    [...(g.securityRules ?? [])].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')).map(ruleKey),
    Object.keys(want.tags ?? {}).sort().map((k) => [k, g.tags?.[k]]),
  ]);
  return pick(found) !== pick(want);
}

/** Whether an application security group lacks one of Staysail's tags as wanted. */
export const tagsDiffer = (found: { tags?: Record<string, string> }, want: Record<string, string>): boolean =>
  Object.entries(want).some(([k, v]) => found.tags?.[k] !== v);

/** The body of an update: want, keeping the tags someone else put on the resource. */
export const keepingTheirTags = <T extends { tags?: Record<string, string> }>(found: T | undefined, want: T): T =>
  (found ? { ...want, tags: { ...found.tags, ...want.tags } } : want);
