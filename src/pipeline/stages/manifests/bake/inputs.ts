// What a bake reads from the run's namespace: ConfigMaps of files and values, and a repository's
// credentials. A missing object or key is a BakeError naming the field that points at it.
import { isNotFound } from '../../../../core/errors.ts';
import type { KubeObject, ResourceType } from '../../../../core/kube-client.ts';
import type { StageRun } from '../../stage-type.ts';
import { BakeError } from './errors.ts';
import type { ConfigMapFiles } from './files.ts';
import { configMaps } from './output.ts';
import type { BasicAuth } from './repository.ts';

const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

async function getNamed<T extends KubeObject>(s: StageRun, rt: ResourceType, name: string, field: string): Promise<T> {
  const ns = s.run.metadata.namespace!;
  try {
    return await s.client.get<T>(rt, ns, name);
  } catch (err) {
    if (isNotFound(err)) throw new BakeError(`${rt.kind} "${name}" (${field}) does not exist in namespace "${ns}"`);
    throw err;
  }
}

/** A ConfigMap's files (data and binaryData). */
export const readConfigMap = (s: StageRun, name: string, field: string) => getNamed<KubeObject & ConfigMapFiles>(s, configMaps, name, field);

/** One text key of a ConfigMap. */
export async function readConfigMapKey(s: StageRun, name: string, key: string, field: string): Promise<string> {
  const cm = await readConfigMap(s, name, field);
  const text = cm.data?.[key];
  if (text === undefined) throw new BakeError(`ConfigMap "${name}" (${field}) has no key "${key}"; it has ${Object.keys(cm.data ?? {}).map((k) => `"${k}"`).join(', ') || 'no keys'}`);
  return text;
}

/** The username and password of a Secret, as basic auth. */
export async function readBasicAuth(s: StageRun, name: string, field: string): Promise<BasicAuth> {
  const secret = await getNamed<KubeObject & { data?: Record<string, string> }>(s, secrets, name, field);
  const [username, password] = ['username', 'password'].map((k) => secret.data?.[k] === undefined ? undefined : Buffer.from(secret.data[k], 'base64').toString('utf8'));
  if (username === undefined || password === undefined) throw new BakeError(`Secret "${name}" (${field}) needs the keys username and password`);
  return { username, password };
}
