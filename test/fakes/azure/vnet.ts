// The Azure fake's virtual networks: seeded (the fake does not create them), one per name in the
// options' '<vnet>/<subnet>' list, in every resource group of every subscription. The n-th virtual
// network has 10.n.0.0/16 and its m-th subnet 10.n.m.0/24. Private addresses are handed out per
// subnet as Azure does: the first four and the last of each subnet are Azure's, so a Dynamic frontend
// gets .4, then .5, ...; a Static one must be inside the subnet's prefix and free.
import { ArmError, childNotFound, resourceNotFound } from './errors.ts';
import { resourceId, sameId, type Store } from './store.ts';
import { ok, type Answer, type Call } from './call.ts';

type Json = Record<string, unknown>;

export const vnetType = 'Microsoft.Network/virtualNetworks';

export class VirtualNetworks {
  /** Addresses taken, by lower-cased subnet ID: address -> the ID of what holds it. */
  private readonly taken = new Map<string, Map<string, string>>();
  private readonly store: Store;
  private readonly layout: { vnet: string; subnets: string[] }[];
  private readonly location: string;

  constructor(store: Store, subnets: string[], location: string) {
    this.store = store;
    this.location = location;
    const byVnet = new Map<string, string[]>();
    for (const s of subnets) {
      const [vnet, subnet, ...rest] = s.split('/');
      if (!vnet || !subnet || rest.length) throw new Error(`FakeAzure: subnet '${s}' is not '<virtualNetwork>/<subnet>'`);
      byVnet.set(vnet, [...(byVnet.get(vnet) ?? []), subnet]);
    }
    this.layout = [...byVnet].map(([vnet, names]) => ({ vnet, subnets: names }));
  }

  /** Writes the seeded virtual networks into the store and forgets every address handed out. */
  seed(subscriptions: string[], groups: string[]): void {
    this.taken.clear();
    for (const sub of subscriptions) {
      for (const group of groups) {
        this.layout.forEach(({ vnet, subnets }, n) => {
          const id = resourceId(sub, group, vnetType, vnet);
          this.store.set(id, { id, name: vnet, type: vnetType, location: this.location, etag: 'W/"00000000-0000-0000-0000-000000000001"',
            properties: { provisioningState: 'Succeeded', resourceGuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
              addressSpace: { addressPrefixes: [`10.${n}.0.0/16`] }, enableDdosProtection: false,
              subnets: subnets.map((s, m) => ({ id: `${id}/subnets/${s}`, name: s, type: `${vnetType}/subnets`,
                etag: 'W/"00000000-0000-0000-0000-000000000001"', properties: { addressPrefix: `10.${n}.${m}.0/24`, provisioningState: 'Succeeded',
                  privateEndpointNetworkPolicies: 'Disabled', privateLinkServiceNetworkPolicies: 'Enabled' } })) } });
        });
      }
    }
  }

  getVnet = (call: Call): Answer => ok(this.vnetView(this.mustGetVnet(call)));

  listSubnets = (call: Call): Answer => ok({ value: ((this.mustGetVnet(call).properties as Json).subnets as Json[]).map((s) => this.subnetView(s)) });

  getSubnet = (call: Call): Answer => {
    const vnet = this.mustGetVnet(call);
    const s = ((vnet.properties as Json).subnets as Json[]).find((x) => String(x.name).toLowerCase() === call.params.subnetName!.toLowerCase());
    if (!s) throw childNotFound(`${vnet.id as string}/subnets/${call.params.subnetName}`);
    return ok(this.subnetView(s));
  };

  /** A Dynamic address in the subnet for `owner` (kept when it already holds one there). */
  allocate(subnetId: string, owner: string): string {
    const used = this.addresses(subnetId);
    for (const [ip, who] of used) if (sameId(who, owner)) return ip;
    const base = this.prefixOf(subnetId).split('/')[0]!.split('.').slice(0, 3).join('.');
    for (let last = 4; last < 255; last++) {
      const ip = `${base}.${last}`;
      if (!used.has(ip)) { used.set(ip, owner); return ip; }
    }
    throw new ArmError(400, 'SubnetIsFull', `Subnet ${subnetId} with address prefix ${this.prefixOf(subnetId)} does not have enough capacity for 1 IP addresses.`);
  }

  /** A Static address for `owner`: inside the subnet and not another's. */
  reserve(subnetId: string, ip: string, owner: string): void {
    const prefix = this.prefixOf(subnetId);
    const base = prefix.split('/')[0]!.split('.').slice(0, 3).join('.');
    const last = Number(ip.split('.')[3]);
    if (!ip.startsWith(`${base}.`) || !(last >= 4 && last <= 254)) {
      throw new ArmError(400, 'PrivateIPAddressNotInSubnet', `Private static IP address ${ip} does not belong to the range of subnet prefix ${prefix}.`);
    }
    const who = this.addresses(subnetId).get(ip);
    if (who && !sameId(who, owner)) {
      throw new ArmError(400, 'PrivateIPAddressInUse', `IP configuration ${owner} is using the private IP address ${ip} which is already allocated to resource ${who}.`);
    }
    this.addresses(subnetId).set(ip, owner);
  }

  /** Gives back every address held by owners under `prefixId` (a load balancer's frontends). */
  release(prefixId: string, keep: string[] = []): void {
    for (const used of this.taken.values()) {
      for (const [ip, who] of used) {
        const mine = who.toLowerCase().startsWith(`${prefixId.toLowerCase()}/`);
        if (mine && !keep.some((k) => sameId(k, who))) used.delete(ip);
      }
    }
  }

  /** What holds addresses in a subnet (for its ipConfigurations). */
  holders(subnetId: string): string[] { return [...new Set(this.addresses(subnetId).values())]; }

  private addresses(subnetId: string): Map<string, string> {
    let m = this.taken.get(subnetId.toLowerCase());
    if (!m) { m = new Map(); this.taken.set(subnetId.toLowerCase(), m); }
    return m;
  }

  private prefixOf(subnetId: string): string {
    const vnet = this.store.get(subnetId.split('/subnets/')[0]!);
    const s = ((vnet?.properties as Json | undefined)?.subnets as Json[] | undefined)?.find((x) => sameId(x.id, subnetId));
    if (!s) throw childNotFound(subnetId);
    return (s.properties as Json).addressPrefix as string;
  }

  private mustGetVnet(call: Call): Json {
    const v = this.store.get(resourceId(call.subscription, call.group, vnetType, call.params.virtualNetworkName!));
    if (!v) throw resourceNotFound(vnetType, call.params.virtualNetworkName!, call.group);
    return v;
  }

  private subnetView(s: Json): Json {
    const view = structuredClone(s);
    const holders = this.holders(s.id as string);
    if (holders.length) (view.properties as Json).ipConfigurations = holders.map((id) => ({ id }));
    return view;
  }

  /** A virtual network as its GET answers it. */
  vnetView(v: Json): Json {
    const view = structuredClone(v);
    (view.properties as Json).subnets = ((v.properties as Json).subnets as Json[]).map((s) => this.subnetView(s));
    return view;
  }
}
