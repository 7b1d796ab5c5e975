// What the GCE end-to-end suites share: a fake of Compute's REST API (test/fakes/gce) started on
// loopback for each suite, a namespace with the Account "gce" (endpoint: the fake; a Secret with a
// service-account JSON key), the Application "shop", the operator as a process, manifests of
// LoadBalancers, SecurityGroups and Clusters on that Account, and the fake read directly (its state
// and the real SDK against it): what a test asserts is what Compute holds.
import { closeClients, sdkClients, type SdkClients } from '../../fakes/gce/sdk.ts';
import { FakeGce } from '../../fakes/gce/server.ts';
import { gceTemplate, project, region, serviceAccountKey, zone } from '../../support/gce-world.ts';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import { api, inNamespace } from '../../support/runs.ts';
import { clusterRollouts, type ClusterRollouts } from './cloud-suite.ts';

export { project, region, zone };

const location = { region };
/** One zone: the Cluster's server groups are zonal managed instance groups (no zone, or several, would make them regional). */
const clusterLocation = { region, zones: [zone] };

/** An external LoadBalancer on the Account: port 80 to the instances' 8080. */
export const loadBalancer = (name: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'gce' }, location, type: 'external', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });

/** A SecurityGroup on the Account: 8080 from the default network's range. */
export const securityGroup = (name: string) => ({ apiVersion: api, kind: 'SecurityGroup', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'gce' }, location, description: `instances of ${name}`,
    ingress: [{ from: { cidr: '10.128.0.0/9' }, protocol: 'tcp', ports: { from: 8080 } }] } });

export interface ClusterOptions { strategy?: object; capacity?: { min: number; max: number; desired: number }; extra?: object;
  /** spec.location; default the region and one zone of it. */
  location?: { region: string; zones?: string[] } }

/** Cluster shop-<stack> on the Account (in one zone unless told), behind lb-<stack> and in fw-<stack>. */
export function cluster(stack: string, version: string, o: ClusterOptions = {}) {
  return { apiVersion: api, kind: 'Cluster', metadata: { name: `shop-${stack}` },
    spec: { moniker: { app: 'shop', stack }, accountRef: { name: 'gce' }, location: o.location ?? clusterLocation, capacity: o.capacity ?? { min: 1, max: 4, desired: 2 },
      loadBalancerRefs: [{ name: `lb-${stack}` }], securityGroupRefs: [{ name: `fw-${stack}` }],
      template: gceTemplate(version), strategy: o.strategy ?? { type: 'redblack' }, ...o.extra } };
}

type Json = Record<string, unknown>;

/** A managed instance group as the fake holds it; region set for a regional one. */
export interface Group { name: string; id: string; instanceGroup: string; targetSize: number; template: string; description: string; region?: string }

/** Compute as the fake holds it, and as the real SDK reads it. */
export class GceView {
  readonly fake: FakeGce;
  readonly sdk: SdkClients;

  constructor(fake: FakeGce) {
    this.fake = fake;
    this.sdk = sdkClients(fake);
  }

  /** Every managed instance group, zonal or regional, by name. */
  groups(): Group[] {
    return Object.values(this.fake.state('instanceGroupManagers')).map((g) => ({ name: String(g.name), id: String(g.id),
      instanceGroup: String(g.instanceGroup), targetSize: Number(g.targetSize), template: String(g.instanceTemplate), description: String(g.description ?? ''),
      ...(g.region ? { region: String(g.region).split('/').pop()! } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The groups of a cluster (its name followed by a version), by name. */
  groupsOf(cluster: string): Group[] { return this.groups().filter((g) => new RegExp(`^${cluster}-v\\d{3,}$`).test(g.name)); }

  group(name: string): Group | undefined { return this.groups().find((g) => g.name === name); }

  /** The names of the instance templates beginning with prefix. */
  templates(prefix = ''): string[] {
    return Object.values(this.fake.state('instanceTemplates')).map((t) => String(t.name)).filter((n) => n.startsWith(prefix)).sort();
  }

  /** The names of the instance groups that are backends of the global backend service. */
  backendsOf(service: string): string[] {
    const bs = this.fake.state('backendServices')[`projects/${project}/global/backendServices/${service}`];
    return ((bs?.backends ?? []) as Json[]).map((b) => String(b.group).split('/').pop()!).sort();
  }

  /** The running instances of a group, as listManagedInstances of its zone or (a regional group) region answers them. */
  async runningInstances(group: string): Promise<string[]> {
    return (await this.running(group)).map((i) => i.split('/').pop()!).sort();
  }

  /** The zones the running instances of a group are in, one an instance, sorted. */
  async runningZones(group: string): Promise<string[]> {
    return (await this.running(group)).map((i) => i.split('/')[8]!).sort();
  }

  private async running(group: string): Promise<string[]> {
    const regional = this.group(group)?.region;
    const [out] = regional
      ? await this.sdk.regionGroups.listManagedInstances({ project, region: regional, instanceGroupManager: group })
      : await this.sdk.groups.listManagedInstances({ project, zone, instanceGroupManager: group });
    return out.filter((i) => i.instanceStatus === 'RUNNING').map((i) => i.instance!);
  }

  /**
   * The HEALTHY instances of each backend of the service, by instance group, read through the SDK
   * (backendServices.get, then getHealth per backend). A backend that leaves between the two reads
   * (Compute answers 400 for a group it does not serve) has the whole sample taken again.
   */
  async healthyBackends(service: string): Promise<Record<string, string[]>> {
    for (let attempt = 0; ; attempt++) {
      const [bs] = await this.sdk.backends.get({ project, backendService: service });
      try {
        const entries = await Promise.all((bs.backends ?? []).map(async (b) => {
          const [h] = await this.sdk.backends.getHealth({ project, backendService: service, resourceGroupReferenceResource: { group: b.group! } });
          const healthy = (h.healthStatus ?? []).filter((s) => s.healthState === 'HEALTHY').map((s) => s.instance!.split('/').pop()!).sort();
          return [b.group!.split('/').pop()!, healthy] as const;
        }));
        return Object.fromEntries(entries);
      } catch (err) {
        if ((err as { httpStatusCode?: number }).httpStatusCode !== 400 || attempt >= 5) throw err;
      }
    }
  }

  /**
   * Everything in the fake, as collection/name: after a fresh fake only Staysail makes anything, so
   * all of it is Staysail's.
   */
  leftovers(): string[] {
    return Object.keys(this.fake.state()).map((path) => path.split('/').slice(-2).join('/')).sort();
  }

  /** The last requests the fake got, one a line. */
  lastRequests(n = 12): string {
    return this.fake.requests.slice(-n).map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`).join('\n');
  }

  close(): Promise<void> { return closeClients(this.sdk); }
}

export type { ClusterState, Condition, RolloutStatus } from './cloud-suite.ts';

/** The suite's world, filled in by its before hook. */
export interface GceSuite extends ClusterRollouts {
  ns: string;
  fake: FakeGce;
  endpoint: string;
  view: GceView;
  k: (args: string[], input?: string) => Promise<string>;
  apply: (...docs: object[]) => Promise<string>;
  /** The operator started by the suite (undefined with operator: false). */
  operator: OperatorProcess | undefined;
}

/**
 * Mocha hooks for a GCE suite: a fake of Compute on loopback, a namespace with the Secret and
 * Account "gce" (endpoint: the fake) and the Application, and (unless operator is false) the
 * operator watching the namespace, with the Account Ready. Stopped and removed after.
 */
export function gceSuite(prefix: string, options: { operator?: boolean } = {}): GceSuite {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  const { k, apply } = inNamespace(ns);
  const suite = { ns, k, apply, operator: undefined } as GceSuite;

  Object.assign(suite, clusterRollouts(ns, k, () => suite.operator, () => `last requests to the fake:\n${suite.view?.lastRequests() ?? ''}`));

  before(async function () {
    this.timeout(120_000);
    suite.fake = new FakeGce({ projects: [project] });
    suite.endpoint = await suite.fake.start();
    suite.view = new GceView(suite.fake);
    await createNamespace(ns);
    await k(['create', 'secret', 'generic', 'gce', `--from-literal=credentials.json=${serviceAccountKey()}`]);
    await apply({ apiVersion: api, kind: 'Account', metadata: { name: 'gce' },
      spec: { provider: 'gce', gce: { project, regions: [region], endpoint: suite.endpoint, credentialsSecretRef: { name: 'gce' } } } },
    { apiVersion: api, kind: 'Application', metadata: { name: 'shop' }, spec: { cloudProviders: ['gce'] } });
    if (options.operator !== false) {
      suite.operator = await operatorIn(ns);
      await k(['wait', '--for=condition=Ready', '--timeout=30s', 'account/gce']);
    }
  });
  after(async function () {
    this.timeout(60_000);
    await removeNamespace(ns, suite.operator);
    await suite.view?.close();
    await suite.fake?.stop();
  });
  return suite;
}
