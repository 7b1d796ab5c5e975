// One interface per resource family, the same verbs on every cloud (Clouddriver's operations):
// server groups: describe, list, create, resize, enable, disable, destroy; load balancers and
// security groups: describe, upsert, delete. Every operation is idempotent and names things the
// caller chose; "is the world already so?" is the provider's first question.
import type { Capacity } from '../api/v1alpha1/common.ts';
import type { KubeObject, ResourceType } from '../core/kube-client.ts';
import type { ServerGroupTemplate } from '../api/v1alpha1/template.ts';
import type { AccountSpec, ProviderName } from '../api/v1alpha1/account.ts';
import type { LoadBalancerSpec } from '../api/v1alpha1/load-balancer.ts';
import type { SecurityGroupSpec } from '../api/v1alpha1/security-group.ts';

/** The account an operation acts in, with its namespace (where a Kubernetes account defaults to). */
export interface ProviderAccount {
  name: string;
  namespace: string;
  spec: AccountSpec;
}

/** Where a resource lives: a namespace on Kubernetes, a region (and zones) on a cloud. */
export interface Location { namespace?: string; region?: string; zones?: string[] }

/** Who owns what a provider makes (tags on clouds, an owner reference on Kubernetes). */
export interface Owner { kind: string; name: string; uid: string; apiVersion: string }

export interface ServerGroupDescription {
  name: string;
  cluster: string;
  sequence: number;
  createdAt: string;
  /** Whether it takes traffic from its load balancers. */
  enabled: boolean;
  capacity: Capacity;
  /** Instances that exist, and those healthy (ready). */
  instances: { total: number; healthy: number };
  loadBalancers: string[];
  /** Hash of the template it runs, as given at creation. */
  templateHash: string;
  providerId: string;
}

export interface CreateServerGroup {
  name: string;
  cluster: string;
  sequence: number;
  location: Location;
  template: ServerGroupTemplate;
  templateHash: string;
  capacity: Capacity;
  enabled: boolean;
  loadBalancers: string[];
  securityGroups: string[];
  owner: Owner;
}

export interface ServerGroupProvider {
  describe(account: ProviderAccount, location: Location, name: string): Promise<ServerGroupDescription | undefined>;
  /** The cluster's server groups, newest first. */
  list(account: ProviderAccount, location: Location, cluster: string): Promise<ServerGroupDescription[]>;
  /** Creates it, or returns it when one of that name already exists from the same template (a repeated call). */
  create(account: ProviderAccount, request: CreateServerGroup): Promise<ServerGroupDescription>;
  resize(account: ProviderAccount, location: Location, name: string, capacity: Capacity): Promise<void>;
  /** Joins it to its load balancers (or the given ones). */
  enable(account: ProviderAccount, location: Location, name: string, loadBalancers: string[]): Promise<void>;
  disable(account: ProviderAccount, location: Location, name: string, loadBalancers: string[]): Promise<void>;
  /** Removes it; a server group already gone is not an error. */
  destroy(account: ProviderAccount, location: Location, name: string): Promise<void>;
}

export interface LoadBalancerDescription {
  name: string;
  address?: string;
  /** Server groups whose instances it routes to. */
  serverGroups: string[];
  healthyEndpoints: number;
  providerId: string;
}

export interface LoadBalancerProvider {
  describe(account: ProviderAccount, location: Location, name: string): Promise<LoadBalancerDescription | undefined>;
  upsert(account: ProviderAccount, location: Location, name: string, spec: LoadBalancerSpec, owner: Owner): Promise<LoadBalancerDescription>;
  delete(account: ProviderAccount, location: Location, name: string): Promise<void>;
}

export interface SecurityGroupDescription { name: string; providerId: string; ingressRules: number }

export interface SecurityGroupProvider {
  describe(account: ProviderAccount, location: Location, name: string): Promise<SecurityGroupDescription | undefined>;
  upsert(account: ProviderAccount, location: Location, name: string, spec: SecurityGroupSpec, owner: Owner): Promise<SecurityGroupDescription>;
  delete(account: ProviderAccount, location: Location, name: string): Promise<void>;
}

/**
 * Kubernetes objects whose changes mean a server group changed (its ReplicaSet's pods became ready),
 * so its controller can watch them instead of polling. Clouds have none.
 */
export interface ChangeSource {
  resource: ResourceType;
  labelSelector: string;
  /** The ServerGroup (namespace/name) a changed object belongs to. */
  serverGroupKeyOf(obj: KubeObject): string | undefined;
}

/** Everything one provider (kubernetes, aws, gce, azure, fake) offers. */
export interface Provider {
  readonly name: ProviderName | 'fake';
  readonly serverGroups: ServerGroupProvider;
  readonly loadBalancers: LoadBalancerProvider;
  readonly securityGroups: SecurityGroupProvider;
  readonly changeSources?: ChangeSource[];
  /** Checks that the account's credentials reach the provider; says what it reached, or throws (Invalid: a person must fix it). */
  verify(account: ProviderAccount): Promise<string>;
}
