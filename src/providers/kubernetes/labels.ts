// The labels and annotations the Kubernetes provider puts on what it makes, and what they mean.
export const managedBy = { 'app.kubernetes.io/managed-by': 'staysail' };
export const serverGroupLabel = 'staysail.dev/server-group';
export const clusterLabel = 'moniker.staysail.dev/cluster';
export const sequenceLabel = 'moniker.staysail.dev/sequence';
export const templateHashAnnotation = 'staysail.dev/template-hash';
export const capacityAnnotation = 'staysail.dev/capacity';
export const enabledAnnotation = 'staysail.dev/enabled';
export const loadBalancersAnnotation = 'staysail.dev/load-balancers';
export const ownerAnnotation = 'staysail.dev/owner';

/** Every traffic label starts so, and no other label does. */
export const trafficLabelPrefix = 'lb.staysail.dev/';
/** The label a LoadBalancer's Service selects: on a server group's pods while it is enabled. */
export const trafficLabel = (loadBalancer: string) => `${trafficLabelPrefix}${loadBalancer}`;
export const trafficValue = 'enabled';
/** The label a SecurityGroup's NetworkPolicy selects: on the pods of server groups that name it. */
export const securityGroupLabel = (securityGroup: string) => `sg.staysail.dev/${securityGroup}`;

/**
 * Whether an object Staysail is about to take over or delete is its own: absent, or marked as made
 * for the same kind and name. Anything else (someone's Service or NetworkPolicy of the same name) is
 * left alone.
 */
export const isOurs = (obj: { metadata: { annotations?: Record<string, string> } } | undefined, kind: string, name: string): boolean =>
  !obj || (obj.metadata.annotations?.[ownerAnnotation] ?? '').startsWith(`${kind}/${name}/`);
