// Load balancers and public IP addresses in the Azure fake (network.ts runs their PUT, GET, list and
// DELETE). A frontend takes a public IP address (which must exist) or a subnet (which must exist),
// where it gets a private address (Dynamic: the next free one; Static: the one given); rules must name
// frontends, pools and probes of the same load balancer. A pool lists in backendIPConfigurations the
// NIC ip configurations of the scale set instances whose applied model names it. What a scale set
// names cannot go: deleting the load balancer (400 LoadBalancerInUseByVirtualMachineScaleSet),
// removing its pool or health probe, or the last rule using that probe
// (CannotRemoveRuleUsedByProbeUsedByVMSS); a public IP address a frontend holds cannot be deleted
// (PublicIPAddressCannotBeDeleted). Public IP addresses are Static, from the documentation ranges
// (203.0.113.0/24, 198.51.100.0/24, 192.0.2.0/24), so nothing in a test can reach a real address.
import { ArmError, invalidParameter, invalidReference } from './errors.ts';
import { envelope, type NetworkEnv, type NetworkKind } from './network.ts';
import { lookup, scaleSetsNaming } from './references.ts';
import { parseId, sameId } from './store.ts';

type Json = Record<string, unknown>;

export const loadBalancerType = 'Microsoft.Network/loadBalancers';
export const publicIpType = 'Microsoft.Network/publicIPAddresses';

const list = (p: Json, k: string): Json[] => (p[k] as Json[] | undefined) ?? [];
const props = (o: Json): Json => (o.properties as Json | undefined) ?? {};
const refId = (o: unknown): string | undefined => (o as Json | undefined)?.id as string | undefined;

// Codes the services send for these two refusals could not be confirmed; the messages are Network's.
const poolInUseCode = 'InUseBackendAddressPoolCannotBeDeleted';
const probeInUseCode = 'InUseProbeCannotBeDeleted';

export function loadBalancerKind(env: NetworkEnv): NetworkKind {
  return {
    type: loadBalancerType, param: 'loadBalancerName',
    build: (call, id, old) => {
      const r = envelope(call, old);
      r.sku = call.body.sku ?? { name: 'Standard', tier: 'Regional' };
      const p = r.properties as Json;
      const childIds = (seg: string) => new Set(list(p, seg).map((c) => `${id}/${seg}/${c.name as string}`.toLowerCase()));
      checkRules(id, p, childIds('frontendIPConfigurations'), childIds('backendAddressPools'), childIds('probes'));
      if (old) checkInUse(env, id, props(old), p);
      frontends(env, id, p);
      for (const probe of list(p, 'probes')) probe.properties = { intervalInSeconds: 15, numberOfProbes: 1, probeThreshold: 1, ...props(probe) };
      for (const rule of list(p, 'loadBalancingRules')) {
        const rp = props(rule);
        rule.properties = { backendPort: rp.frontendPort, idleTimeoutInMinutes: 4, enableFloatingIP: false, enableTcpReset: false,
          loadDistribution: 'Default', disableOutboundSnat: false, ...rp };
      }
      return r;
    },
    beforeDelete: (id) => {
      const users = scaleSetsNaming(env.scaleSets.models(), id, true);
      if (users.length) {
        const lb = env.store.get(id)!;
        const names = [...list(props(lb), 'backendAddressPools'), ...list(props(lb), 'probes')]
          .filter((c) => scaleSetsNaming(env.scaleSets.models(), c.id as string).length).map((c) => c.name as string);
        throw new ArmError(400, 'LoadBalancerInUseByVirtualMachineScaleSet', `Cannot delete load balancer ${id} since its child resources ` +
          `${names.join(', ')} are in use by virtual machine scale set ${users[0]}.`, { details: [] });
      }
    },
    afterDelete: (id) => env.vnets.release(id),
    decorate: (v) => {
      const p = props(v);
      const rules = list(p, 'loadBalancingRules');
      const using = (key: string, id: unknown) => rules.filter((r) => sameId(refId(props(r)[key]), id)).map((r) => ({ id: r.id }));
      for (const pool of list(p, 'backendAddressPools')) {
        const members = env.scaleSets.poolMembers(pool.id as string);
        if (members.length) props(pool).backendIPConfigurations = members.map((id) => ({ id }));
        const byRules = using('backendAddressPool', pool.id);
        if (byRules.length) props(pool).loadBalancingRules = byRules;
      }
      for (const [seg, key] of [['frontendIPConfigurations', 'frontendIPConfiguration'], ['probes', 'probe']] as const) {
        for (const c of list(p, seg)) { const byRules = using(key, c.id); if (byRules.length) props(c).loadBalancingRules = byRules; }
      }
    },
  };
}

function checkRules(id: string, p: Json, frontendIds: Set<string>, poolIds: Set<string>, probeIds: Set<string>): void {
  for (const rule of list(p, 'loadBalancingRules')) {
    const ruleId = `${id}/loadBalancingRules/${rule.name as string}`;
    const rp = props(rule);
    for (const [ref, ids] of [[refId(rp.frontendIPConfiguration), frontendIds], [refId(rp.backendAddressPool), poolIds], [refId(rp.probe), probeIds]] as const) {
      if (ref !== undefined && !ids.has(ref.toLowerCase())) throw invalidReference(ref, ruleId);
    }
  }
}

/** A PUT may not take away what a scale set names (or the last rule using its health probe). */
function checkInUse(env: NetworkEnv, id: string, before: Json, after: Json): void {
  const models = env.scaleSets.models();
  const kept = (seg: string) => new Set(list(after, seg).map((c) => `${id}/${seg}/${c.name as string}`.toLowerCase()));
  const pools = kept('backendAddressPools');
  for (const pool of list(before, 'backendAddressPools')) {
    const users = pools.has(String(pool.id).toLowerCase()) ? [] : scaleSetsNaming(models, pool.id as string);
    if (users.length) throw new ArmError(400, poolInUseCode, `Cannot remove backend address pool ${pool.name as string} from load balancer since it is in use by virtual machine scale set ${users[0]}.`);
  }
  const probes = kept('probes');
  for (const probe of list(before, 'probes')) {
    const users = scaleSetsNaming(models, probe.id as string);
    if (!users.length) continue;
    if (!probes.has(String(probe.id).toLowerCase())) {
      throw new ArmError(400, probeInUseCode, `Cannot remove probe ${probe.name as string} from load balancer since it is in use by virtual machine scale set ${users[0]} as its health probe.`);
    }
    const stillUsed = list(after, 'loadBalancingRules').some((r) => sameId(refId(props(r).probe), probe.id));
    const gone = list(before, 'loadBalancingRules').find((r) => sameId(refId(props(r).probe), probe.id));
    if (!stillUsed && gone) {
      throw new ArmError(400, 'CannotRemoveRuleUsedByProbeUsedByVMSS', `Load balancer rule ${gone.id as string} cannot be removed because the rule ` +
        `references the load balancer probe ${probe.id as string} that is used as health probe by VM scale set ${users[0]}. To remove this rule, ` +
        'please update VM scale set to remove the reference to the probe.');
    }
  }
}

/** Checks each frontend's public IP address or subnet and hands out its private address. */
function frontends(env: NetworkEnv, id: string, p: Json): void {
  const keep: string[] = [];
  list(p, 'frontendIPConfigurations').forEach((f, i) => {
    const fid = `${id}/frontendIPConfigurations/${f.name as string}`;
    const fp = props(f);
    const pip = refId(fp.publicIPAddress);
    const subnet = refId(fp.subnet);
    if (!pip && !subnet) {
      throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request.', { details: [{ code: 'MissingJsonReferenceId',
        message: `Value for reference id is missing. Path properties.frontendIPConfigurations[${i}].properties.subnet.` }] });
    }
    if (pip !== undefined) {
      if (parseId(pip)?.type.toLowerCase() !== publicIpType.toLowerCase() || !lookup(env.store, pip)) throw invalidReference(pip, fid);
      fp.publicIPAddress = { id: pip };
    }
    if (subnet !== undefined) {
      if (!lookup(env.store, subnet) || parseId(subnet)?.children[0]?.[0] !== 'subnets') throw invalidReference(subnet, fid);
      const method = (fp.privateIPAllocationMethod as string | undefined) ?? 'Dynamic';
      if (method === 'Static') {
        if (typeof fp.privateIPAddress !== 'string') throw invalidParameter(`Required parameter 'properties.frontendIPConfigurations[${i}].properties.privateIPAddress' is missing (null).`, `properties.frontendIPConfigurations[${i}].properties.privateIPAddress`);
        env.vnets.reserve(subnet, fp.privateIPAddress, fid);
      } else {
        fp.privateIPAddress = env.vnets.allocate(subnet, fid);
      }
      Object.assign(fp, { privateIPAllocationMethod: method, privateIPAddressVersion: fp.privateIPAddressVersion ?? 'IPv4', subnet: { id: subnet } });
      keep.push(fid);
    }
    f.properties = fp;
  });
  env.vnets.release(id, keep);
}

const publicRanges = ['203.0.113', '198.51.100', '192.0.2'];

export function publicIpKind(env: NetworkEnv): NetworkKind {
  const taken = new Set<string>();
  const next = (): string => {
    for (let n = 0; n < publicRanges.length * 254; n++) {
      const ip = `${publicRanges[Math.floor(n / 254)]}.${(n % 254) + 1}`;
      if (!taken.has(ip)) { taken.add(ip); return ip; }
    }
    throw new ArmError(400, 'PublicIPCountLimitReached', `Cannot create more than ${publicRanges.length * 254} public IP addresses for this subscription in this region.`);
  };
  const holder = (id: string): string | undefined => env.store.list(loadBalancerType).flatMap(({ body }) => list(props(body), 'frontendIPConfigurations'))
    .find((f) => sameId(refId(props(f).publicIPAddress), id))?.id as string | undefined;
  return {
    type: publicIpType, param: 'publicIpAddressName',
    build: (call, _id, old) => {
      const r = envelope(call, old);
      r.sku = call.body.sku ?? { name: 'Standard', tier: 'Regional' };
      if (call.body.zones) r.zones = call.body.zones;
      const p = r.properties as Json;
      const ipAddress = (old?.properties as Json | undefined)?.ipAddress ?? next();
      Object.assign(p, { publicIPAllocationMethod: p.publicIPAllocationMethod ?? 'Static', publicIPAddressVersion: p.publicIPAddressVersion ?? 'IPv4',
        idleTimeoutInMinutes: p.idleTimeoutInMinutes ?? 4, ipTags: p.ipTags ?? [], ipAddress });
      return r;
    },
    beforeDelete: (id) => {
      const f = holder(id);
      if (f) throw new ArmError(400, 'PublicIPAddressCannotBeDeleted', `Public IP address ${id} can not be deleted since it is still allocated to resource ${f}.`, { details: [] });
    },
    afterDelete: (_id, r) => { taken.delete(String(props(r).ipAddress)); },
    decorate: (v) => { const f = holder(v.id as string); if (f) props(v).ipConfiguration = { id: f }; },
  };
}
