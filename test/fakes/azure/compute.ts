// Microsoft.Compute/virtualMachineScaleSets in the Azure fake (Uniform orchestration): createOrUpdate
// (PUT: the whole resource), update (PATCH: objects merge, arrays, scalars and tags replace), get, list by
// resource group and by subscription, delete, manualupgrade, and the scale set VMs (list, get).
// A PUT answers 201 (200 for an existing scale set) with provisioningState Creating/Updating and an
// Azure-AsyncOperation; the model's references (subnets, pools, health probe, NSG, ASGs) are checked
// first (references.ts), and a change to what instances were made with (computerNamePrefix,
// adminUsername, orchestrationMode) is 409 PropertyChangeNotAllowed. Instances follow sku.capacity
// as instances.ts describes. A failed operation leaves the scale set provisioningState Failed (as
// Azure leaves it) and the instances it was making Failed. Deleting one that is not there answers
// 204, as ARM does.
import { randomUUID } from 'node:crypto';
import { ok, type Answer, type Call } from './call.ts';
import { ArmError, invalidParameter, resourceNotFound } from './errors.ts';
import { grow, ipConfigurationsInPool, liveCount, shrink, vmView, type Fleet, type Instance } from './instances.ts';
import { iso, type Operations } from './operations.ts';
import { checkModelReferences, type ScaleSetModels } from './references.ts';
import { resourceId, type Store } from './store.ts';

type Json = Record<string, unknown>;

export const scaleSetType = 'Microsoft.Compute/virtualMachineScaleSets';
const computeApi = '2026-04-01';

export class ScaleSets {
  private readonly fleets = new Map<string, Fleet>();
  private readonly unhealthy = new Set<string>();
  private readonly store: Store;
  private readonly ops: Operations;
  private readonly now: () => number;

  constructor(store: Store, ops: Operations, now: () => number = Date.now) { this.store = store; this.ops = ops; this.now = now; }

  reset(): void { this.fleets.clear(); this.unhealthy.clear(); }

  /** Turns the load balancer probe's health of a scale set's instances off (or on again). */
  setProbeHealth(name: string, healthy: boolean): void {
    if (healthy) this.unhealthy.delete(name.toLowerCase());
    else this.unhealthy.add(name.toLowerCase());
  }

  createOrUpdate = (call: Call): Answer => {
    const id = this.idOf(call);
    const old = this.store.get(id);
    const props = (call.body.properties as Json | undefined) ?? {};
    if (!old && !props.virtualMachineProfile) {
      throw invalidParameter("Required parameter 'virtualMachineProfile' is missing (null).", 'virtualMachineProfile');
    }
    const r: Json = { id, name: call.params.vmScaleSetName, type: scaleSetType, location: call.body.location,
      ...(call.body.tags ? { tags: call.body.tags } : {}), sku: { tier: 'Standard', capacity: 0, ...(call.body.sku as Json) },
      ...(call.body.zones ? { zones: call.body.zones } : {}),
      properties: { singlePlacementGroup: true, orchestrationMode: 'Uniform', upgradePolicy: { mode: 'Manual' }, overprovision: true,
        ...writable(props), uniqueId: (old?.properties as Json | undefined)?.uniqueId ?? randomUUID(),
        timeCreated: (old?.properties as Json | undefined)?.timeCreated ?? iso(this.now()) } };
    return this.write(call, id, old, r);
  };

  update = (call: Call): Answer => {
    const id = this.idOf(call);
    const old = this.store.get(id);
    if (!old) throw resourceNotFound(scaleSetType, call.params.vmScaleSetName!, call.group);
    const r = merge(structuredClone(old), { ...call.body, ...(call.body.properties ? { properties: writable(call.body.properties as Json) } : {}) });
    if (call.body.tags) r.tags = structuredClone(call.body.tags); // a PATCH's tags replace the resource's, as ARM's do
    return this.write(call, id, old, r);
  };

  get = (call: Call): Answer => ok(this.view(this.mustGet(call, call.params.vmScaleSetName!)));

  list = (call: Call): Answer => ok({ value: this.store.list(scaleSetType, call.subscription, call.group).map((x) => this.view(x.body)) });

  listAll = (call: Call): Answer => ok({ value: this.store.list(scaleSetType, call.subscription).map((x) => this.view(x.body)) });

  delete = (call: Call): Answer => {
    const id = this.idOf(call);
    const r = this.store.get(id);
    if (!r) return { status: 204 };
    const before = (r.properties as Json).provisioningState;
    (r.properties as Json).provisioningState = 'Deleting';
    for (const i of this.fleet(id).instances) i.state = 'Deleting';
    const headers = this.operation(call, r, 'DELETE', () => { this.store.delete(id); this.fleets.delete(id.toLowerCase()); },
      () => { (r.properties as Json).provisioningState = before; for (const i of this.fleet(id).instances) i.state = 'Succeeded'; });
    return { status: 202, headers };
  };

  manualUpgrade = (call: Call): Answer => {
    const r = this.mustGet(call, call.params.vmScaleSetName!);
    const fleet = this.fleet(r.id as string);
    const named = (call.body.instanceIds as string[]).map((n) => {
      const i = fleet.instances.find((x) => x.instanceId === n && x.state !== 'Deleting');
      if (!i) throw invalidParameter(`The instance ID '${n}' does not name an instance of virtual machine scale set '${r.name as string}'.`, 'instanceIds');
      return i;
    });
    const model = (r.properties as Json).virtualMachineProfile as Json;
    const headers = this.operation(call, r, 'POST', () => {
      for (const i of named) { i.applied = structuredClone(model); i.appliedVersion = fleet.version; }
    });
    return { status: 202, headers };
  };

  listVms = (call: Call): Answer => {
    const r = this.mustGet(call, call.params.virtualMachineScaleSetName!);
    const expand = call.query.get('$expand') === 'instanceView';
    return ok({ value: this.fleet(r.id as string).instances.map((i) => this.vm(r, i, expand)) });
  };

  getVm = (call: Call): Answer => {
    const r = this.mustGet(call, call.params.vmScaleSetName!);
    const i = this.fleet(r.id as string).instances.find((x) => x.instanceId === call.params.instanceId);
    if (!i) throw resourceNotFound(`${scaleSetType}/virtualMachines`, `${r.name as string}/${call.params.instanceId}`, call.group);
    return ok(this.vm(r, i, call.query.get('$expand') === 'instanceView'));
  };

  /** Every scale set with its model and its instances' applied models (for Network's in-use checks). */
  models(): ScaleSetModels[] {
    return this.store.list(scaleSetType).map(({ id, body }) => ({ id,
      models: [(body.properties as Json).virtualMachineProfile, ...this.fleet(id).instances.map((i) => i.applied)] }));
  }

  /** The NIC ip configurations in a backend pool: every instance whose applied model names it. */
  poolMembers(poolId: string): string[] {
    return this.store.list(scaleSetType).flatMap(({ id }) => this.fleet(id).instances.flatMap((i) => ipConfigurationsInPool(id, i, poolId)));
  }

  private write(call: Call, id: string, old: Json | undefined, r: Json): Answer {
    const props = r.properties as Json;
    checkModelReferences(this.store, id, props.virtualMachineProfile);
    const capacity = Number((r.sku as Json).capacity ?? 0);
    if (!Number.isInteger(capacity) || capacity < 0) throw invalidParameter(`The value ${capacity} of parameter 'sku.capacity' is invalid.`, 'sku.capacity');
    if (old) checkImmutable(old, r);
    const fleet = this.fleet(id);
    const oldModel = canonical((old?.properties as Json | undefined)?.virtualMachineProfile ?? null);
    if (old && oldModel !== canonical(props.virtualMachineProfile)) fleet.version++;
    const live = liveCount(fleet);
    const zones = (r.zones as string[] | undefined) ?? [];
    const made = grow(fleet, Math.max(0, capacity - live), props.virtualMachineProfile as Json, zones, this.now());
    const removed = shrink(fleet, live - capacity);
    props.provisioningState = old ? 'Updating' : 'Creating';
    r.etag = `"${Number(String(old?.etag ?? '"0"').replace(/"/g, '')) + 1}"`;
    this.store.set(id, r);
    const headers = this.operation(call, r, call.method, () => settle(fleet, made, removed), () => fail(made, removed));
    return ok(this.view(r), old ? 200 : 201, headers);
  }

  /** Starts the resource's operation; only the latest one sets its provisioningState when it ends. */
  private operation(call: Call, r: Json, method: string, onDone: () => void, onFail: () => void = () => {}): Record<string, string> {
    const seq = (Number(r.__seq ?? 0) + 1);
    Object.defineProperty(r, '__seq', { value: seq, enumerable: false, writable: true, configurable: true });
    const settleState = (state: string) => { if (r.__seq === seq && method !== 'POST') (r.properties as Json).provisioningState = state; };
    const failure = call.operationFailure();
    return this.ops.start({ provider: 'Microsoft.Compute', subscription: call.subscription, location: String(r.location), apiVersion: computeApi,
      method, ...(failure ? { failure } : {}),
      onDone: () => { onDone(); settleState('Succeeded'); }, onFail: () => { onFail(); settleState('Failed'); } });
  }

  private vm(r: Json, i: Instance, expand: boolean): Json {
    return vmView(r, i, { latest: i.appliedVersion === this.fleet(r.id as string).version, expand,
      probeHealthy: !this.unhealthy.has(String(r.name).toLowerCase()) });
  }

  private idOf(call: Call): string { return resourceId(call.subscription, call.group, scaleSetType, call.params.vmScaleSetName!); }

  private mustGet(call: Call, name: string): Json {
    const r = this.store.get(resourceId(call.subscription, call.group, scaleSetType, name));
    if (!r) throw resourceNotFound(scaleSetType, name, call.group);
    return r;
  }

  private fleet(id: string): Fleet {
    let f = this.fleets.get(id.toLowerCase());
    if (!f) { f = { version: 0, nextId: 0, instances: [] }; this.fleets.set(id.toLowerCase(), f); }
    return f;
  }

  private view(r: Json): Json { return structuredClone(r); }
}

function settle(fleet: Fleet, made: Instance[], removed: Instance[]): void {
  for (const i of made) if (i.state === 'Creating') i.state = 'Succeeded';
  fleet.instances = fleet.instances.filter((i) => !removed.includes(i));
}

function fail(made: Instance[], removed: Instance[]): void {
  for (const i of made) if (i.state === 'Creating') i.state = 'Failed';
  for (const i of removed) if (i.state === 'Deleting') i.state = 'Succeeded';
}

/** JSON with sorted keys: a model sent again in another key order is the same model. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Json)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

// Compute refuses to change what an existing scale set's instances were made with.
const immutable: [string, (r: Json) => unknown][] = [
  ['osProfile.computerNamePrefix', (r) => osProfile(r)?.computerNamePrefix],
  ['osProfile.adminUsername', (r) => osProfile(r)?.adminUsername],
  ['orchestrationMode', (r) => (r.properties as Json).orchestrationMode],
];
const osProfile = (r: Json): Json | undefined => ((r.properties as Json).virtualMachineProfile as Json | undefined)?.osProfile as Json | undefined;

function checkImmutable(old: Json, r: Json): void {
  for (const [path, read] of immutable) {
    if (read(r) !== undefined && read(old) !== undefined && read(r) !== read(old)) {
      throw new ArmError(409, 'PropertyChangeNotAllowed', `Changing property '${path}' is not allowed.`, { target: path });
    }
  }
}

/** A request's properties without what only the service writes; the admin password is never answered. */
function writable(props: Json): Json {
  const out = structuredClone(props);
  for (const k of ['provisioningState', 'uniqueId', 'timeCreated']) delete out[k];
  const os = (out.virtualMachineProfile as Json | undefined)?.osProfile as Json | undefined;
  if (os) delete os.adminPassword;
  return out;
}

/** PATCH semantics: objects merge, everything else (arrays included) replaces, null removes. */
function merge(into: Json, patch: Json): Json {
  for (const [k, v] of Object.entries(patch)) {
    const cur = into[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) merge(cur as Json, v as Json);
    else if (v === null) delete into[k];
    else into[k] = structuredClone(v);
  }
  return into;
}
