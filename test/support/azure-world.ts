// What the Azure suites share: the fake of Resource Manager and Microsoft Entra (one per run, reset
// for each world), its CA trusted by this process (the SDKs speak only https), an Account in a fresh
// namespace whose credentials are a real Secret holding a service principal's clientId and
// clientSecret (the fake's Entra checks them and issues the tokens its ARM accepts), a template, and
// owners that need not exist in Kubernetes (nothing on Azure is collected by owner reference).
import { randomUUID } from 'node:crypto';
import { apiVersion } from '../../src/api/v1alpha1/index.ts';
import { realClock } from '../../src/core/clock.ts';
import { KubeClient } from '../../src/core/kube-client.ts';
import { AzureProvider } from '../../src/providers/azure/provider.ts';
import type { CreateServerGroup, Location, Owner, ProviderAccount } from '../../src/providers/interfaces.ts';
import { waitFor } from '../cluster/probe.ts';
import type { ContractWorld } from '../contracts/server-groups.ts';
import { trustFakeCa } from '../fakes/azure/sdk.ts';
import { FakeAzure } from '../fakes/azure/server.ts';
import { freshNamespace, namespaces } from './provider-world.ts';
import { sharedCluster } from './setup.ts';

export const subscriptionId = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
export const tenantId = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
export const resourceGroup = 'staysail-rg';
export const region = 'westeurope';
export const subnet = 'staysail-vnet/default';
/** The service principal the fake's Entra knows, and the Secret "azure" holds. */
export const principal = { clientId: '3c6d1e2f-7a8b-4c9d-8e0f-1a2b3c4d5e6f', clientSecret: 'fake-secret-Value~0123456789' };

const secrets = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

export interface StartedFakeAzure { fake: FakeAzure; endpoint: string; authorityHost: string; caCertPath: string }

let fake: Promise<StartedFakeAzure> | undefined;

/** The run's fake, started on first use, its CA trusted by this process from then on. */
export function sharedFakeAzure(): Promise<StartedFakeAzure> {
  fake ??= (async () => {
    const f = new FakeAzure({ subscriptions: [subscriptionId], tenantId, resourceGroups: [resourceGroup], servicePrincipals: [principal], subnets: [subnet] });
    const { endpoint, authorityHost, caCert, caCertPath } = await f.start();
    trustFakeCa(caCert);
    return { fake: f, endpoint, authorityHost, caCertPath };
  })();
  return fake;
}

/** Stops the run's fake, if it was started. */
export async function stopFakeAzure(): Promise<void> {
  const f = fake;
  fake = undefined;
  if (f) await (await f).fake.stop();
}

/** A template the fake runs: version lands in a tag, so two versions are two templates. */
export const azureTemplate = (version: string): CreateServerGroup['template'] =>
  ({ azure: { image: 'Canonical:ubuntu-24_04-lts:server:latest', vmSize: 'Standard_B1s', tags: { version } } });

/** The Azure Account of a namespace, reaching the fake with the service principal of its Secret "azure". */
export const azureAccountSpec = (endpoint: string, authorityHost: string): ProviderAccount['spec'] => ({
  provider: 'azure', azure: { subscriptionId, tenantId, resourceGroup, regions: [region], endpoint, authorityHost, credentialsSecretRef: { name: 'azure' } },
});

/** Where the suites make things: the region, and the subnet server groups and internal load balancers go in. */
export const azureLocation: Location = { region, network: subnet };

/** A fresh namespace holding the Secret "azure" with the service principal (or the keys given). */
export async function azureNamespace(client: KubeClient, keys: Record<string, string> = principal): Promise<string> {
  const ns = await freshNamespace(client);
  await client.create(secrets, { metadata: { name: 'azure', namespace: ns }, stringData: keys } as never);
  return ns;
}

export interface AzureWorld extends ContractWorld {
  provider: AzureProvider;
  fake: FakeAzure;
  client: KubeClient;
}

/** A contract world on a freshly reset fake. */
export async function azureWorld(): Promise<AzureWorld> {
  const { fake: f, endpoint, authorityHost } = await sharedFakeAzure();
  f.reset();
  const client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
  const ns = await azureNamespace(client);
  const provider = new AzureProvider(client);
  const owners = new Map<string, Owner>();
  return {
    provider, fake: f, client,
    account: { name: 'azure', namespace: ns, spec: azureAccountSpec(endpoint, authorityHost) },
    location: azureLocation,
    template: azureTemplate,
    pause: (ms) => new Promise((r) => setTimeout(r, ms)),
    eventually: (check, what) => waitFor(check, 30_000, () => `never ${what}\nlast requests:\n${f.requests.slice(-10).map((r) => `${r.method} ${r.path} ${r.status}`).join('\n')}`, 200),
    owner: async (kind, name) => {
      const key = `${kind}/${name}`;
      if (!owners.has(key)) owners.set(key, { apiVersion, kind, namespace: ns, name, uid: randomUUID() });
      return owners.get(key)!;
    },
    cleanup: async () => {
      provider.close();
      await client.delete(namespaces, undefined, ns).catch(() => undefined);
    },
  };
}
