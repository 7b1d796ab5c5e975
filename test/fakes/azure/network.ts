// Microsoft.Network resources in the Azure fake, as Network's resource provider runs them: PUT
// (createOrUpdate, the whole resource) answers 201 (200 for one that exists) with provisioningState
// Updating and an Azure-AsyncOperation, and the resource reads Succeeded when the operation ends
// (Failed if it fails); GET and list answer it with its computed back-references (what uses it);
// DELETE answers 202 with Azure-AsyncOperation and Location, 204 for one that is not there, and is
// refused while something still uses the resource. Each kind (load balancers, public IP addresses,
// network security groups, application security groups) says how its body is read, what uses it and
// what it shows. Child resources (frontends, pools, rules, probes, security rules) get their IDs,
// types and etags from the parent, as Network gives them.
import { randomUUID } from 'node:crypto';
import { ok, weakEtag, type Answer, type Call } from './call.ts';
import { invalidParameter, resourceNotFound } from './errors.ts';
import type { Operations } from './operations.ts';
import type { ScaleSetModels } from './references.ts';
import { resourceId, type Store } from './store.ts';
import type { VirtualNetworks } from './vnet.ts';

type Json = Record<string, unknown>;

const networkApi = '2026-01-01';

/** What the network kinds reach: the store, the virtual networks and the scale sets. */
export interface NetworkEnv {
  store: Store;
  vnets: VirtualNetworks;
  scaleSets: { models(): ScaleSetModels[]; poolMembers(poolId: string): string[] };
}

/** How one resource type is read, checked and shown. */
export interface NetworkKind {
  type: string;
  /** The path parameter naming the resource. */
  param: string;
  /** The stored resource for a PUT body (throws the service's 400 for what it refuses). */
  build(call: Call, id: string, old: Json | undefined): Json;
  /** Throws the service's refusal while something uses the resource. */
  beforeDelete?(id: string, r: Json): void;
  afterDelete?(id: string, r: Json): void;
  /** Adds what is computed on read (back-references) to a copy of the resource. */
  decorate?(view: Json): void;
}

export class NetworkResources {
  private readonly store: Store;
  private readonly ops: Operations;
  private readonly kind: NetworkKind;
  private readonly seq = new Map<string, number>();

  constructor(store: Store, ops: Operations, kind: NetworkKind) { this.store = store; this.ops = ops; this.kind = kind; }

  put = (call: Call): Answer => {
    const id = this.idOf(call);
    const old = this.store.get(id);
    checkChildNames(call.body, this.kind.type);
    const r = this.kind.build(call, id, old);
    const etag = weakEtag();
    stampChildren(r, id, this.kind.type, etag);
    Object.assign(r, { id, name: call.params[this.kind.param], type: this.kind.type, etag });
    const props = r.properties as Json;
    props.provisioningState = 'Updating';
    props.resourceGuid = (old?.properties as Json | undefined)?.resourceGuid ?? randomUUID();
    this.store.set(id, r);
    const headers = this.operation(call, id, r, 'PUT', () => {}, () => {});
    return ok(this.view(r), old ? 200 : 201, headers);
  };

  get = (call: Call): Answer => ok(this.view(this.mustGet(call)));

  list = (call: Call): Answer => ok({ value: this.store.list(this.kind.type, call.subscription, call.group).map((x) => this.view(x.body)) });

  delete = (call: Call): Answer => {
    const id = this.idOf(call);
    const r = this.store.get(id);
    if (!r) return { status: 204 };
    this.kind.beforeDelete?.(id, r);
    const props = r.properties as Json;
    const before = props.provisioningState;
    props.provisioningState = 'Deleting';
    const headers = this.operation(call, id, r, 'DELETE', () => { this.store.delete(id); this.kind.afterDelete?.(id, r); },
      () => { props.provisioningState = before; });
    return { status: 202, headers };
  };

  private operation(call: Call, id: string, r: Json, method: string, onDone: () => void, onFail: () => void): Record<string, string> {
    const n = (this.seq.get(id.toLowerCase()) ?? 0) + 1;
    this.seq.set(id.toLowerCase(), n);
    const latest = () => this.seq.get(id.toLowerCase()) === n;
    const failure = call.operationFailure();
    return this.ops.start({ provider: 'Microsoft.Network', subscription: call.subscription, location: String(r.location ?? 'global'),
      apiVersion: networkApi, method, ...(failure ? { failure } : {}),
      onDone: () => { onDone(); if (latest() && method === 'PUT') (r.properties as Json).provisioningState = 'Succeeded'; },
      onFail: () => { onFail(); if (latest() && method === 'PUT') (r.properties as Json).provisioningState = 'Failed'; } });
  }

  private idOf(call: Call): string { return resourceId(call.subscription, call.group, this.kind.type, call.params[this.kind.param]!); }

  private mustGet(call: Call): Json {
    const r = this.store.get(this.idOf(call));
    if (!r) throw resourceNotFound(this.kind.type, call.params[this.kind.param]!, call.group);
    return r;
  }

  /** A resource as its GET answers it. */
  view(r: Json): Json {
    const v = structuredClone(r);
    this.kind.decorate?.(v);
    return v;
  }
}

/** The envelope of a network resource from a PUT body: location, tags and a copy of its properties. */
export function envelope(call: Call, old: Json | undefined): Json {
  const location = call.body.location ?? old?.location;
  if (typeof location !== 'string' || !location) throw invalidParameter("Required parameter 'location' is missing (null).", 'location');
  const props = structuredClone((call.body.properties as Json | undefined) ?? {});
  delete props.provisioningState;
  delete props.resourceGuid;
  return { location, ...(call.body.tags ? { tags: structuredClone(call.body.tags) } : {}), properties: props };
}

const childSegments: Record<string, string[]> = {
  'Microsoft.Network/loadBalancers': ['frontendIPConfigurations', 'backendAddressPools', 'loadBalancingRules', 'probes', 'inboundNatRules', 'outboundRules'],
  'Microsoft.Network/networkSecurityGroups': ['securityRules'],
};

/** The children of a resource under their segments, each named as Network requires. */
export function children(r: Json, type: string): [string, Json[]][] {
  const props = r.properties as Json;
  return (childSegments[type] ?? []).map((seg) => [seg, (props[seg] as Json[] | undefined) ?? []] as [string, Json[]]);
}

/** Network names children by name: one without a name is refused. */
function checkChildNames(body: Json, type: string): void {
  for (const [seg, list] of children({ properties: body.properties ?? {} }, type)) {
    list.forEach((c, i) => {
      if (typeof c.name !== 'string' || !c.name) throw invalidParameter(`Required parameter 'properties.${seg}[${i}].name' is missing (null).`, `properties.${seg}[${i}].name`);
    });
  }
}

/** Gives each child its ID (parent ID / segment / name), type, etag and provisioningState. */
function stampChildren(r: Json, id: string, type: string, etag: string): void {
  for (const [seg, list] of children(r, type)) {
    list.forEach((c) => {
      Object.assign(c, { id: `${id}/${seg}/${c.name}`, etag, type: `${type}/${seg}` });
      c.properties = { ...((c.properties as Json | undefined) ?? {}), provisioningState: 'Succeeded' };
    });
  }
}
