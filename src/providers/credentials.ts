// Credentials of accounts, read from their Secrets in the cluster Staysail runs in. The Secret is
// read on every call (a GET: Staysail does not watch every Secret of the cluster), and what was built
// from it (a client, a signed-in session) is kept until the Secret's resourceVersion changes: a
// rotated Secret is used from the next call on, without a restart, and what was built from the old
// value is dropped then.
import { isNotFound, ApiError } from '../core/errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../core/kube-client.ts';
import { invalid, isProviderError } from './errors.ts';
import type { ProviderAccount } from './interfaces.ts';

const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

type Secret = KubeObject & { data?: Record<string, string> };

/** Where an Account keeps a credential: its Secret reference and the field of the Account that holds it. */
export interface CredentialsRef {
  secretRef: { name: string; key?: string };
  /** The Account's field, for messages, e.g. spec.kubernetes.kubeconfigSecretRef. */
  field: string;
  /** The key when secretRef names none. */
  defaultKey: string;
  /** What the value is, for messages, e.g. "a kubeconfig". */
  holds: string;
}

/** A credential in several keys of one Secret: those it needs and those it may have. */
export interface MultiKeyRef {
  secretRef: { name: string };
  field: string;
  required: string[];
  optional?: string[];
  holds: string;
  /** Appended to the message of a missing key. */
  hint?: string;
}

/** What a credential became, with what to do when it is replaced. */
export interface Built<T> { value: T; dispose?: () => void }

interface Entry { resourceVersion: string; built: Built<unknown> }

export class CredentialsResolver {
  private readonly home: KubeClient;
  private readonly cache = new Map<string, Entry>();

  /** home: the client of the cluster the Accounts and their Secrets live in. */
  constructor(home: KubeClient) {
    this.home = home;
  }

  /**
   * What build made of the credential, built again only when the Secret changed. variant tells
   * apart several things built from one value (a kubeconfig's contexts). Errors are Invalid and
   * name the Account, the Secret, the key and what to do; build may throw its own ProviderError.
   */
  async resolve<T>(account: ProviderAccount, ref: CredentialsRef, build: (value: Buffer) => Built<T>, variant = ''): Promise<T> {
    const key = ref.secretRef.key ?? ref.defaultKey;
    return this.resolveKeys(account, { ...ref, required: [key], hint: `, or name the key that holds it in ${ref.field}.key` },
      (data) => build(data[key]!), `${key}/${variant}`);
  }

  /**
   * The same for a credential spread over several keys of one Secret (an access key and its secret):
   * build gets every required key and those optional ones present.
   */
  async resolveKeys<T>(account: ProviderAccount, ref: MultiKeyRef, build: (data: Record<string, Buffer>) => Built<T>, variant = ''): Promise<T> {
    const secret = await this.read(account, ref);
    const cacheKey = `${account.namespace}/${ref.secretRef.name}/${variant}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.resourceVersion === secret.metadata.resourceVersion) return cached.built.value as T;
    const missing = ref.required.filter((k) => !secret.data?.[k]);
    if (missing.length) {
      throw invalid(`Account "${account.name}": Secret "${ref.secretRef.name}" (${ref.field}) has no key ${missing.map((k) => `"${k}"`).join(' or ')}; `
        + `put ${ref.holds} under ${ref.required.map((k) => `"${k}"`).join(' and ')}${ref.hint ?? ''}`);
    }
    const data = Object.fromEntries([...ref.required, ...(ref.optional ?? [])].filter((k) => secret.data?.[k])
      .map((k) => [k, Buffer.from(secret.data![k]!, 'base64')]));
    let built: Built<T>;
    try {
      built = build(data);
    } catch (err) {
      if (isProviderError(err)) throw err;
      throw invalid(`Account "${account.name}": ${ref.required.length > 1 ? 'keys' : 'key'} ${ref.required.map((k) => `"${k}"`).join(', ')} of Secret "${ref.secretRef.name}" `
        + `(${ref.field}) ${ref.required.length > 1 ? 'are' : 'is'} not ${ref.holds}: ${(err as Error).message}; replace ${ref.required.length > 1 ? 'them' : 'it'}`);
    }
    cached?.built.dispose?.();
    this.cache.set(cacheKey, { resourceVersion: secret.metadata.resourceVersion ?? '', built });
    return built.value;
  }

  /** Disposes of and drops what was built from a Secret that is gone, so clients of deleted credentials do not pile up. */
  private forget(namespace: string, secret: string): void {
    for (const [key, entry] of this.cache) {
      if (!key.startsWith(`${namespace}/${secret}/`)) continue;
      entry.built.dispose?.();
      this.cache.delete(key);
    }
  }

  private async read(account: ProviderAccount, ref: { secretRef: { name: string; key?: string }; field: string; holds: string; defaultKey?: string; required?: string[] }): Promise<Secret> {
    const name = ref.secretRef.name;
    try {
      return await this.home.get<Secret>(secrets, account.namespace, name);
    } catch (err) {
      if (isNotFound(err)) {
        this.forget(account.namespace, name);
        throw invalid(`Account "${account.name}": Secret "${name}" (${ref.field}) does not exist in namespace "${account.namespace}"; `
          + `create it with ${ref.holds} under ${(ref.required ?? [ref.secretRef.key ?? ref.defaultKey]).map((k) => `"${k}"`).join(' and ')}, or name another Secret`);
      }
      if (err instanceof ApiError && err.status === 403) {
        throw invalid(`Account "${account.name}": Staysail may not read Secret "${name}" (${ref.field}): ${err.message}; `
          + 'grant its ServiceAccount get on secrets in this namespace');
      }
      throw err;
    }
  }
}
