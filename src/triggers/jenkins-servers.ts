// Jenkins servers, as a namespace names them: the ConfigMap "staysail-jenkins" beside the Pipelines
// that use them, one key per server name, each a YAML (or JSON) object
//   { url: https://jenkins.example.com, credentialsSecretRef: { name, userKey, tokenKey } }
// with the user and API token in a Secret of the same namespace (docs/jenkins.md). Both are read on
// every use (a GET each, as Accounts' Secrets are): an edited ConfigMap or rotated token counts from
// the next poll on. Errors name the ConfigMap or Secret, the server and what to do.
import { parse } from 'yaml';
import { ApiError, isNotFound } from '../core/errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../core/kube-client.ts';
import { JenkinsClient, type JenkinsClientOptions, type JenkinsCredentials } from './jenkins-client.ts';

export const jenkinsConfigMapName = 'staysail-jenkins';

const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/** A configuration that is wrong or missing: asking again changes nothing until someone fixes it. */
export class JenkinsConfigError extends Error {
  override readonly name = 'JenkinsConfigError';
}

/** One server's entry in the ConfigMap. */
export interface JenkinsServerEntry {
  url: string;
  credentialsSecretRef?: { name: string; userKey: string; tokenKey: string };
}

/** A server's entry, checked; throws JenkinsConfigError naming the key and the field. */
export function parseServerEntry(namespace: string, server: string, text: string): JenkinsServerEntry {
  const where = `ConfigMap "${jenkinsConfigMapName}" in namespace "${namespace}", key "${server}"`;
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new JenkinsConfigError(`${where} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}; write {url: https://..., credentialsSecretRef: {name: ...}}`);
  }
  const v = (value ?? {}) as { url?: unknown; credentialsSecretRef?: { name?: unknown; userKey?: unknown; tokenKey?: unknown } };
  if (typeof v.url !== 'string' || !/^https?:\/\/[^/]/.test(v.url)) {
    throw new JenkinsConfigError(`${where} has no url (or not an http or https URL: ${JSON.stringify(v.url)}); set url to the Jenkins address, e.g. https://jenkins.example.com`);
  }
  const ref = v.credentialsSecretRef;
  if (ref === undefined || ref === null) return { url: v.url };
  if (typeof ref !== 'object' || typeof ref.name !== 'string' || ref.name === '') {
    throw new JenkinsConfigError(`${where}: credentialsSecretRef needs the name of a Secret in namespace "${namespace}"`);
  }
  const key = (k: unknown, fallback: string) => (typeof k === 'string' && k !== '' ? k : fallback);
  return { url: v.url, credentialsSecretRef: { name: ref.name, userKey: key(ref.userKey, 'username'), tokenKey: key(ref.tokenKey, 'token') } };
}

/** A server resolved: its address and credentials. */
export interface JenkinsServer { name: string; url: string; credentials?: JenkinsCredentials }

/** The server of that name in the namespace's ConfigMap, with its Secret's user and token read. */
export async function resolveJenkinsServer(client: KubeClient, namespace: string, server: string): Promise<JenkinsServer> {
  const cm = await read<KubeObject & { data?: Record<string, string> }>(client, configMaps, namespace, jenkinsConfigMapName, {
    what: `ConfigMap "${jenkinsConfigMapName}"`, fix: `create it with a key "${server}" holding {url: https://..., credentialsSecretRef: {name: ...}}` });
  const text = cm.data?.[server];
  if (text === undefined) {
    const known = Object.keys(cm.data ?? {});
    throw new JenkinsConfigError(`ConfigMap "${jenkinsConfigMapName}" in namespace "${namespace}" names no Jenkins server "${server}" `
      + `(${known.length ? `it names ${known.join(', ')}` : 'it has no keys'}); add a key "${server}" holding {url: https://...}, or use one of those`);
  }
  const entry = parseServerEntry(namespace, server, text);
  if (!entry.credentialsSecretRef) return { name: server, url: entry.url };
  return { name: server, url: entry.url, credentials: await readCredentials(client, namespace, server, entry.credentialsSecretRef) };
}

/** A client of the server of that name. */
export async function jenkinsClientFor(client: KubeClient, namespace: string, server: string,
  options: Omit<JenkinsClientOptions, 'credentials'> = {}): Promise<JenkinsClient> {
  const s = await resolveJenkinsServer(client, namespace, server);
  return new JenkinsClient(server, s.url, { ...options, ...(s.credentials ? { credentials: s.credentials } : {}) });
}

async function readCredentials(client: KubeClient, namespace: string, server: string,
  ref: NonNullable<JenkinsServerEntry['credentialsSecretRef']>): Promise<JenkinsCredentials> {
  const secret = await read<KubeObject & { data?: Record<string, string> }>(client, secrets, namespace, ref.name, {
    what: `Secret "${ref.name}" (Jenkins server "${server}")`, fix: `create it with the Jenkins user under "${ref.userKey}" and an API token under "${ref.tokenKey}"` });
  const value = (key: string, holds: string) => {
    const data = secret.data?.[key];
    if (!data) {
      throw new JenkinsConfigError(`Secret "${ref.name}" in namespace "${namespace}" (Jenkins server "${server}") has no key "${key}"; `
        + `put ${holds} under "${key}", or name its key in credentialsSecretRef of ConfigMap "${jenkinsConfigMapName}"`);
    }
    return Buffer.from(data, 'base64').toString('utf8').trim();
  };
  return { username: value(ref.userKey, 'the Jenkins user'), token: value(ref.tokenKey, 'an API token of that user') };
}

/** The object, or a JenkinsConfigError saying what it is (what) and what to do (fix) when it is missing or may not be read. */
async function read<T extends KubeObject>(client: KubeClient, rt: ResourceType, namespace: string, name: string,
  { what, fix }: { what: string; fix: string }): Promise<T> {
  try {
    return await client.get<T>(rt, namespace, name);
  } catch (err) {
    if (isNotFound(err)) throw new JenkinsConfigError(`${what} does not exist in namespace "${namespace}"; ${fix}`);
    if (err instanceof ApiError && err.status === 403) {
      throw new JenkinsConfigError(`Staysail may not read ${what} in namespace "${namespace}": ${err.message}; grant its ServiceAccount get on ${rt.plural} there`);
    }
    throw err;
  }
}
