// References between the Azure fake's resources, as the services check them. A scale set's model names
// subnets, backend pools, a health probe, a network security group and application security groups
// (virtualMachineProfile.networkProfile); each must exist when the model is written (Network answers
// 400 InvalidResourceReference for one that does not, through Compute), and none may be deleted while
// a scale set names it. "Names" covers the model and every instance's applied model: Network refuses
// while any scale set NIC still references the resource, so a pool taken out of the model stays in use
// until manualupgrade has brought the instances to it (as on Azure: upgrade the instances, then delete).
import { invalidParameter, invalidReference, invalidRequestFormat, linkedInvalidPropertyId } from './errors.ts';
import { parseId, sameId, topOf, type Store } from './store.ts';

type Json = Record<string, unknown>;

/** One reference in a scale set model: what it names, and the JSON path it sits at. */
export interface ModelReference { kind: 'subnet' | 'pool' | 'probe' | 'nsg' | 'asg'; id: string; path: string }

const expected: Record<ModelReference['kind'], { type: string; child?: string; wrongType: string }> = {
  subnet: { type: 'Microsoft.Network/virtualNetworks', child: 'subnets', wrongType: 'virtualNetworks/subnets' },
  pool: { type: 'Microsoft.Network/loadBalancers', child: 'backendAddressPools', wrongType: 'loadBalancers/backendAddressPools' },
  probe: { type: 'Microsoft.Network/loadBalancers', child: 'probes', wrongType: 'loadBalancers/probes' },
  nsg: { type: 'Microsoft.Network/networkSecurityGroups', wrongType: 'networkSecurityGroups' },
  asg: { type: 'Microsoft.Network/applicationSecurityGroups', wrongType: 'applicationSecurityGroups' },
};

const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const props = (o: unknown): Json => ((o as Json | undefined)?.properties as Json | undefined) ?? {};
const idOf = (o: unknown): string | undefined => (o as Json | undefined)?.id as string | undefined;

/** Every reference a virtualMachineProfile makes, with its path from the resource root. */
export function modelReferences(profile: unknown): ModelReference[] {
  const out: ModelReference[] = [];
  const net = (profile as Json | undefined)?.networkProfile as Json | undefined;
  const at = 'properties.virtualMachineProfile.networkProfile';
  const probe = idOf(net?.healthProbe);
  if (probe !== undefined) out.push({ kind: 'probe', id: probe, path: `${at}.healthProbe.id` });
  arr(net?.networkInterfaceConfigurations).forEach((nic, i) => {
    const nicAt = `${at}.networkInterfaceConfigurations[${i}].properties`;
    const nsg = idOf(props(nic).networkSecurityGroup);
    if (nsg !== undefined) out.push({ kind: 'nsg', id: nsg, path: `${nicAt}.networkSecurityGroup.id` });
    arr(props(nic).ipConfigurations).forEach((ip, j) => {
      const ipAt = `${nicAt}.ipConfigurations[${j}].properties`;
      const p = props(ip);
      const subnet = idOf(p.subnet);
      if (subnet !== undefined) out.push({ kind: 'subnet', id: subnet, path: `${ipAt}.subnet.id` });
      arr(p.loadBalancerBackendAddressPools).forEach((r, k) => out.push({ kind: 'pool', id: idOf(r) ?? '', path: `${ipAt}.loadBalancerBackendAddressPools[${k}].id` }));
      arr(p.applicationSecurityGroups).forEach((r, k) => out.push({ kind: 'asg', id: idOf(r) ?? '', path: `${ipAt}.applicationSecurityGroups[${k}].id` }));
    });
  });
  return out;
}

/** The resource an ID names: a top-level resource, or a child in its parent's properties (a pool, a probe, a subnet). */
export function lookup(store: Store, id: string): Json | undefined {
  const p = parseId(id);
  if (!p) return undefined;
  const top = store.get(topOf(id)!);
  if (!top || p.children.length === 0) return top;
  if (p.children.length !== 1) return undefined;
  const [segment, name] = p.children[0]!;
  const list = Object.entries(props(top)).find(([k]) => k.toLowerCase() === segment.toLowerCase())?.[1];
  return arr(list).find((c) => typeof c.name === 'string' && c.name.toLowerCase() === name.toLowerCase());
}

/** Checks that every reference of a scale set model names an existing resource of the right type. */
export function checkModelReferences(store: Store, scaleSetId: string, profile: unknown): void {
  const refs = modelReferences(profile);
  for (const r of refs) {
    const p = parseId(r.id);
    if (!p) throw linkedInvalidPropertyId(r.id, r.path);
    const want = expected[r.kind];
    const child = p.children[0]?.[0];
    if (p.type.toLowerCase() !== want.type.toLowerCase() || (want.child ?? '') !== (child ?? '') || p.children.length > (want.child ? 1 : 0)) {
      throw invalidRequestFormat(`Reference Id ${r.id} is referencing resource of a wrong type. The Id is expected to reference resources ` +
        `of type ${want.wrongType}. Path ${r.path.replace(/\.id$/, '')}.`);
    }
    if (!lookup(store, r.id)) throw invalidReference(r.id, scaleSetId);
  }
  checkHealthProbe(store, scaleSetId, refs);
}

// Azure takes a load balancer probe as a scale set's health probe only from a load balancer the scale
// set is behind (one whose backend pool its NICs name) and only when a load-balancing rule uses the
// probe. The services' codes for these two refusals could not be confirmed; InvalidParameter naming the
// property is what Compute answers for a value it refuses.
function checkHealthProbe(store: Store, scaleSetId: string, refs: ModelReference[]): void {
  const probe = refs.find((r) => r.kind === 'probe');
  if (!probe) return;
  const lb = topOf(probe.id)!;
  if (!refs.some((r) => r.kind === 'pool' && sameId(topOf(r.id), lb))) {
    throw invalidParameter(`The health probe ${probe.id} of virtual machine scale set ${scaleSetId} belongs to load balancer ${lb}, ` +
      'but no backend pool of that load balancer is referenced by the scale set\'s network interface configurations.', probe.path);
  }
  const rules = arr(props(store.get(lb)).loadBalancingRules);
  if (!rules.some((rule) => sameId(idOf(props(rule).probe), probe.id))) {
    throw invalidParameter(`The health probe ${probe.id} of virtual machine scale set ${scaleSetId} is not used by any load balancing ` +
      'rule of its load balancer.', probe.path);
  }
}

/** A scale set and the models it carries: its own, then those its instances last applied. */
export interface ScaleSetModels { id: string; models: unknown[] }

/** The scale sets (of those given) any of whose models names the id (or, with `under`, anything below it). */
export function scaleSetsNaming(sets: ScaleSetModels[], id: string, under = false): string[] {
  const hit = (ref: string) => sameId(ref, id) || (under && ref.toLowerCase().startsWith(`${id.toLowerCase()}/`));
  return sets.filter((s) => s.models.some((m) => modelReferences(m).some((r) => hit(r.id)))).map((s) => s.id);
}
