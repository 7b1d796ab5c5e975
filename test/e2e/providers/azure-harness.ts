// What the Azure end-to-end suites share: a fake of Resource Manager and Microsoft Entra
// (test/fakes/azure) started on loopback for each suite, its CA trusted by this process (the view's
// SDK clients) and by the operator (NODE_EXTRA_CA_CERTS, which Node reads at start); a namespace with
// the Account "azure" (endpoint and authorityHost: the fake; a Secret with a service principal's
// clientId and clientSecret), the Application "shop", the operator as a process; manifests of
// LoadBalancers, SecurityGroups and Clusters on that Account; and the fake read directly (its state,
// and the real SDK against it): what a test asserts is what Azure holds.
import type { VirtualMachineScaleSetVM } from '@azure/arm-compute';
import { sdkClients, trustFakeCa, type SdkClients } from '../../fakes/azure/sdk.ts';
import { FakeAzure, type RecordedRequest } from '../../fakes/azure/server.ts';
import { azureTemplate, principal, region, resourceGroup, subnet, subscriptionId, tenantId } from '../../support/azure-world.ts';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import { api, inNamespace } from '../../support/runs.ts';
import { clusterRollouts, type ClusterRollouts } from './cloud-suite.ts';

export { region, resourceGroup, subnet, subscriptionId };

/** The seeded virtual network's range (the fake gives its first one 10.0.0.0/16). */
export const vnetRange = '10.0.0.0/16';

const location = { region };
/** Where the Clusters' scale sets go: the region and the subnet the fake seeds. */
const clusterLocation = { region, network: subnet };

/** An external LoadBalancer on the Account: port 80 to the instances' 8080. */
export const loadBalancer = (name: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'azure' }, location, type: 'external', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });

/** A SecurityGroup on the Account: 8080 from the virtual network's range. */
export const securityGroup = (name: string) => ({ apiVersion: api, kind: 'SecurityGroup', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'azure' }, location, description: `instances of ${name}`,
    ingress: [{ from: { cidr: vnetRange }, protocol: 'tcp', ports: { from: 8080 } }] } });

export interface ClusterOptions { strategy?: object; capacity?: { min: number; max: number; desired: number }; extra?: object }

/** Cluster shop-<stack> on the Account, in the seeded subnet, behind lb-<stack> and in fw-<stack>. */
export function cluster(stack: string, version: string, o: ClusterOptions = {}) {
  return { apiVersion: api, kind: 'Cluster', metadata: { name: `shop-${stack}` },
    spec: { moniker: { app: 'shop', stack }, accountRef: { name: 'azure' }, location: clusterLocation, capacity: o.capacity ?? { min: 1, max: 4, desired: 2 },
      loadBalancerRefs: [{ name: `lb-${stack}` }], securityGroupRefs: [{ name: `fw-${stack}` }],
      template: azureTemplate(version), strategy: o.strategy ?? { type: 'redblack' }, ...o.extra } };
}

type Json = Record<string, unknown>;

const scaleSetType = 'Microsoft.Compute/virtualMachineScaleSets';
const rg = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers`;
export const ids = {
  scaleSet: (name: string) => `${rg}/${scaleSetType}/${name}`,
  loadBalancer: (name: string) => `${rg}/Microsoft.Network/loadBalancers/${name}`,
  pool: (lb: string) => `${rg}/Microsoft.Network/loadBalancers/${lb}/backendAddressPools/pool`,
  probe: (lb: string, port = 8080) => `${rg}/Microsoft.Network/loadBalancers/${lb}/probes/port-${port}`,
  publicIp: (name: string) => `${rg}/Microsoft.Network/publicIPAddresses/${name}`,
  nsg: (name: string) => `${rg}/Microsoft.Network/networkSecurityGroups/${name}`,
  asg: (name: string) => `${rg}/Microsoft.Network/applicationSecurityGroups/${name}`,
};

/** A scale set as the fake holds it: what a test reads of it. */
export interface ScaleSet { name: string; id: string; capacity: number; provisioningState: string; tags: Record<string, string>;
  /** Its NIC's network security group, its IP configuration's application security groups and backend pools, its health probe. */
  nsg?: string; asgs: string[]; pools: string[]; healthProbe?: string; uniqueId: string }

const nicOf = (ss: Json): Json | undefined => {
  const profile = (ss.properties as Json).virtualMachineProfile as Json | undefined;
  return (((profile?.networkProfile as Json | undefined)?.networkInterfaceConfigurations as Json[] | undefined) ?? [])[0];
};
const idsOf = (refs: unknown): string[] => ((refs as Json[] | undefined) ?? []).map((r) => String(r.id));

function scaleSetOf(body: Json): ScaleSet {
  const props = body.properties as Json;
  const nic = nicOf(body)?.properties as Json | undefined;
  const ip = ((nic?.ipConfigurations as Json[] | undefined) ?? [])[0]?.properties as Json | undefined;
  const probe = (((props.virtualMachineProfile as Json | undefined)?.networkProfile as Json | undefined)?.healthProbe as Json | undefined)?.id;
  const nsg = (nic?.networkSecurityGroup as Json | undefined)?.id;
  return { name: String(body.name), id: String(body.id), capacity: Number((body.sku as Json).capacity), provisioningState: String(props.provisioningState),
    tags: (body.tags ?? {}) as Record<string, string>, asgs: idsOf(ip?.applicationSecurityGroups), pools: idsOf(ip?.loadBalancerBackendAddressPools),
    uniqueId: String(props.uniqueId), ...(nsg ? { nsg: String(nsg) } : {}), ...(probe ? { healthProbe: String(probe) } : {}) };
}

/** The scale set and instance of a pool member's IP configuration (.../virtualMachineScaleSets/<name>/virtualMachines/<id>/networkInterfaces/...). */
const memberOf = (id: string): { scaleSet: string; instance: string } | undefined => {
  const m = /\/virtualMachineScaleSets\/([^/]+)\/virtualMachines\/([^/]+)\//i.exec(id);
  return m ? { scaleSet: m[1]!, instance: m[2]! } : undefined;
};

/** A pool's sample: the instances the probe reports healthy, by scale set. */
export type PoolSample = Record<string, string[]>;

/** Azure as the fake holds it, and as the real SDK reads it. */
export class AzureView {
  readonly fake: FakeAzure;
  readonly sdk: SdkClients;

  constructor(fake: FakeAzure, endpoint: string, authorityHost: string) {
    this.fake = fake;
    this.sdk = sdkClients(endpoint, { subscriptionId, tenantId, authorityHost, ...principal }, { maxRetries: 0 });
  }

  /** Every scale set, by name. */
  scaleSets(): ScaleSet[] {
    return this.fake.resources(scaleSetType).map((r) => scaleSetOf(r.body)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The scale sets of a cluster (its name followed by a version), by name. */
  scaleSetsOf(cluster: string): ScaleSet[] { return this.scaleSets().filter((s) => new RegExp(`^${cluster}-v\\d{3,}$`).test(s.name)); }

  scaleSet(name: string): ScaleSet | undefined { return this.scaleSets().find((s) => s.name === name); }

  /** The names of the resources of a type (e.g. Microsoft.Network/networkSecurityGroups). */
  names(type: string): string[] { return this.fake.resources(type).map((r) => String(r.body.name)).sort(); }

  /** A resource as its GET answers it. */
  resource(id: string): Json | undefined { return this.fake.resource(id); }

  /** The instances of a scale set, as virtualMachineScaleSetVMs.list with their instance views answers them. */
  async instances(scaleSet: string): Promise<VirtualMachineScaleSetVM[]> {
    const out: VirtualMachineScaleSetVM[] = [];
    for await (const vm of this.sdk.compute.virtualMachineScaleSetVMs.list(resourceGroup, scaleSet, { expand: 'instanceView' })) out.push(vm);
    return out;
  }

  /** The ids of a scale set's running instances, sorted. */
  async runningInstances(scaleSet: string): Promise<string[]> {
    return (await this.instances(scaleSet)).filter((vm) => vm.provisioningState === 'Succeeded'
      && (vm.instanceView?.statuses ?? []).some((s) => s.code === 'PowerState/running')).map((vm) => vm.instanceId!).sort();
  }

  /** The members of a load balancer's pool, read through the SDK (the pool's backendIPConfigurations), by scale set. */
  async poolMembers(lb: string): Promise<PoolSample> {
    const pool = await this.sdk.network.loadBalancerBackendAddressPools.get(resourceGroup, lb, 'pool');
    const out: PoolSample = {};
    for (const ip of pool.backendIPConfigurations ?? []) {
      const m = memberOf(ip.id ?? '');
      if (m) (out[m.scaleSet] ??= []).push(m.instance);
    }
    for (const v of Object.values(out)) v.sort();
    return out;
  }

  /**
   * The pool's members the probe reports healthy (the instance's vmHealth, as the scale set's health
   * probe reports it), by scale set: what the load balancer sends traffic to. A scale set deleted
   * between the two reads has none.
   */
  async healthyMembers(lb: string): Promise<PoolSample> {
    const members = await this.poolMembers(lb);
    const out: PoolSample = {};
    for (const [scaleSet, inPool] of Object.entries(members)) {
      const vms = await this.instances(scaleSet).catch((err: { statusCode?: number }) => { if (err.statusCode === 404) return []; throw err; });
      const healthy = vms.filter((vm) => inPool.includes(vm.instanceId!) && vm.instanceView?.vmHealth?.status?.code === 'HealthState/healthy')
        .map((vm) => vm.instanceId!).sort();
      if (healthy.length) out[scaleSet] = healthy;
    }
    return out;
  }

  /** Everything in the fake but the seeded virtual networks, as type/name: after a fresh fake only Staysail makes anything. */
  leftovers(): string[] {
    return this.fake.resources().filter((r) => !/\/virtualNetworks\//i.test(r.id))
      .map((r) => `${r.id.split('/').slice(-2, -1)[0]}/${r.id.split('/').pop()}`).sort();
  }

  /** The requests the fake answered, without the operations' polls and Entra's. */
  calls(filter: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] {
    return this.fake.requests.filter((r) => /\/resourceGroups\//i.test(r.path) && filter(r));
  }

  /** The last requests the fake got, one a line. */
  lastRequests(n = 14): string {
    return this.fake.requests.slice(-n).map((r) => `${r.method} ${r.path} ${r.status}`).join('\n');
  }
}

export type { ClusterState, Condition, RolloutStatus } from './cloud-suite.ts';

/** The suite's world, filled in by its before hook. */
export interface AzureSuite extends ClusterRollouts {
  ns: string;
  fake: FakeAzure;
  endpoint: string;
  view: AzureView;
  k: (args: string[], input?: string) => Promise<string>;
  apply: (...docs: object[]) => Promise<string>;
  /** The operator started by the suite (undefined with operator: false). */
  operator: OperatorProcess | undefined;
}

export interface AzureSuiteOptions {
  operator?: boolean;
  /**
   * Polls of a long-running operation that answer InProgress before it ends. The operator's SDK
   * waits 2 s between polls (the fake's Retry-After: 0 is read as no advice), so each one costs a
   * write 2 s; 0 (the default) ends an operation at its first poll, which the SDK makes at once.
   */
  inProgressPolls?: number;
}

/**
 * Mocha hooks for an Azure suite: a fake of Resource Manager and Entra on loopback, a namespace with
 * the Secret and Account "azure" (endpoint and authority: the fake) and the Application, and (unless
 * operator is false) the operator watching the namespace, with the Account Ready. Stopped and
 * removed after, the process's NODE_EXTRA_CA_CERTS given back.
 */
export function azureSuite(prefix: string, options: AzureSuiteOptions = {}): AzureSuite {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  const { k, apply } = inNamespace(ns);
  const suite = { ns, k, apply, operator: undefined } as AzureSuite;
  const before_ = process.env.NODE_EXTRA_CA_CERTS;

  Object.assign(suite, clusterRollouts(ns, k, () => suite.operator, () => `last requests to the fake:\n${suite.view?.lastRequests() ?? ''}`));

  before(async function () {
    this.timeout(120_000);
    suite.fake = new FakeAzure({ subscriptions: [subscriptionId], tenantId, resourceGroups: [resourceGroup], servicePrincipals: [principal], subnets: [subnet] });
    const started = await suite.fake.start();
    suite.fake.operations.timing = { ...suite.fake.operations.timing, inProgressPolls: options.inProgressPolls ?? 0 };
    suite.endpoint = started.endpoint;
    trustFakeCa(started.caCert);
    // Every operator this process starts from now on (they take its environment) trusts the fake's CA.
    process.env.NODE_EXTRA_CA_CERTS = started.caCertPath;
    suite.view = new AzureView(suite.fake, started.endpoint, started.authorityHost);
    await createNamespace(ns);
    await k(['create', 'secret', 'generic', 'azure', `--from-literal=clientId=${principal.clientId}`, `--from-literal=clientSecret=${principal.clientSecret}`]);
    await apply({ apiVersion: api, kind: 'Account', metadata: { name: 'azure' },
      spec: { provider: 'azure', azure: { subscriptionId, tenantId, resourceGroup, regions: [region], endpoint: started.endpoint,
        authorityHost: started.authorityHost, credentialsSecretRef: { name: 'azure' } } } },
    { apiVersion: api, kind: 'Application', metadata: { name: 'shop' }, spec: { cloudProviders: ['azure'] } });
    if (options.operator !== false) {
      suite.operator = await operatorIn(ns);
      await k(['wait', '--for=condition=Ready', '--timeout=30s', 'account/azure']).catch(async (err: Error) => {
        const status = await k(['get', 'account', 'azure', '-o', 'jsonpath={.status}']).catch((e: Error) => e.message);
        throw new Error(`${err.message}\naccount azure: ${status}\noperator: ${JSON.stringify(suite.operator?.lines.slice(-8))}\n`
          + `last requests to the fake:\n${suite.view.lastRequests()}`);
      });
    }
  });
  after(async function () {
    this.timeout(60_000);
    await removeNamespace(ns, suite.operator);
    if (before_ === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = before_;
    await suite.fake?.stop();
  });
  return suite;
}
