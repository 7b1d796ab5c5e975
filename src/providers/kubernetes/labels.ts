// The labels and annotations the Kubernetes provider puts on what it makes. Their names and meanings
// are the API's (src/api/v1alpha1/labels.ts); this adds the ones built from a name.
import { group } from '../../api/v1alpha1/common.ts';
import { monikerClusterLabel, monikerSequenceLabel, ownerAnnotation, securityGroupLabelPrefix, trafficLabelPrefix } from '../../api/v1alpha1/labels.ts';

export { capacityAnnotation, enabledAnnotation, loadBalancersAnnotation, ownerAnnotation, serverGroupLabel, templateHashAnnotation,
  trafficLabelPrefix } from '../../api/v1alpha1/labels.ts';
export const managedBy = { 'app.kubernetes.io/managed-by': 'staysail' };
/** A server group's cluster, as its moniker says (not the Cluster object's label). */
export const clusterLabel = monikerClusterLabel;
/** A server group's sequence number, as its moniker says. */
export const sequenceLabel = monikerSequenceLabel;

/** The label a LoadBalancer's Service selects: on a server group's pods while it is enabled. */
export const trafficLabel = (loadBalancer: string) => `${trafficLabelPrefix}${loadBalancer}`;
export const trafficValue = 'enabled';
/** On a server group's ReplicaSet: the share (percent) of its pods kept out of traffic while it is enabled; absent: none. */
export const disabledPercentageAnnotation = `${group}/disabled-percentage`;
/** On a server group's ReplicaSet: its weight (percent) on weighted routes; absent: none. */
export const trafficWeightAnnotation = `${group}/traffic-weight`;
/** On a Service a LoadBalancer's HTTPRoute sends a server group's share to: the LoadBalancer's name. */
export const routeBackendLabel = `${group}/route-backend-of`;
/** The label a SecurityGroup's NetworkPolicy selects: on the pods of server groups that name it. */
export const securityGroupLabel = (securityGroup: string) => `${securityGroupLabelPrefix}${securityGroup}`;

/**
 * Whether an object Staysail is about to take over or delete is its own: absent, or marked as made
 * for the same kind and name. Anything else (someone's Service or NetworkPolicy of the same name) is
 * left alone.
 */
export const isOurs = (obj: { metadata: { annotations?: Record<string, string> } } | undefined, kind: string, name: string): boolean =>
  !obj || (obj.metadata.annotations?.[ownerAnnotation] ?? '').startsWith(`${kind}/${name}/`);
