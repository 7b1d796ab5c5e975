// What a server group's scale set names on the network, found as Staysail made it: the backend pool
// and probe of each of its LoadBalancers, and the network and application security groups of its
// SecurityGroup, each only when made by Staysail for that object of the namespace (read from its
// tags, never by name alone: another namespace's LoadBalancer of the same name is not this one's).
import { notFound } from '../errors.ts';
import type { AzureClients } from './clients.ts';
import { azureOrAbsent } from './errors.ts';
import { lbParts } from './ids.ts';
import { isExternal } from './lb-plan.ts';
import { isMadeFor, readMark } from './marks.ts';

/** The backend pool of a LoadBalancer's load balancer, its first probe, and whether its frontend is public. */
export interface Traffic { pool: string; probe?: string; external?: boolean }

/** Each LoadBalancer's pool and probe, by name; undefined for one with no load balancer of Staysail's made for it. */
export async function trafficOf(c: AzureClients, what: string, loadBalancers: readonly string[]): Promise<Map<string, Traffic | undefined>> {
  const found = await Promise.all(loadBalancers.map(async (name) => {
    const lb = await azureOrAbsent(`${what}: reading load balancer ${name}`, () => c.network.loadBalancers.get(c.resourceGroup, name));
    if (!lb || !isMadeFor(readMark(lb.tags), 'LoadBalancer', c.namespace, name)) return [name, undefined] as const;
    const pool = (lb.backendAddressPools ?? []).find((p) => p.name === lbParts.pool)?.id;
    const probe = lb.probes?.[0]?.id;
    const external = isExternal(lb);
    return [name, pool ? { pool, ...(probe ? { probe } : {}), ...(external !== undefined ? { external } : {}) } : undefined] as const;
  }));
  return new Map(found);
}

/** The pools a scale set takes traffic from for these LoadBalancers, and the probe of the first that has one. */
export function poolsAndProbe(traffic: ReadonlyMap<string, Traffic | undefined>, loadBalancers: readonly string[]): { pools: string[]; probe?: string } {
  const joined = [...new Set(loadBalancers)].sort().map((n) => traffic.get(n)).filter((t): t is Traffic => !!t);
  const probe = joined.find((t) => t.probe)?.probe;
  return { pools: joined.map((t) => t.pool), ...(probe ? { probe } : {}) };
}

/** The network and application security groups of a SecurityGroup; NotFound while Staysail has not made them. */
export async function securityGroupIdsOf(c: AzureClients, what: string, name: string): Promise<{ nsgId: string; asgId: string }> {
  const [nsg, asg] = await Promise.all([
    azureOrAbsent(`${what}: reading network security group ${name}`, () => c.network.networkSecurityGroups.get(c.resourceGroup, name)),
    azureOrAbsent(`${what}: reading application security group ${name}`, () => c.network.applicationSecurityGroups.get(c.resourceGroup, name)),
  ]);
  const ours = (r: { tags?: Record<string, string> } | undefined) => !!r && isMadeFor(readMark(r.tags), 'SecurityGroup', c.namespace, name);
  if (!ours(nsg) || !ours(asg) || !nsg?.id || !asg?.id) {
    throw notFound(`${what}: SecurityGroup "${name}" (namespace ${c.namespace}) has no network security group and application security group `
      + `of its own in resource group ${c.resourceGroup} yet`);
  }
  return { nsgId: nsg.id, asgId: asg.id };
}
