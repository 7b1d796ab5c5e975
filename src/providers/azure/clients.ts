// Azure clients, one set per account and region, made on first use and reused. The compute, network
// and identity packages cost 20 to 40 MB each, so they are imported only when an Azure Account first
// calls (an operator without Azure Accounts pays nothing). Credentials come from the Account's Secret
// (a service principal's clientId and clientSecret, signed in through Microsoft Entra, or the
// authority spec.azure.authorityHost names) or the default chain (workload identity, managed
// identity, environment). spec.azure.endpoint (an emulator, a sovereign cloud) replaces Resource
// Manager's URL. A rotated Secret or a changed Account gives new clients from the next call on.
//
// The SDK's retry policies stay, bounded: a few retries with capped delays for server errors and
// socket errors, and a 429 or 503 retried only while its Retry-After is short, so that a persistent
// one reaches the controller as Throttled with the Retry-After Azure gave instead of holding the pass.
// Every error answer's body is kept beside its request: the SDKs drop ARM's target and details[]
// from a long-running call's first answer, and a paged list's message, and errors.ts reads them here.
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { ClientPool } from '../client-pool.ts';
import { CredentialsResolver } from '../credentials.ts';
import { invalid } from '../errors.ts';
import type { Location, ProviderAccount } from '../interfaces.ts';

type AzureSpec = NonNullable<ProviderAccount['spec']['azure']>;

/** The clients of one account in one region, and where they act. */
export interface AzureClients {
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
  subscriptionId: string;
  /** The Account's resource group: everything Staysail makes is made in it. */
  resourceGroup: string;
  region: string;
  /** The namespace of the Account: what these clients find by its tags is its objects'. */
  namespace: string;
  destroy(): void;
}

/** A service principal's secret, as the Account's Secret holds it. */
export interface ServicePrincipal { clientId: string; clientSecret: string }

/** How hard the SDK retries before the error reaches the controller (which retries on its own terms). */
export const retryBudget = { maxRetries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 4_000, maxThrottleWaitMs: 2_000 };

/** Every request's deadline, per attempt: a request that gets no answer would otherwise hang the pass. */
export const callTimeoutMs = 30_000;

/**
 * A 429 or 503 whose Retry-After is longer than the SDK may wait, or a 429 without one: thrown as is
 * (not a RestError, so no retry policy retries it). retryAfterMs is undefined when Azure gave no wait.
 */
export class ThrottledAnswer extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  constructor(code: string, message: string, retryAfterMs: number | undefined, statusCode = 429) {
    super(message);
    this.name = 'ThrottledAnswer';
    this.code = code;
    this.retryAfterMs = retryAfterMs;
    this.statusCode = statusCode;
  }
}

/** Milliseconds a throttled answer asks to wait (retry-after-ms, x-ms-retry-after-ms, Retry-After in seconds or a date). */
export function retryAfterMsOf(headers: { get(name: string): string | undefined | null } | undefined, now = Date.now()): number | undefined {
  for (const h of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = headers?.get(h);
    if (v && /^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v));
  }
  const v = headers?.get('retry-after')?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** ARM's error body: {error: {code, message, target?, details?[]}}. */
export interface ArmErrorBody { code?: string; message?: string; target?: string; details?: ArmErrorBody[] }

/** What an error answer's body says, read without consuming anything the SDK needs. */
function errorBodyOf(res: PipelineResponse): ArmErrorBody {
  try {
    const error = (JSON.parse(res.bodyAsText ?? '') as { error?: unknown }).error;
    return error && typeof error === 'object' ? error as ArmErrorBody : {};
  } catch {
    return {};
  }
}

/** The last error body each request was answered with (a request is the same object over its retries). */
const errorBodies = new WeakMap<PipelineRequest, ArmErrorBody>();

/** The error body Azure answered request with, when it answered one. */
export const armErrorOf = (request: PipelineRequest | undefined): ArmErrorBody | undefined => (request ? errorBodies.get(request) : undefined);

/**
 * Runs inside the SDK's retry loop, once per attempt: sets the attempt's deadline, keeps an error
 * answer's body, and lets a 429 or 503 through to the retry policy only when its wait is short; a
 * longer one (or a 429 that names none) ends the call at once.
 */
export const boundedCallPolicy: PipelinePolicy = {
  name: 'staysailBoundedCall',
  async sendRequest(request, next) {
    if (!request.timeout) request.timeout = callTimeoutMs;
    const res = await next(request);
    if (res.status < 400) return res;
    const body = errorBodyOf(res);
    errorBodies.set(request, body);
    if (res.status !== 429 && res.status !== 503) return res;
    const after = retryAfterMsOf(res.headers);
    // The SDK waits out any Retry-After of a 429 or 503: only a short one is left to it. A 503 without one is a server error, retried with back-off.
    if (after === undefined ? res.status === 503 : after <= retryBudget.maxThrottleWaitMs) return res;
    throw new ThrottledAnswer(body.code ?? (res.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable'),
      body.message ?? (res.status === 429 ? 'too many requests' : 'the service is unavailable'), after, res.status);
  },
};

/** The region an operation acts in: the location's, else the Account's only one; Invalid, naming the field, when neither says. */
export function regionOf(account: ProviderAccount, location: Location): string {
  const allowed = account.spec.azure?.regions ?? [];
  const region = location.region ?? (allowed.length === 1 ? allowed[0] : undefined);
  if (!region) {
    throw invalid(`Account "${account.name}" ${allowed.length ? `has several regions (${allowed.join(', ')})` : 'names no region'}; `
      + 'set spec.location.region to the Azure location to deploy to, e.g. westeurope');
  }
  if (allowed.length && !allowed.includes(region)) {
    throw invalid(`region "${region}" (spec.location.region) is not one of Account "${account.name}"'s regions (${allowed.join(', ')}); `
      + 'use one of those, or add it to the Account\'s spec.azure.regions');
  }
  return region;
}

/** A service principal from the Secret's keys: each must hold text, not only white space. */
export function parseServicePrincipal(data: Record<string, Buffer>): ServicePrincipal {
  const clientId = data.clientId?.toString('utf8').trim() ?? '';
  const clientSecret = data.clientSecret?.toString('utf8').trim() ?? '';
  if (!clientId) throw new Error('"clientId" is empty');
  if (!clientSecret) throw new Error('"clientSecret" is empty');
  return { clientId, clientSecret };
}

interface Sdk {
  compute: typeof import('@azure/arm-compute');
  network: typeof import('@azure/arm-network');
  identity: typeof import('@azure/identity');
}
let sdk: Promise<Sdk> | undefined;

/** The three packages, imported once, on the first Azure call. */
const loadSdk = (): Promise<Sdk> => sdk ??= Promise.all([import('@azure/arm-compute'), import('@azure/arm-network'), import('@azure/identity')])
  .then(([compute, network, identity]) => ({ compute, network, identity }))
  .catch((err: unknown) => { sdk = undefined; throw err; });

export class AzureClientPool {
  private readonly credentials: CredentialsResolver;
  private readonly pool = new ClientPool<AzureClients>();

  constructor(credentials: CredentialsResolver) {
    this.credentials = credentials;
  }

  /** The clients of account in region. */
  async for(account: ProviderAccount, region: string): Promise<AzureClients> {
    const spec = account.spec.azure;
    if (!spec) throw invalid(`Account "${account.name}": provider azure needs spec.azure`);
    const principal = await this.principalOf(account);
    const loaded = await loadSdk();
    const settings = { subscriptionId: spec.subscriptionId, tenantId: spec.tenantId, resourceGroup: spec.resourceGroup,
      endpoint: spec.endpoint, authorityHost: spec.authorityHost };
    return this.pool.get(account, region, settings, principal, () => make(loaded, account, region, principal));
  }

  /** Drops every client (the operator is stopping). */
  close(): void {
    this.pool.close();
  }

  /** The Secret's service principal, or undefined for the default chain. */
  private async principalOf(account: ProviderAccount): Promise<ServicePrincipal | undefined> {
    const ref = account.spec.azure?.credentialsSecretRef;
    if (!ref) return undefined;
    return this.credentials.resolveKeys(account, { secretRef: { name: ref.name }, field: 'spec.azure.credentialsSecretRef',
      required: ['clientId', 'clientSecret'], holds: 'a service principal\'s client ID and client secret' },
    (data) => ({ value: parseServicePrincipal(data) }));
  }
}

/** The identity options of an Account: its tenant, and the Entra authority it names, taken as given (no instance discovery). */
export function credentialOptionsOf(spec: AzureSpec): { tenantId: string; authorityHost?: string; disableInstanceDiscovery?: boolean } {
  // Instance discovery asks login.microsoftonline.com about the authority: another authority (a sovereign cloud, a stand-in) is taken as given.
  return { tenantId: spec.tenantId, ...(spec.authorityHost ? { authorityHost: spec.authorityHost, disableInstanceDiscovery: true } : {}) };
}

/** Where a credential came from: the Account's Secret, or the operator's own identity (the default chain). */
export type CredentialSource = 'secret' | 'default';

const credentialSources = new WeakMap<object, CredentialSource>();

/** Which credential threw err, when a credential did: errors.ts names the Secret only when there is one. */
export const credentialSourceOf = (err: unknown): CredentialSource | undefined =>
  (err !== null && typeof err === 'object' ? credentialSources.get(err) : undefined);

/** credential, its failures marked with where it came from. */
export function marked(credential: TokenCredential, source: CredentialSource): TokenCredential {
  return {
    getToken: async (scopes, options) => {
      try {
        return await credential.getToken(scopes, options);
      } catch (err) {
        if (err !== null && typeof err === 'object') credentialSources.set(err, source);
        throw err;
      }
    },
  };
}

function credentialOf(identity: Sdk['identity'], account: ProviderAccount, principal: ServicePrincipal | undefined): TokenCredential {
  const spec = account.spec.azure!;
  const { tenantId, ...options } = credentialOptionsOf(spec);
  // Without a Secret the default chain signs in to the Account's tenant, through its authority.
  if (!principal) return marked(new identity.DefaultAzureCredential({ tenantId, ...options }), 'default');
  return marked(new identity.ClientSecretCredential(spec.tenantId, principal.clientId, principal.clientSecret, options), 'secret');
}

/**
 * The SDK clients' options for an Account. With spec.azure.endpoint the token is asked for that
 * Resource Manager (its origin's /.default): the SDKs otherwise ask for the public cloud's
 * (management.azure.com), which a sovereign cloud (management.chinacloudapi.cn,
 * management.usgovcloudapi.net) refuses as InvalidAuthenticationTokenAudience.
 */
export function clientOptionsOf(spec: AzureSpec) {
  const endpoint = spec.endpoint?.replace(/\/+$/, '');
  return {
    ...(endpoint ? { endpoint, credentials: { scopes: [`${new URL(endpoint).origin}/.default`] } } : {}),
    retryOptions: { maxRetries: retryBudget.maxRetries, retryDelayInMs: retryBudget.retryDelayInMs, maxRetryDelayInMs: retryBudget.maxRetryDelayInMs },
    additionalPolicies: [{ policy: boundedCallPolicy, position: 'perRetry' as const }],
    userAgentOptions: { userAgentPrefix: 'staysail' },
  };
}

function make(loaded: Sdk, account: ProviderAccount, region: string, principal: ServicePrincipal | undefined): AzureClients {
  const spec = account.spec.azure!;
  const credential = credentialOf(loaded.identity, account, principal);
  const options = clientOptionsOf(spec);
  return {
    compute: new loaded.compute.ComputeManagementClient(credential, spec.subscriptionId, options),
    network: new loaded.network.NetworkManagementClient(credential, spec.subscriptionId, options),
    subscriptionId: spec.subscriptionId, resourceGroup: spec.resourceGroup, region, namespace: account.namespace,
    // The SDK clients hold no connections of their own to close: the shared HTTP agent keeps none open for long.
    destroy: () => undefined,
  };
}
