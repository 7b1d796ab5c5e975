// One interface per resource family, the same verbs on every cloud (Clouddriver's operations):
// server groups: describe, list, create, resize, enable, disable, set load balancers, destroy; load
// balancers and security groups: describe, upsert, delete; manifests (not implemented yet): apply,
// delete, patch, scale, status, read, list. Every operation is idempotent and names things the caller
// chose; "is the world already so?" is the provider's first question.
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

/** Where a resource lives: a namespace on Kubernetes, a region (and zones, and a network) on a cloud. */
export interface Location { namespace?: string; region?: string; zones?: string[]; network?: string }

/** Who owns what a provider makes (tags on clouds, an owner reference on Kubernetes). */
export interface Owner { kind: string; namespace: string; name: string; uid: string; apiVersion: string }

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
  /** Instances still deregistering from load balancers it left (a cloud's connection draining); absent where nothing drains. */
  draining?: number;
  /** The load balancers it is a member of: it takes traffic from these, and only these, while enabled. */
  loadBalancers: string[];
  /**
   * Its instances are not yet where its enabled state puts them: a change of traffic was cut short
   * (on Azure, the model changed but its instances not yet upgraded), so the verb for the wanted
   * state is called again. Absent where a change of traffic is one step.
   */
  unsettled?: boolean;
  /** The share (percent) of its instances kept out of traffic while it is enabled; absent where the provider cannot take part of a server group out of traffic. */
  disabledPercentage?: number;
  /** Its weight on weighted routes (percent); absent: none, or a provider without weighted routes. */
  trafficWeight?: number;
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
  /** Its weight on weighted routes (percent), where the provider has them. */
  trafficWeight?: number;
  owner: Owner;
}

export interface ServerGroupProvider {
  describe(account: ProviderAccount, location: Location, name: string): Promise<ServerGroupDescription | undefined>;
  /** The cluster's server groups, newest first. */
  list(account: ProviderAccount, location: Location, cluster: string): Promise<ServerGroupDescription[]>;
  /** Creates it, or returns it when one of that name already exists from the same template (a repeated call). */
  create(account: ProviderAccount, request: CreateServerGroup): Promise<ServerGroupDescription>;
  resize(account: ProviderAccount, location: Location, name: string, capacity: Capacity): Promise<void>;
  /** Takes traffic from each of its load balancers, and from no other; given loadBalancers, those become its load balancers first. */
  enable(account: ProviderAccount, location: Location, name: string, loadBalancers?: string[]): Promise<void>;
  /** Takes traffic from no load balancer, including any it is found in without being a member (left before, or joined by hand). */
  disable(account: ProviderAccount, location: Location, name: string): Promise<void>;
  /**
   * Makes these its load balancers: while enabled it joins the new ones and has left the others when this
   * returns (on Kubernetes, their Services no longer select its pods); while disabled it only records them.
   */
  setLoadBalancers(account: ProviderAccount, location: Location, name: string, loadBalancers: string[]): Promise<void>;
  /**
   * Keeps this share (percent, 0 to 100) of its instances out of traffic while it is enabled, the count
   * rounded down (Clouddriver's disable with desiredPercentage); 0 puts them all in. Absent where the
   * provider cannot take part of a server group out of traffic.
   */
  setDisabledPercentage?(account: ProviderAccount, location: Location, name: string, percent: number): Promise<void>;
  /** Sets its weight (percent) on weighted routes, undefined for none, rewriting each route it is in once. Absent where the provider has no weighted routes. */
  setTrafficWeight?(account: ProviderAccount, location: Location, name: string, weight: number | undefined): Promise<void>;
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
  /** Manifests applied as they are (the manifest stages); absent when the provider has none. */
  readonly manifests?: ManifestProvider;
  readonly changeSources?: ChangeSource[];
  /** Checks that the account's credentials reach the provider; says what it reached, or throws (Invalid: a person must fix it). */
  verify(account: ProviderAccount): Promise<string>;
  /**
   * Whether what it makes for an object in this account and location carries an owner reference to
   * the object, in the object's own cluster and namespace: the API server's garbage collector then
   * removes it with the object, so an object whose Account is gone may be let go without leaking it.
   * False on clouds, and on Kubernetes for another cluster (a kubeconfig Secret) or another namespace.
   */
  ownsByReference(account: ProviderAccount, location: Location): boolean;
}

/** A Kubernetes object a manifest stage names: what it applied, or what it is told to act on. */
export interface ManifestRef { apiVersion: string; kind: string; name: string; namespace?: string }

/** kstatus' reading of an object: still changing, settled as asked, or not going to get there without a change. */
export interface ManifestStatus { status: 'InProgress' | 'Current' | 'Failed'; message: string }

/**
 * Manifests as the manifest stages (deployManifest, deleteManifest, patchManifest, scaleManifest,
 * undoRolloutManifest, rollingRestartManifest, enableManifest, disableManifest) need them; the
 * Kubernetes provider implements it (docs/adr/0003-who-owns-server-group-spec.md). Every call is
 * refused (Invalid) for a kind the Account's spec.kubernetes.manifests does not allow, and for a
 * cluster-scoped kind it does not list. Errors are the provider's typed errors, as for the other families.
 */
export interface ManifestProvider {
  /** Server-side applies every manifest under fieldManager (force takes fields other managers own), refusing the batch before any is applied when a kind is not allowed; returns them as stored. */
  apply(account: ProviderAccount, location: Location, manifests: KubeObject[],
    options: { fieldManager: string; force?: boolean; owner?: Owner }): Promise<KubeObject[]>;
  /** Deletes it; one already gone is not an error. cascade as kubectl's --cascade (default background). */
  delete(account: ProviderAccount, location: Location, ref: ManifestRef, options?: { cascade?: 'background' | 'foreground' | 'orphan' }): Promise<void>;
  /** Patches it (merge, strategic merge or JSON patch) under fieldManager; returns it as stored. */
  patch(account: ProviderAccount, location: Location, ref: ManifestRef, patch: { type: 'merge' | 'strategic' | 'json'; body: unknown },
    options: { fieldManager: string }): Promise<KubeObject>;
  /** Sets replicas through its scale subresource; Invalid when its kind has none. */
  scale(account: ProviderAccount, location: Location, ref: ManifestRef, replicas: number): Promise<void>;
  /** kstatus' status of it, read afresh (what deployManifest waits on); a missing object is InProgress, not an error. */
  status(account: ProviderAccount, location: Location, ref: ManifestRef): Promise<ManifestStatus>;
  /** It as stored, or undefined when it does not exist (findArtifactsFromResource; undoRolloutManifest reads a rollout's history with list). */
  read(account: ProviderAccount, location: Location, ref: ManifestRef): Promise<KubeObject | undefined>;
  /** Objects of a kind matching a label selector (e.g. the ReplicaSets of a Deployment, its revisions for undoRolloutManifest). */
  list(account: ProviderAccount, location: Location, kind: { apiVersion: string; kind: string }, labelSelector: string): Promise<KubeObject[]>;
}
