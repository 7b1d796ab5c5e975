// ServerGroup: one immutable, versioned set of instances, app-stack-detail-vNNN (Clouddriver's server
// group). Made real by its provider: a ReplicaSet, an Auto Scaling group, a managed instance group or
// a scale set. Its Cluster creates it; a user may also create one directly.
import { ageColumn, type KindDefinition } from '../kind.ts';
import { arr, bool, int, localRef, obj, optional, str, type Static } from '../schema.ts';
import type { ProviderReason, RemovalReason } from './account.ts';
import { accountRefSchema, capacitySchema, celClusterName, locationSchema, monikerFields, statusBase } from './common.ts';
import { immutable, serverGroupTemplate } from './template.ts';

export const serverGroupMoniker = obj('Spinnaker moniker: app[-stack[-detail]] plus the version (sequence).', {
  ...monikerFields,
  sequence: int('The version, 0 to 999: the name ends in -vNNN.', { minimum: 0, maximum: 999 }),
});

export const serverGroupSpec = obj('The server group wanted.', {
  moniker: serverGroupMoniker,
  accountRef: accountRefSchema,
  location: optional(locationSchema),
  template: serverGroupTemplate('What each instance runs; fixed when the server group is made.', [immutable('spec.template of a ServerGroup (a new version is a new ServerGroup)')]),
  capacity: capacitySchema,
  enabled: bool('Whether it takes traffic: it is a member of its load balancers when true.'),
  disabledPercentage: optional(int('While enabled, the share (percent) of its instances kept out of traffic, the count rounded down (a rolling red/black step sets it on the old server group; absent or 0: all of them serve). Acted on where the provider can take part of a server group out of traffic (Kubernetes); elsewhere condition FieldsActedOn says it is not and all of them serve.', { minimum: 0, maximum: 100 })),
  trafficWeight: optional(int('On a weighted route (a LoadBalancer with spec.kubernetes.httpRoute): the percent of the route\'s traffic it takes while enabled. Server groups with a weight take theirs newest first until 100 is given; those without share what is left by their pods in traffic (all of it when none has a weight). The Cluster sets it: 100 on a red/black\'s new server group, so enabling it moves all traffic in one write; each rolling step\'s percentage (100 throughout with no other server group in traffic); the canary pair\'s canary.weight, or their share of the pods without one; 100 on a server group a rollback brings back, 0 on the one it takes out. Read only by weighted routes.', { minimum: 0, maximum: 100 })),
  loadBalancerRefs: optional(arr('LoadBalancers (in this namespace) it joins while enabled.', localRef('A LoadBalancer.'), { maxItems: 16 })),
  securityGroupRefs: optional(arr('SecurityGroups (in this namespace) that apply to it. Azure takes at most one (a network interface carries one network security group).', localRef('A SecurityGroup.'), { maxItems: 16 })),
});

export const serverGroupStatus = obj('What the provider reports of the server group.', {
  ...statusBase,
  providerId: optional(str('The provider\'s own identifier: ReplicaSet name, Auto Scaling group ARN, instance group URL or scale set ID.', { maxLength: 2048 })),
  replicas: optional(int('Instances that exist.', { minimum: 0 })),
  readyReplicas: optional(int('Instances that are healthy.', { minimum: 0 })),
  desiredReplicas: optional(int('Instances wanted.', { minimum: 0 })),
  ready: optional(str('readyReplicas/desiredReplicas, for display.', { maxLength: 32 })),
  enabled: optional(bool('Whether it takes traffic, as observed.')),
  disabledPercentage: optional(int('The share (percent) of its instances its provider keeps out of traffic while it is enabled, as observed; absent where the provider cannot.', { minimum: 0, maximum: 100 })),
  ownedByReference: optional(bool('Whether what the provider made for it carries an owner reference to it (same cluster and namespace), so the garbage collector removes that with this object: deleted after its Account, it is let go instead of held.')),
});

export type ServerGroupSpec = Static<typeof serverGroupSpec>;
export type ServerGroupStatus = Static<typeof serverGroupStatus>;

/**
 * Reasons of a ServerGroup's Ready condition (Healthy, or Progressing while instances come) and of
 * its Reconciling condition (Scaling while the provider does not show the whole spec yet).
 */
export type ServerGroupReason = 'Healthy' | 'Progressing' | 'Scaling' | ProviderReason | RemovalReason;

// The name must be the moniker's cluster name, -v, then the sequence in three digits. (Parsing the
// name keeps the rule cheap: building the padded sequence with string() makes its cost unbounded.)
const name = 'self.metadata.name';
const nameMatchesMoniker = `${name}.matches('-v[0-9]{3}$') && ${name}.substring(0, size(${name}) - 5) == ${celClusterName('self.spec.moniker')}`
  + ` && int(${name}.substring(size(${name}) - 3)) == self.spec.moniker.sequence`;

export const serverGroupKind: KindDefinition = {
  kind: 'ServerGroup', plural: 'servergroups', singular: 'servergroup', shortNames: ['srvg'],
  description: 'A ServerGroup is one immutable, versioned set of instances named app-stack-detail-vNNN: a ReplicaSet on Kubernetes, an Auto Scaling group on AWS, a managed instance group on GCE or a scale set on Azure. Enabled server groups take traffic from their load balancers.',
  nameMaxLength: 63,
  spec: serverGroupSpec, status: serverGroupStatus,
  rules: [{
    rule: nameMatchesMoniker,
    message: 'metadata.name of a ServerGroup must be its moniker spelled app[-stack[-detail]]-vNNN, e.g. shop-prod-v003 for app shop, stack prod, sequence 3',
  }],
  printerColumns: [
    { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled', description: 'Whether it takes traffic.' },
    { name: 'Ready', type: 'string', jsonPath: '.status.ready', description: 'Healthy instances / desired.' },
    { name: 'Desired', type: 'integer', jsonPath: '.spec.capacity.desired', description: 'Instances wanted.', priority: 1 },
    { name: 'Provider-ID', type: 'string', jsonPath: '.status.providerId', description: 'The provider\'s identifier.', priority: 1 },
    ageColumn,
  ],
};
