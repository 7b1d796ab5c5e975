// GCE clients, one set per account and region, made on first use and reused. Loading the compute
// package costs about 200 MB and two seconds, so only the clients used are imported, each from its
// own module, and only when a GCE account first calls (an operator without GCE accounts pays
// nothing). Credentials come from the Account's Secret (a service-account JSON key, signed into
// self-signed JWTs as Google's client libraries do, so no token endpoint is called) or application
// default credentials. spec.gce.endpoint (an emulator, a private endpoint) replaces host, port and
// protocol. A rotated Secret or a changed Account gives new clients from the next call on.
import type { AuthClient } from 'google-auth-library';
import type { BackendServicesClient } from '@google-cloud/compute/build/src/v1/backend_services_client.js';
import type { FirewallsClient } from '@google-cloud/compute/build/src/v1/firewalls_client.js';
import type { GlobalForwardingRulesClient } from '@google-cloud/compute/build/src/v1/global_forwarding_rules_client.js';
import type { GlobalOperationsClient } from '@google-cloud/compute/build/src/v1/global_operations_client.js';
import type { HealthChecksClient } from '@google-cloud/compute/build/src/v1/health_checks_client.js';
import type { InstanceGroupManagersClient } from '@google-cloud/compute/build/src/v1/instance_group_managers_client.js';
import type { InstanceTemplatesClient } from '@google-cloud/compute/build/src/v1/instance_templates_client.js';
import type { ProjectsClient } from '@google-cloud/compute/build/src/v1/projects_client.js';
import type { RegionInstanceGroupManagersClient } from '@google-cloud/compute/build/src/v1/region_instance_group_managers_client.js';
import type { RegionOperationsClient } from '@google-cloud/compute/build/src/v1/region_operations_client.js';
import type { TargetTcpProxiesClient } from '@google-cloud/compute/build/src/v1/target_tcp_proxies_client.js';
import type { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import { ClientPool } from '../client-pool.ts';
import { CredentialsResolver } from '../credentials.ts';
import { invalid } from '../errors.ts';
import type { Location, ProviderAccount } from '../interfaces.ts';

/** The clients a set offers, by the name call sites use. */
export interface GceClientTypes {
  projects: ProjectsClient;
  templates: InstanceTemplatesClient;
  groups: InstanceGroupManagersClient;
  regionGroups: RegionInstanceGroupManagersClient;
  zoneOps: ZoneOperationsClient;
  regionOps: RegionOperationsClient;
  globalOps: GlobalOperationsClient;
  backends: BackendServicesClient;
  healthChecks: HealthChecksClient;
  firewalls: FirewallsClient;
  forwardingRules: GlobalForwardingRulesClient;
  tcpProxies: TargetTcpProxiesClient;
}
export type GceClientName = keyof GceClientTypes;

/** The module and class of each client: imported on first use only. */
const modules: Record<GceClientName, [string, string]> = {
  projects: ['projects_client.js', 'ProjectsClient'],
  templates: ['instance_templates_client.js', 'InstanceTemplatesClient'],
  groups: ['instance_group_managers_client.js', 'InstanceGroupManagersClient'],
  regionGroups: ['region_instance_group_managers_client.js', 'RegionInstanceGroupManagersClient'],
  zoneOps: ['zone_operations_client.js', 'ZoneOperationsClient'],
  regionOps: ['region_operations_client.js', 'RegionOperationsClient'],
  globalOps: ['global_operations_client.js', 'GlobalOperationsClient'],
  backends: ['backend_services_client.js', 'BackendServicesClient'],
  healthChecks: ['health_checks_client.js', 'HealthChecksClient'],
  firewalls: ['firewalls_client.js', 'FirewallsClient'],
  forwardingRules: ['global_forwarding_rules_client.js', 'GlobalForwardingRulesClient'],
  tcpProxies: ['target_tcp_proxies_client.js', 'TargetTcpProxiesClient'],
};

type ClientClass = new (options: Record<string, unknown>) => { close(): Promise<void> };
const loaded = new Map<GceClientName, Promise<ClientClass>>();

function load(name: GceClientName): Promise<ClientClass> {
  let p = loaded.get(name);
  if (!p) {
    const [file, cls] = modules[name];
    p = import(`@google-cloud/compute/build/src/v1/${file}`).then((m: Record<string, unknown>) =>
      (m[cls] ?? (m.default as Record<string, unknown>)[cls]) as ClientClass);
    loaded.set(name, p);
  }
  return p;
}

/** Every call's deadline: gax would otherwise retry a GET that gets no answer for ten minutes. */
export const callOptions = { timeout: 30_000 } as const;

export interface GceClients {
  project: string;
  region: string;
  /** The namespace of the Account: what these clients find by name is its objects'. */
  namespace: string;
  /** The client of that name, made on first use. */
  get<K extends GceClientName>(name: K): Promise<GceClientTypes[K]>;
  destroy(): void;
}

/** The region an operation acts in: the location's, else the Account's only one; Invalid, naming the field, when neither says. */
export function regionOf(account: ProviderAccount, location: Location): string {
  const allowed = account.spec.gce?.regions ?? [];
  const region = location.region ?? (allowed.length === 1 ? allowed[0] : undefined);
  if (!region) {
    throw invalid(`Account "${account.name}" ${allowed.length ? `has several regions (${allowed.join(', ')})` : 'names no region'}; `
      + 'set spec.location.region to the region to deploy to');
  }
  if (allowed.length && !allowed.includes(region)) {
    throw invalid(`region "${region}" (spec.location.region) is not one of Account "${account.name}"'s regions (${allowed.join(', ')}); `
      + 'use one of those, or add it to the Account\'s spec.gce.regions');
  }
  return region;
}

/** Host, port and protocol of spec.gce.endpoint. */
export function endpointOptions(endpoint: string | undefined): Record<string, unknown> {
  if (!endpoint) return {};
  const url = new URL(endpoint);
  const protocol = url.protocol.replace(/:$/, '');
  return { apiEndpoint: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
}

interface ServiceAccountKey { client_email: string; private_key: string; private_key_id?: string; project_id?: string }

/** A service-account JSON key, checked for the fields a JWT needs. */
export function parseServiceAccountKey(value: Buffer): ServiceAccountKey {
  const key = JSON.parse(value.toString('utf8')) as Partial<ServiceAccountKey> & { type?: string };
  if (key.type !== undefined && key.type !== 'service_account') throw new Error(`its type is "${key.type}", not "service_account"`);
  if (!key.client_email || !key.private_key) throw new Error('it has no client_email or private_key');
  return key as ServiceAccountKey;
}

/**
 * Has a 429 reject with its response, so its Retry-After reaches errors.ts: gax decodes a 429's body
 * into an error and drops its headers, but keeps a rejected response as the error's cause.
 */
function keepThrottledResponses(auth: AuthClient): AuthClient {
  const fetch = auth.fetch.bind(auth);
  auth.fetch = (async (...args: Parameters<AuthClient['fetch']>) => {
    const res = await fetch(...args);
    if (res.status !== 429) return res;
    const text = await res.text().catch(() => '');
    throw Object.assign(new Error(text || `Request failed with status code 429`), { status: 429, response: { status: 429, headers: res.headers, data: text } });
  }) as AuthClient['fetch'];
  return auth;
}

export class GceClientPool {
  private readonly credentials: CredentialsResolver;
  private readonly pool = new ClientPool<GceClients>();

  constructor(credentials: CredentialsResolver) {
    this.credentials = credentials;
  }

  /** The clients of account in region. */
  async for(account: ProviderAccount, region: string): Promise<GceClients> {
    const spec = account.spec.gce;
    if (!spec) throw invalid(`Account "${account.name}": provider gce needs spec.gce`);
    const key = await this.keyOf(account);
    return this.pool.get(account, region, { project: spec.project, endpoint: spec.endpoint }, key, () => this.make(account, region, key));
  }

  /** Drops every client (the operator is stopping). */
  close(): void {
    this.pool.close();
  }

  /** The Secret's key, or undefined for application default credentials. */
  private async keyOf(account: ProviderAccount): Promise<ServiceAccountKey | undefined> {
    const ref = account.spec.gce?.credentialsSecretRef;
    if (!ref) return undefined;
    return this.credentials.resolve(account, { secretRef: ref, field: 'spec.gce.credentialsSecretRef', defaultKey: 'credentials.json',
      holds: 'a service-account JSON key' }, (value) => ({ value: parseServiceAccountKey(value) }));
  }

  private make(account: ProviderAccount, region: string, key: ServiceAccountKey | undefined): GceClients {
    const spec = account.spec.gce!;
    let auth: Promise<AuthClient> | undefined;
    const authOf = () => auth ??= (async () => {
      const lib = await import('google-auth-library');
      if (key) {
        const jwt = new lib.JWT({ email: key.client_email, key: key.private_key, ...(key.private_key_id ? { keyId: key.private_key_id } : {}) });
        // The audience of its self-signed tokens: the API's, whatever host the calls go to.
        jwt.defaultServicePath = 'compute.googleapis.com';
        return keepThrottledResponses(jwt);
      }
      try {
        return keepThrottledResponses(await new lib.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/compute'] }).getClient() as AuthClient);
      } catch (err) {
        throw invalid(`Account "${account.name}" names no credentials (spec.gce.credentialsSecretRef), and the operator has no application default credentials: `
          + `${(err as Error).message}; name a Secret with a service-account JSON key, or give the operator an identity (Workload Identity, GOOGLE_APPLICATION_CREDENTIALS)`);
      }
    })().catch((err: unknown) => { auth = undefined; throw err; });
    const made = new Map<GceClientName, Promise<{ close(): Promise<void> }>>();
    return {
      project: spec.project, region, namespace: account.namespace,
      get: <K extends GceClientName>(name: K) => {
        let client = made.get(name);
        if (!client) {
          client = (async () => {
            const [Client, authClient] = await Promise.all([load(name), authOf()]);
            return new Client({ projectId: spec.project, authClient, ...endpointOptions(spec.endpoint) });
          })().catch((err: unknown) => { made.delete(name); throw err; });
          made.set(name, client);
        }
        return client as Promise<GceClientTypes[K]>;
      },
      destroy: () => {
        for (const c of made.values()) void c.then((client) => client.close()).catch(() => undefined);
      },
    };
  }
}
