// SecurityGroups on GCE: firewall rules on the location's network (default: default) targeting the
// SecurityGroup's network tag, marked as its own (firewall-plan.ts says which). Upserts make the
// missing rules before deleting those no longer wanted, so a pass never drops traffic a kept rule
// allows. A firewall of these names that is not this object's is never modified or deleted.
import { isProviderError } from '../errors.ts';
import type { Location, ProviderAccount, SecurityGroupProvider } from '../interfaces.ts';
import { callOptions, regionOf, type GceClientPool, type GceClients } from './clients.ts';
import { gce, gceOrAbsent } from './errors.ts';
import { isMadeFor, readMark, refuseUnlessOwned } from './marks.ts';
import { run } from './operations.ts';
import { anchorName, desiredFirewalls, firewallOf, planFirewalls, type Firewall } from './firewall-plan.ts';
import { networkPath } from './template.ts';

const kind = 'SecurityGroup';
const fix = `delete it, or give the ${kind} another name`;

const getFirewall = (c: GceClients, name: string) => gceOrAbsent(`firewall ${name}`,
  async () => (await c.get('firewalls')).get({ project: c.project, firewall: name }, callOptions)).then((r) => r?.[0]);

/** The firewalls made for the SecurityGroup of namespace and name, the anchor included. */
async function firewallsOf(c: GceClients, namespace: string, name: string): Promise<Firewall[]> {
  const [all] = await gce(`the firewalls of ${kind} ${name}`, async () => (await c.get('firewalls')).list({ project: c.project }, callOptions));
  return all.filter((f) => isMadeFor(readMark(f.description), kind, namespace, name));
}

async function insertFirewall(c: GceClients, body: Firewall, owner: Parameters<typeof refuseUnlessOwned>[1]): Promise<void> {
  try {
    await run(c, `creating firewall ${body.name}`, async () => (await c.get('firewalls')).insert({ project: c.project, firewallResource: body }, callOptions));
  } catch (err) {
    if (!isProviderError(err, 'Conflict')) throw err;
    // Made meanwhile (another pass), or someone else's of that name.
    refuseUnlessOwned(readMark((await getFirewall(c, body.name!))?.description), owner, `firewall ${body.name}`, fix);
  }
}

/** The firewall rules of SecurityGroups. */
export function gceSecurityGroups(pool: GceClientPool): SecurityGroupProvider {
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));
  return {
    async describe(a, l, name) {
      const c = await clients(a, l);
      const mine = await firewallsOf(c, a.namespace, name);
      const anchor = mine.find((f) => f.name === anchorName(name));
      if (!anchor) return undefined;
      return { name, providerId: anchor.selfLink ?? anchor.name!, ingressRules: mine.length - 1 };
    },

    async upsert(a, l, name, spec, owner) {
      const c = await clients(a, l);
      const network = networkPath(c.project, l.network);
      const desired = desiredFirewalls(name, spec, a.namespace);
      const anchorBody = firewallOf(name, undefined, spec, owner, network);
      const anchor = await getFirewall(c, anchorBody.name!);
      if (anchor) refuseUnlessOwned(readMark(anchor.description), owner, `firewall ${anchorBody.name}`, fix);
      else await insertFirewall(c, anchorBody, owner);
      const mine = (await firewallsOf(c, a.namespace, name)).filter((f) => f.name !== anchorBody.name);
      const plan = planFirewalls(desired, mine);
      // Someone else's firewall of a planned name is refused before anything changes.
      for (const r of plan.create) {
        const found = await getFirewall(c, r.name);
        if (found) refuseUnlessOwned(readMark(found.description), owner, `firewall ${r.name}`, fix);
      }
      for (const r of plan.create) await insertFirewall(c, firewallOf(name, r, spec, owner, network), owner);
      for (const n of plan.remove) {
        await run(c, `deleting firewall ${n}`, async () => (await c.get('firewalls')).delete({ project: c.project, firewall: n }, callOptions))
          .catch((err: unknown) => { if (!isProviderError(err, 'NotFound')) throw err; });
      }
      const made = (await getFirewall(c, anchorBody.name!))!;
      return { name, providerId: made.selfLink ?? made.name!, ingressRules: desired.length };
    },

    /** Deletes the firewalls made for this SecurityGroup (rules first, the anchor last); others' are left. */
    async delete(a, l, name) {
      const c = await clients(a, l);
      const mine = (await firewallsOf(c, a.namespace, name)).sort((x, y) => Number(x.name === anchorName(name)) - Number(y.name === anchorName(name)));
      for (const f of mine) {
        await run(c, `deleting firewall ${f.name}`, async () => (await c.get('firewalls')).delete({ project: c.project, firewall: f.name! }, callOptions))
          .catch((err: unknown) => { if (!isProviderError(err, 'NotFound')) throw err; });
      }
    },
  };
}
