// SecurityGroups on Azure (nsg-plan.ts says what each is): an application security group and a
// network security group of the SecurityGroup's name in the Account's resource group, tagged as its
// own. The application security group comes first: the rules name it, and so may another
// SecurityGroup's rules, which wait for it (NotFound, tried again) until it is made; making one's own
// before waiting on another's means two SecurityGroups naming each other both get there. The network
// security group is put whole, and only when it differs: a kept rule keeps its name, so a change
// never drops traffic a kept rule allows. What is not this object's is never modified or deleted.
import type { ApplicationSecurityGroup, NetworkSecurityGroup } from '@azure/arm-network';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { isProviderError, notFound } from '../errors.ts';
import type { Location, Owner, ProviderAccount, SecurityGroupProvider } from '../interfaces.ts';
import { regionOf, type AzureClientPool, type AzureClients } from './clients.ts';
import { azureOrAbsent } from './errors.ts';
import { asgId, nsgId } from './ids.ts';
import { isMadeFor, readMark, refuseUnlessOwned, tagsOf } from './marks.ts';
import { settle } from './operations.ts';
import {
  applicationSecurityGroupOf, ingressRuleCount, keepingTheirTags, networkSecurityGroupDiffers, planNetworkSecurityGroup, referencedGroups, refuseLongName, tagsDiffer,
} from './nsg-plan.ts';

const kind = 'SecurityGroup';
const fix = `delete it, or give the ${kind} another name`;
const ignoreNotFound = (err: unknown) => { if (!isProviderError(err, 'NotFound')) throw err; };

const getNsg = (c: AzureClients, name: string) =>
  azureOrAbsent(`reading network security group ${name}`, () => c.network.networkSecurityGroups.get(c.resourceGroup, name));
const getAsg = (c: AzureClients, name: string) =>
  azureOrAbsent(`reading application security group ${name}`, () => c.network.applicationSecurityGroups.get(c.resourceGroup, name));

/** Whether Staysail made it for the SecurityGroup of namespace and name (whatever its UID). */
const isOurs = (r: { tags?: Record<string, string> } | undefined, namespace: string, name: string): boolean =>
  !!r && isMadeFor(readMark(r.tags), kind, namespace, name);

/** NotFound unless each SecurityGroup the rules name has its application security group made by Staysail, for it. */
async function refuseMissingReferences(c: AzureClients, name: string, spec: SecurityGroupSpec): Promise<void> {
  const refs = referencedGroups(spec).filter((r) => r !== name);
  const found = await Promise.all(refs.map(async (r) => [r, await getAsg(c, r)] as const));
  const missing = found.filter(([r, asg]) => !isOurs(asg, c.namespace, r)).map(([r]) => `"${r}"`);
  if (missing.length) {
    throw notFound(`${kind} "${name}": its rules name SecurityGroup ${missing.join(', ')} (namespace ${c.namespace}), which has no application security group `
      + `of its own in resource group ${c.resourceGroup} yet; Staysail tries again once it has`);
  }
}

/** The application security group, made (or given back Staysail's tags) unless it is there as wanted. */
async function ensureAsg(c: AzureClients, name: string, owner: Owner, found: ApplicationSecurityGroup | undefined): Promise<void> {
  const want = applicationSecurityGroupOf(c.region, tagsOf(owner, name));
  if (found && !tagsDiffer(found, want.tags!)) return;
  await settle(`${found ? 'updating' : 'creating'} application security group ${name}`,
    () => c.network.applicationSecurityGroups.createOrUpdate(c.resourceGroup, name, keepingTheirTags(found, want)));
}

async function ensureNsg(c: AzureClients, name: string, want: NetworkSecurityGroup, found: NetworkSecurityGroup | undefined): Promise<NetworkSecurityGroup> {
  if (found && !networkSecurityGroupDiffers(found, want)) return found;
  return settle(`${found ? 'updating' : 'creating'} network security group ${name}`,
    () => c.network.networkSecurityGroups.createOrUpdate(c.resourceGroup, name, keepingTheirTags(found, want)));
}

/** The network and application security groups of SecurityGroups. */
export function azureSecurityGroups(pool: AzureClientPool): SecurityGroupProvider {
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));
  return {
    async describe(a, l, name) {
      const c = await clients(a, l);
      const nsg = await getNsg(c, name);
      if (!isOurs(nsg, a.namespace, name)) return undefined;
      return { name, providerId: nsg!.id ?? nsgId(c, name), ingressRules: ingressRuleCount(nsg!) };
    },

    async upsert(a, l, name, spec, owner) {
      refuseLongName(name);
      const c = await clients(a, l);
      // Application security groups' IDs are known before they are made, so the whole plan is checked first.
      const want = planNetworkSecurityGroup({ name, spec, region: c.region, tags: tagsOf(owner, name), ownAsgId: asgId(c, name), asgIdOf: (r) => asgId(c, r) });
      const [asg, nsg] = await Promise.all([getAsg(c, name), getNsg(c, name)]);
      // Someone else's of either name is refused before anything changes.
      if (asg) refuseUnlessOwned(readMark(asg.tags), owner, `application security group ${name}`, fix);
      if (nsg) refuseUnlessOwned(readMark(nsg.tags), owner, `network security group ${name}`, fix);
      await ensureAsg(c, name, owner, asg);
      await refuseMissingReferences(c, name, spec);
      const made = await ensureNsg(c, name, want, nsg);
      return { name, providerId: made.id ?? nsgId(c, name), ingressRules: ingressRuleCount(want) };
    },

    /**
     * Deletes the network security group, then the application security group, each only when made
     * for this SecurityGroup. Azure refuses while a scale set's model names either, or another
     * network security group's rule names the application security group (409): that error is
     * thrown, and the controller tries again.
     */
    async delete(a, l, name) {
      const c = await clients(a, l);
      const nsg = await getNsg(c, name);
      if (isOurs(nsg, a.namespace, name)) {
        await settle(`deleting network security group ${name} (Azure deletes it once no scale set's model names it)`,
          () => c.network.networkSecurityGroups.delete(c.resourceGroup, name)).catch(ignoreNotFound);
      }
      const asg = await getAsg(c, name);
      if (isOurs(asg, a.namespace, name)) {
        await settle(`deleting application security group ${name} (Azure deletes it once no scale set's model and no other rule names it)`,
          () => c.network.applicationSecurityGroups.delete(c.resourceGroup, name)).catch(ignoreNotFound);
      }
    },
  };
}
