// SecurityGroup: ingress rules for server groups (Clouddriver's security group / firewall): a
// NetworkPolicy on Kubernetes, a security group on AWS, a firewall on GCE, a network security group on Azure.
import { ageColumn, readyColumn, reasonColumn, type KindDefinition } from '../kind.ts';
import { arr, bool, int, localRef, obj, oneOf, optional, str, type Static } from '../schema.ts';
import type { ProviderReason, RemovalReason } from './account.ts';
import { accountRefSchema, appPattern, locationSchema, statusBase } from './common.ts';

const portNumber = (description: string) => int(description, { minimum: 1, maximum: 65535 });

export const ingressRule = obj('Traffic allowed in: from a CIDR or from members of another SecurityGroup, on a protocol and ports.', {
  from: obj('Where the traffic comes from: exactly one of cidr and securityGroupRef.', {
    cidr: optional(str('An IPv4 or IPv6 CIDR, e.g. 10.0.0.0/16.', { maxLength: 64, rules: [{ rule: 'isCIDR(self)', message: 'cidr must be a CIDR such as 10.0.0.0/16' }] })),
    securityGroupRef: optional(localRef('Another SecurityGroup (in this namespace) whose members may connect.')),
  }, { rules: [{ rule: 'has(self.cidr) != has(self.securityGroupRef)', message: 'set exactly one of cidr and securityGroupRef' }] }),
  protocol: oneOf('The protocol.', ['tcp', 'udp', 'icmp', 'all'] as const, { default: 'tcp' }),
  ports: optional(obj('Ports allowed, inclusive (tcp and udp).', {
    from: portNumber('First port.'),
    to: optional(portNumber('Last port (default: from).')),
  }, { rules: [{ rule: '!has(self.to) || self.from <= self.to', message: 'ports.from must not exceed ports.to' }] })),
}, { rules: [{ rule: "!(self.protocol in ['tcp', 'udp']) || has(self.ports)", message: 'tcp and udp rules need ports', fieldPath: '.ports' },
  { rule: "self.protocol in ['tcp', 'udp'] || !has(self.ports)", message: 'ports apply only to tcp and udp', fieldPath: '.ports' }] });

export const securityGroupSpec = obj('The security group wanted.', {
  application: str('The Application (in this namespace) it belongs to.', { pattern: appPattern, maxLength: 40 }),
  accountRef: accountRefSchema,
  location: optional(locationSchema),
  description: optional(str('What it is for: the AWS security group\'s and the GCE firewall rules\' description (not used on Azure).', { maxLength: 255 })),
  ingress: arr('What may connect. No rule: nothing may.', ingressRule, { maxItems: 64 }),
});

export const securityGroupStatus = obj('What the provider reports of the security group.', {
  ...statusBase,
  providerId: optional(str('The provider\'s identifier: NetworkPolicy name, security group ID, firewall or NSG ID.', { maxLength: 2048 })),
  ownedByReference: optional(bool('Whether what the provider made for it carries an owner reference to it (same cluster and namespace), so the garbage collector removes that with this object: deleted after its Account, it is let go instead of held.')),
});

export type SecurityGroupSpec = Static<typeof securityGroupSpec>;
export type SecurityGroupStatus = Static<typeof securityGroupStatus>;

/** Reasons of a SecurityGroup's Ready condition (and Reconciling or Stalled beside it). */
export type SecurityGroupReason = 'Provisioned' | ProviderReason | RemovalReason;

export const securityGroupKind: KindDefinition = {
  kind: 'SecurityGroup', plural: 'securitygroups', singular: 'securitygroup', shortNames: ['secg'],
  description: 'A SecurityGroup holds ingress rules for the server groups that name it: a NetworkPolicy on Kubernetes, a security group on AWS, a firewall on GCE, a network security group on Azure.',
  spec: securityGroupSpec, status: securityGroupStatus,
  printerColumns: [
    { name: 'Rules', type: 'string', jsonPath: '.spec.ingress[*].protocol', description: 'Protocols of the ingress rules.', priority: 1 },
    readyColumn, reasonColumn, ageColumn,
  ],
};
