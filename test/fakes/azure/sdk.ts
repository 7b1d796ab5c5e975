// The real Azure SDK clients pointed at a FakeAzure, for tests of the fake itself (the provider makes
// its own), and the one step an in-process client needs: trusting the fake's CA. A process started by
// a test trusts it with NODE_EXTRA_CA_CERTS=<caCertPath> instead.
import tls from 'node:tls';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ClientSecretCredential } from '@azure/identity';

const trusted = new Set<string>();

/** Adds the fake's CA to the certificates every TLS client of this process trusts by default (Node 24). */
export function trustFakeCa(caCert: string): void {
  if (trusted.has(caCert)) return;
  trusted.add(caCert);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), caCert]);
}

export interface SdkPrincipal { subscriptionId: string; tenantId: string; clientId: string; clientSecret: string; authorityHost: string }

export interface SdkOptions {
  /** Retries of the SDK's pipeline (429 with Retry-After, 5xx, socket errors); default the SDK's own (3). */
  maxRetries?: number;
}

/** A ClientSecretCredential against the fake's token service, as the provider makes one. */
export function fakeCredential(p: Omit<SdkPrincipal, 'subscriptionId'>): ClientSecretCredential {
  return new ClientSecretCredential(p.tenantId, p.clientId, p.clientSecret, { authorityHost: p.authorityHost, disableInstanceDiscovery: true });
}

/** The compute and network clients against the fake at `endpoint`, with a credential from its token service. */
export function sdkClients(endpoint: string, p: SdkPrincipal, o: SdkOptions = {}) {
  const credential = fakeCredential(p);
  // The SDKs ask for the public cloud's scope unless told; the fake, like a sovereign cloud, takes only tokens for its own endpoint.
  const options = { endpoint, credentials: { scopes: [`${new URL(endpoint).origin}/.default`] }, ...(o.maxRetries !== undefined ? { retryOptions: { maxRetries: o.maxRetries } } : {}) };
  return {
    credential,
    compute: new ComputeManagementClient(credential, p.subscriptionId, options),
    network: new NetworkManagementClient(credential, p.subscriptionId, options),
  };
}

export type SdkClients = ReturnType<typeof sdkClients>;

/** Poll options that keep an LRO fast against the fake (core-lro waits 2 s between polls when told Retry-After: 0). */
export const fastPolling = { updateIntervalInMs: 5 } as const;
