// The backend services of LoadBalancers, as the server groups see them: those Staysail made for a
// LoadBalancer of the namespace (found by their mark, never by name alone), adding or removing an
// instance group as a backend (with the service's fingerprint, so a change made meanwhile is not
// lost: a stale fingerprint is read again), and how an instance group's instances stand in each.
// Only backend services Staysail made are ever changed.
import type { google } from '@google-cloud/compute/build/protos/protos.js';
import { callOptions, type GceClients } from './clients.ts';
import { gce, gceOrAbsent, isStaleFingerprint } from './errors.ts';
import { isMadeFor, readMark } from './marks.ts';
import { resourcePath } from './mig-describe.ts';
import { run } from './operations.ts';

export type BackendService = google.cloud.compute.v1.IBackendService;

/** Every backend service Staysail made for a LoadBalancer of the namespace of c. */
export async function ourBackendServices(c: GceClients): Promise<BackendService[]> {
  const [all] = await gce('listing backend services', async () => (await c.get('backends')).list({ project: c.project }, callOptions));
  return all.filter((b) => readMark(b.description)?.owner.startsWith(`LoadBalancer/${c.namespace}/`));
}

/** The backend services of each LoadBalancer named (those made for it in this namespace), by LoadBalancer. */
export async function backendServicesOf(c: GceClients, loadBalancers: readonly string[]): Promise<Map<string, BackendService[]>> {
  const ours = loadBalancers.length ? await ourBackendServices(c) : [];
  return new Map(loadBalancers.map((lb) => [lb, ours.filter((b) => isMadeFor(readMark(b.description), 'LoadBalancer', c.namespace, lb))]));
}

/** Whether the instance group (a URL) is a backend of the service. */
export const hasBackend = (b: BackendService, group: string): boolean =>
  (b.backends ?? []).some((x) => resourcePath(x.group) === resourcePath(group));

/** Makes group a backend of b (join) or not (leave), reading b again when someone changed it meanwhile. */
export async function setBackend(c: GceClients, b: BackendService, group: string, join: boolean, what: string): Promise<void> {
  let current: BackendService | undefined = b;
  for (let attempt = 0; current; attempt++) {
    if (hasBackend(current, group) === join) return;
    const backends = join
      ? [...(current.backends ?? []), { group, balancingMode: 'UTILIZATION', capacityScaler: 1 }]
      : (current.backends ?? []).filter((x) => resourcePath(x.group) !== resourcePath(group));
    const name: string = current.name!;
    const body: BackendService = { ...current, backends };
    try {
      // update (PUT) rather than patch: a patch cannot empty the list, as an empty repeated field is left out of the request.
      await run(c, `${what}: ${join ? 'adding it to' : 'removing it from'} backend service ${name}`, async () => (await c.get('backends')).update({
        project: c.project, backendService: name, backendServiceResource: body,
      }, callOptions));
      return;
    } catch (err) {
      // conditionNotMet: the fingerprint is stale; read the service again and redo the change on it.
      if (!isStaleFingerprint(err) || attempt >= 2) throw err;
      const again = await gceOrAbsent(`backend service ${name}`, async () => (await c.get('backends')).get({ project: c.project, backendService: name }, callOptions));
      current = again?.[0];
    }
  }
}

/** The health of group's instances in b: instance path -> health state (HEALTHY, UNHEALTHY, ...). */
export async function healthIn(c: GceClients, b: BackendService, group: string): Promise<Map<string, string>> {
  // Compute refuses getHealth (400) for a group that is not a backend of the service: none of its instances are healthy there.
  if (!hasBackend(b, group)) return new Map();
  const out = await gceOrAbsent(`the health of instance group ${group.split('/').pop()} in backend service ${b.name}`,
    async () => (await c.get('backends')).getHealth({ project: c.project, backendService: b.name!, resourceGroupReferenceResource: { group } }, callOptions));
  return new Map((out?.[0]?.healthStatus ?? []).filter((h) => h.instance).map((h) => [resourcePath(h.instance), h.healthState ?? '']));
}
