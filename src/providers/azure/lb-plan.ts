// What a LoadBalancer is on Azure (pure): a Standard load balancer named as it, with one frontend
// `frontend` (external: the static public IP address of its name, made first; internal: a dynamic
// private address in the location's subnet), one backend pool `pool` that the scale sets of server
// groups joining it name, one probe `port-<n>` per distinct target port, and one load-balancing rule
// `port-<port>` per port. An Azure load balancer works at layer 4: HTTP and HTTPS ports are TCP rules,
// and only a probe speaks HTTP; Azure probes no UDP, so a UDP-only target port is probed through a TCP
// target's probe, or spec.healthCheck's port. A probe a scale set's healthProbe still names is kept
// (with the rules using it) until none does: Azure refuses to remove it. Also whether what is found
// differs from what is wanted, in what Staysail sets, and which scale sets' instances are in the pool.
import type { FrontendIPConfiguration, LoadBalancer, LoadBalancingRule, Probe, PublicIPAddress } from '@azure/arm-network';
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { parseDuration } from '../../api/duration.ts';
import { invalid } from '../errors.ts';
import type { Owner } from '../interfaces.ts';
import { backendPoolId, frontendId, lbParts, probeId, scaleSetOfIpConfiguration, type Scope } from './ids.ts';
import { readMark, refuseUnlessOwned } from './marks.ts';

/** Where the frontend's address comes from: an external one's public IP address, an internal one's subnet. */
export type Front = { publicIpId: string } | { subnetId: string };

/** What a load balancer's body is made from. */
export interface LoadBalancerInput {
  name: string;
  spec: LoadBalancerSpec;
  /** The Azure location (spec.location.region, or the Account's only region). */
  region: string;
  tags: Record<string, string>;
  /** Where it is made: its children's IDs (frontend, pool, probes) are under its own. */
  scope: Scope;
  front: Front;
}

/** Azure probes every 5 seconds at the least (and 15 when told nothing). */
const minIntervalS = 5;

function intervalOf(name: string, spec: LoadBalancerSpec): number | undefined {
  const d = spec.healthCheck?.interval;
  if (d === undefined) return undefined;
  let ms: number;
  try { ms = parseDuration(d); } catch { ms = Number.NaN; }
  if (!(ms >= minIntervalS * 1000)) {
    throw invalid(`LoadBalancer "${name}": spec.healthCheck.interval "${d}" is under ${minIntervalS}s, which Azure probes need at the least; write one such as 5s or 15s`);
  }
  return Math.round(ms / 1000);
}

/** Azure has one threshold (probeThreshold) for taking an instance out of rotation and putting it back. */
function thresholdOf(name: string, spec: LoadBalancerSpec): number | undefined {
  const hc = spec.healthCheck;
  if (hc?.healthyThreshold !== undefined && hc.unhealthyThreshold !== undefined && hc.healthyThreshold !== hc.unhealthyThreshold) {
    throw invalid(`LoadBalancer "${name}": spec.healthCheck.healthyThreshold (${hc.healthyThreshold}) and unhealthyThreshold (${hc.unhealthyThreshold}) differ, `
      + 'and an Azure probe has one threshold for both; set one of them, or the same number in both');
  }
  return hc?.unhealthyThreshold ?? hc?.healthyThreshold;
}

/** The probe of a target port: spec.healthCheck (its port, or the target port), or TCP on the target port. */
function probeOf(targetPort: number, spec: LoadBalancerSpec, interval: number | undefined, threshold: number | undefined): Probe {
  const hc = spec.healthCheck;
  const protocol = !hc || hc.protocol === 'TCP' ? 'Tcp' : hc.protocol === 'HTTP' ? 'Http' : 'Https';
  // spec.healthCheck.timeout has no Azure field: a probe's timeout is Azure's own.
  return {
    name: lbParts.probe(targetPort), protocol, port: hc?.port ?? targetPort,
    ...(protocol === 'Tcp' ? {} : { requestPath: hc?.path ?? '/' }),
    ...(interval === undefined ? {} : { intervalInSeconds: interval }),
    ...(threshold === undefined ? {} : { probeThreshold: threshold }),
  };
}

const targetOf = (p: LoadBalancerSpec['ports'][number]): number => p.targetPort ?? p.port;
const transportOf = (p: LoadBalancerSpec['ports'][number]): 'Tcp' | 'Udp' => (p.protocol === 'UDP' ? 'Udp' : 'Tcp');

/**
 * The probe port of each target port: its own, except a UDP-only target's (a TCP probe on a UDP port
 * never answers), which takes the first TCP target's; Invalid, naming the fields, when there is none
 * and spec.healthCheck names no port of its own.
 */
function probeTargetsOf(name: string, spec: LoadBalancerSpec): Map<number, number> {
  const ports = spec.ports;
  const tcpTargets = [...new Set(ports.filter((p) => transportOf(p) === 'Tcp').map(targetOf))];
  const out = new Map<number, number>();
  for (const t of new Set(ports.map(targetOf))) {
    const udpOnly = !tcpTargets.includes(t);
    if (!udpOnly || spec.healthCheck?.port !== undefined) { out.set(t, t); continue; }
    if (!tcpTargets.length) {
      const i = ports.findIndex((p) => targetOf(p) === t);
      throw invalid(`LoadBalancer "${name}": spec.ports[${i}] is UDP (target port ${t}) and no port of spec.ports is TCP, HTTP or HTTPS, and an Azure probe `
        + 'speaks only TCP, HTTP or HTTPS (a TCP probe on a UDP port never answers, so no instance would take traffic); set spec.healthCheck with '
        + 'the port (spec.healthCheck.port) of a TCP or HTTP health endpoint the instances serve');
    }
    out.set(t, tcpTargets[0]!);
  }
  return out;
}

/** Azure refuses two rules of a pool with the same backend port and protocol while floating IP is off. */
function refuseSharedBackends(name: string, ports: LoadBalancerSpec['ports']): void {
  const seen = new Map<string, number>();
  ports.forEach((p, i) => {
    const key = `${transportOf(p)}/${targetOf(p)}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw invalid(`LoadBalancer "${name}": spec.ports[${first}] and spec.ports[${i}] both send ${transportOf(p)} to target port ${targetOf(p)}, `
        + 'and an Azure load balancer takes one rule per backend port and protocol; give them different targetPorts, or drop one');
    }
    seen.set(key, i);
  });
}

function frontendOf(front: Front): FrontendIPConfiguration {
  return 'publicIpId' in front
    ? { name: lbParts.frontend, publicIPAddress: { id: front.publicIpId } }
    : { name: lbParts.frontend, subnet: { id: front.subnetId }, privateIPAllocationMethod: 'Dynamic' };
}

/** The load balancer a LoadBalancer's spec asks for; Invalid, naming the field, for what Azure cannot carry. */
export function planLoadBalancer({ name, spec, region, tags, scope, front }: LoadBalancerInput): LoadBalancer {
  refuseSharedBackends(name, spec.ports);
  const interval = intervalOf(name, spec);
  const threshold = thresholdOf(name, spec);
  const probeTargets = probeTargetsOf(name, spec);
  const targets = [...new Set(probeTargets.values())];
  const rules: LoadBalancingRule[] = spec.ports.map((p) => ({
    name: lbParts.rule(p.port), protocol: transportOf(p), frontendPort: p.port, backendPort: targetOf(p),
    frontendIPConfiguration: { id: frontendId(scope, name) },
    backendAddressPool: { id: backendPoolId(scope, name) },
    probe: { id: probeId(scope, name, probeTargets.get(targetOf(p))!) },
    // Outbound traffic is not the load balancer's to give (disableOutboundSnat); the rest are Azure's defaults, written down.
    enableFloatingIP: false, idleTimeoutInMinutes: 4, disableOutboundSnat: true,
  }));
  return {
    location: region, tags, sku: { name: 'Standard' },
    frontendIPConfigurations: [frontendOf(front)],
    backendAddressPools: [{ name: lbParts.pool }],
    probes: targets.map((t) => probeOf(t, spec, interval, threshold)),
    loadBalancingRules: rules,
  };
}

/** The public IP address of an external LoadBalancer: Standard (as a Standard load balancer needs), static, IPv4. */
export const publicIpOf = (region: string, tags: Record<string, string>): PublicIPAddress =>
  ({ location: region, tags, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' });

/** A resource ID as sameId (ids.ts) compares it: without case or a trailing slash. */
const idOf = (x: { id?: string } | undefined): string => (x?.id ?? '').replace(/\/+$/, '').toLowerCase();
const byName = <T extends { name?: string }>(xs: readonly T[] | undefined): T[] =>
  [...(xs ?? [])].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));

const frontendKey = (f: FrontendIPConfiguration) => [f.name, idOf(f.publicIPAddress), idOf(f.subnet)];
/** A probe as Staysail sets it; interval and threshold only when the wanted probe sets them (else Azure's defaults stand). */
const probeKey = (p: Probe, want?: Probe) => [p.name, p.protocol, p.port, p.protocol === 'Tcp' ? undefined : p.requestPath,
  want?.intervalInSeconds === undefined ? undefined : p.intervalInSeconds, want?.probeThreshold === undefined ? undefined : p.probeThreshold];
const ruleKey = (r: LoadBalancingRule) => [r.name, r.protocol, r.frontendPort, r.backendPort, idOf(r.frontendIPConfiguration),
  idOf(r.backendAddressPool), idOf(r.probe), r.enableFloatingIP ?? false, r.idleTimeoutInMinutes ?? 4, r.disableOutboundSnat ?? false];

/** Whether found differs from want in what Staysail sets (its tags included; tags others added are no difference). */
export function loadBalancerDiffers(found: LoadBalancer, want: LoadBalancer): boolean {
  const wantProbes = new Map((want.probes ?? []).map((p) => [p.name, p]));
  const pick = (lb: LoadBalancer, mine: boolean) => JSON.stringify([
    lb.sku?.name,
    byName(lb.frontendIPConfigurations).map(frontendKey),
    byName(lb.backendAddressPools).map((p) => p.name),
    byName(lb.probes).map((p) => probeKey(p, mine ? p : wantProbes.get(p.name))),
    byName(lb.loadBalancingRules).map(ruleKey),
    Object.keys(want.tags ?? {}).sort().map((k) => [k, lb.tags?.[k]]),
  ]);
  return pick(found, false) !== pick(want, true);
}

/** Whether two resource IDs name the same thing (no case, no trailing slash). */
const sameRef = (a: { id?: string } | undefined, b: { id?: string } | undefined): boolean => !!idOf(a) && idOf(a) === idOf(b);

/**
 * want, keeping each probe of found that a scale set's healthProbe names (namedProbes, resource IDs)
 * and want drops: Azure refuses to remove such a probe, or the last rule using it, until the scale set
 * names another. Its rules are kept too unless a wanted rule takes their name or frontend port;
 * then the update is refused (a Conflict, tried again) until the scale set lets go. Kept probes come
 * after the wanted ones: a server group points its healthProbe at a load balancer's first probe.
 */
export function keepNamedProbes(found: LoadBalancer, want: LoadBalancer, namedProbes: ReadonlySet<string>): LoadBalancer {
  const named = new Set([...namedProbes].map((id) => idOf({ id })));
  const wanted = new Set((want.probes ?? []).map((p) => p.name));
  const kept = (found.probes ?? []).filter((p) => !wanted.has(p.name) && named.has(idOf(p)));
  if (!kept.length) return want;
  const rules = want.loadBalancingRules ?? [];
  const clashes = (r: LoadBalancingRule) => rules.some((w) => w.name === r.name || (w.frontendPort === r.frontendPort && w.protocol === r.protocol));
  const keptRules = (found.loadBalancingRules ?? []).filter((r) => kept.some((p) => sameRef(r.probe, p)) && !clashes(r));
  return { ...want, probes: [...(want.probes ?? []), ...kept], loadBalancingRules: [...rules, ...keptRules] };
}

/** The body of an update: want, keeping the tags someone else put on the load balancer. */
export const updateOf = (found: LoadBalancer, want: LoadBalancer): LoadBalancer => ({ ...want, tags: { ...found.tags, ...want.tags } });

/** Whether the load balancer's frontend is a public one (external) or in a subnet (internal); undefined when it has none. */
export const isExternal = (lb: LoadBalancer): boolean | undefined => {
  const f = lb.frontendIPConfigurations?.find((x) => x.name === lbParts.frontend) ?? lb.frontendIPConfigurations?.[0];
  return f ? !!f.publicIPAddress : undefined;
};

/** Invalid when found is internal and want external, or the other way: Azure does not turn one into the other. */
export function refuseTypeChange(name: string, found: LoadBalancer, want: LoadBalancer): void {
  const was = isExternal(found);
  const wanted = isExternal(want);
  if (was === undefined || was === wanted) return;
  const [from, to] = was ? ['external', 'internal'] : ['internal', 'external'];
  throw invalid(`LoadBalancer "${name}": spec.type asks for an ${to} load balancer, and load balancer ${name} is ${from}; `
    + 'Azure does not change a load balancer\'s frontend between public and private: delete the LoadBalancer and create it again, or put spec.type back');
}

/** What an upsert does to the load balancer: make it, update it, or leave it as it is. */
export type Change = 'create' | 'update' | 'keep';

/**
 * What to do with the load balancer found (if any) to make it want: a Conflict when it is not
 * owner's (no Staysail tags, or another object's), Invalid when it is of the other type.
 */
export function changeOf(name: string, found: LoadBalancer | undefined, want: LoadBalancer, owner: Owner): Change {
  if (!found) return 'create';
  refuseUnlessOwned(readMark(found.tags), owner, `load balancer ${name}`, 'delete it, or give the LoadBalancer another name');
  refuseTypeChange(name, found, want);
  return loadBalancerDiffers(found, want) ? 'update' : 'keep';
}

/** The instances in a backend pool, by scale set: its backendIPConfigurations name each instance's NIC ip configuration. */
export function poolMembers(lb: LoadBalancer): Map<string, Set<string>> {
  const pool = lb.backendAddressPools?.find((p) => p.name === lbParts.pool);
  const out = new Map<string, Set<string>>();
  for (const ip of pool?.backendIPConfigurations ?? []) {
    const member = scaleSetOfIpConfiguration(ip.id);
    if (!member) continue;
    out.set(member.scaleSet, (out.get(member.scaleSet) ?? new Set<string>()).add(member.instanceId));
  }
  return out;
}

/** The private address of an internal load balancer's frontend. */
export const privateAddressOf = (lb: LoadBalancer): string | undefined =>
  lb.frontendIPConfigurations?.find((f) => f.name === lbParts.frontend)?.privateIPAddress ?? undefined;
