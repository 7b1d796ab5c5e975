// What a bake reads from the run's namespace: ConfigMaps of files and values, and a repository's
// credentials. A missing or forbidden object or key is a BakeError naming the field that points at it.
import type { KubeObject } from '../../../../core/kube-client.ts';
import type { StageRun } from '../../stage-type.ts';
import { configMaps, readNamed, secrets } from '../reading.ts';
import { BakeError } from './errors.ts';
import type { ConfigMapFiles } from './files.ts';
import type { BasicAuth } from './repository.ts';

const refuse = (message: string) => new BakeError(message);

/**
 * On a Secret of credentialsSecretRef: the repository URL (or a prefix of it) its credentials are
 * for. Without it, a stage could send any Secret's username and password to a server of its choice.
 */
export const repositoryUrlAnnotation = 'staysail.dev/repository-url';

/** A ConfigMap's files (data and binaryData). */
export const readConfigMap = (s: StageRun, name: string, field: string) => readNamed<KubeObject & ConfigMapFiles>(s, configMaps, name, field, refuse);

/** One text key of a ConfigMap. */
export async function readConfigMapKey(s: StageRun, name: string, key: string, field: string): Promise<string> {
  const cm = await readConfigMap(s, name, field);
  const text = cm.data?.[key];
  if (text === undefined) throw new BakeError(`ConfigMap "${name}" (${field}) has no key "${key}"; it has ${Object.keys(cm.data ?? {}).map((k) => `"${k}"`).join(', ') || 'no keys'}`);
  return text;
}

/** Whether prefix names the repository url or a folder above it, on the same origin. */
export function coversUrl(prefix: string, url: string): boolean {
  const trim = (u: string) => u.replace(/\/+$/, '');
  let p: URL, u: URL;
  try {
    p = new URL(trim(prefix));
    u = new URL(trim(url));
  } catch {
    return false;
  }
  if (p.origin !== u.origin) return false;
  const path = trim(p.pathname);
  return u.pathname === path || u.pathname.startsWith(`${path}/`) || path === '';
}

/**
 * The username and password of a Secret, as basic auth for the repository at url: only when the
 * Secret says (its repository-url annotation) that they are for that repository.
 */
export async function readBasicAuth(s: StageRun, name: string, field: string, url: string): Promise<BasicAuth> {
  const secret = await readNamed<KubeObject & { data?: Record<string, string> }>(s, secrets, name, field, refuse);
  const bound = secret.metadata.annotations?.[repositoryUrlAnnotation];
  if (bound === undefined) {
    throw new BakeError(`Secret "${name}" (${field}) has no annotation ${repositoryUrlAnnotation}; annotate it with the repository URL its credentials are for (${url}, or a prefix of it)`);
  }
  if (!coversUrl(bound, url)) {
    throw new BakeError(`Secret "${name}" (${field}) is for ${bound} (annotation ${repositoryUrlAnnotation}), not ${url}; use a Secret made for this repository, or change the annotation`);
  }
  const [username, password] = ['username', 'password'].map((k) => secret.data?.[k] === undefined ? undefined : Buffer.from(secret.data[k], 'base64').toString('utf8'));
  if (username === undefined || password === undefined) throw new BakeError(`Secret "${name}" (${field}) needs the keys username and password`);
  return { username, password };
}
