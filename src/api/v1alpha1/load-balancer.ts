// LoadBalancer: what routes traffic to a cluster's enabled server groups (Clouddriver's load balancer):
// a Service on Kubernetes, a target group and listener on AWS, a backend service on GCE, a backend pool
// on Azure.
import { ageColumn, readyColumn, type KindDefinition } from '../kind.ts';
import { arr, bool, duration, int, obj, objectName, oneOf, optional, str, type Static } from '../schema.ts';
import type { ProviderReason, RemovalReason } from './account.ts';
import { accountRefSchema, appPattern, locationSchema, statusBase } from './common.ts';

const port = (description: string) => int(description, { minimum: 1, maximum: 65535 });

/** An HTTPRoute that splits the load balancer's traffic between its server groups by weight (Gateway API v1). */
export const httpRouteSchema = obj('Kubernetes: also route through a Gateway API HTTPRoute of the LoadBalancer\'s name, whose backendRefs are one Service per server group in traffic (<load balancer>-<server group>, refused when a Service of that name is not this LoadBalancer\'s) at the first TCP, HTTP or HTTPS port of ports, weighted by the server groups\' spec.trafficWeight, those without one by their pods in traffic. The Service of the LoadBalancer\'s name stays, selecting them all.', {
  parentRefs: arr('The Gateways (or other parents) the route attaches to.', obj('A parent.', {
    name: objectName('The Gateway\'s name.'),
    namespace: optional(objectName('Its namespace (default: the route\'s).')),
    sectionName: optional(str('A listener of the Gateway.', { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 253 })),
  }), { minItems: 1, maxItems: 32 }),
  hostnames: optional(arr('Host names the route matches (default: every host of its parents).', str('A host name, e.g. shop.example.com or *.example.com.',
    { pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', maxLength: 253 }), { maxItems: 16 })),
  pathPrefix: optional(str('The path prefix the route matches (default /).', { pattern: '^/', maxLength: 1024 })),
});

export const loadBalancerSpec = obj('The load balancer wanted.', {
  application: str('The Application (in this namespace) it serves.', { pattern: appPattern, maxLength: 40 }),
  accountRef: accountRefSchema,
  location: optional(locationSchema),
  type: oneOf('internal: reachable inside the network (ClusterIP); external: from outside (LoadBalancer).', ['internal', 'external'] as const,
    { default: 'internal' }),
  ports: arr('The ports it listens on.', obj('A listener.', {
    name: optional(str('A name for the port (Kubernetes: the Service port name).', { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 15 })),
    port: port('The port clients connect to.'),
    targetPort: optional(port('The port on the instances (default: port).')),
    protocol: oneOf('The protocol.', ['TCP', 'UDP', 'HTTP', 'HTTPS'] as const, { default: 'TCP' }),
  }), { minItems: 1, maxItems: 32, listType: 'map', listMapKeys: ['port'] }),
  kubernetes: optional(obj('Kubernetes only: on AWS, GCE and Azure condition FieldsActedOn says it is not acted on.', {
    httpRoute: optional(httpRouteSchema),
  })),
  healthCheck: optional(obj('How instances are checked (clouds; Kubernetes uses pod readiness).', {
    protocol: oneOf('The protocol of the check.', ['TCP', 'HTTP', 'HTTPS'] as const, { default: 'HTTP' }),
    port: optional(port('The port checked (default: the target port).')),
    path: optional(str('HTTP(S): the path requested.', { pattern: '^/', maxLength: 1024 })),
    interval: optional(duration('Time between checks (Azure: at least 5s).')),
    timeout: optional(duration('Time a check may take (not used on Azure, whose probes have no timeout).')),
    healthyThreshold: optional(int('Successes before an instance is healthy (Azure: one threshold for both, so equal to unhealthyThreshold when both are set).', { minimum: 1, maximum: 10 })),
    unhealthyThreshold: optional(int('Failures before an instance is unhealthy (on Azure, the probe\'s threshold).', { minimum: 1, maximum: 10 })),
  })),
});

export const loadBalancerStatus = obj('What the provider reports of the load balancer.', {
  ...statusBase,
  providerId: optional(str('The provider\'s identifier: Service name, target group ARN, backend service URL or pool ID.', { maxLength: 2048 })),
  address: optional(str('Where clients connect: a cluster IP, DNS name or IP address.', { maxLength: 1024 })),
  serverGroups: optional(arr('Server groups that are members (enabled).', str('A server group name.', { maxLength: 63 }), { maxItems: 1000 })),
  readyEndpoints: optional(int('Healthy instances behind it.', { minimum: 0 })),
  ownedByReference: optional(bool('Whether what the provider made for it carries an owner reference to it (same cluster and namespace), so the garbage collector removes that with this object: deleted after its Account, it is let go instead of held.')),
});

export type LoadBalancerSpec = Static<typeof loadBalancerSpec>;
export type LoadBalancerStatus = Static<typeof loadBalancerStatus>;

/** Reasons of a LoadBalancer's Ready condition (and Reconciling or Stalled beside it). */
export type LoadBalancerReason = 'Provisioned' | ProviderReason | RemovalReason;

export const loadBalancerKind: KindDefinition = {
  kind: 'LoadBalancer', plural: 'loadbalancers', singular: 'loadbalancer', shortNames: ['lb', 'lbs'],
  description: 'A LoadBalancer routes traffic to the enabled server groups that join it: a Service on Kubernetes, a target group with a listener on AWS, a backend service on GCE, a backend pool on Azure.',
  nameMaxLength: 63,
  spec: loadBalancerSpec, status: loadBalancerStatus,
  rules: [{ rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message: 'metadata.name of a LoadBalancer must start with a letter and hold only lower-case letters, digits and hyphens, as it names a Service' },
  { rule: "!has(self.spec.kubernetes) || !has(self.spec.kubernetes.httpRoute) || self.spec.ports.exists(p, !has(p.protocol) || p.protocol != 'UDP')",
    message: 'spec.kubernetes.httpRoute sends HTTP to the first TCP, HTTP or HTTPS port of spec.ports, and every port here is UDP: add such a port, or remove spec.kubernetes.httpRoute' }],
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type', description: 'internal or external.' },
    { name: 'Address', type: 'string', jsonPath: '.status.address', description: 'Where clients connect.' },
    { name: 'Endpoints', type: 'integer', jsonPath: '.status.readyEndpoints', description: 'Healthy instances behind it.' },
    readyColumn, ageColumn,
  ],
};
