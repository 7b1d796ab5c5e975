// Reading a CanaryConfig and the metric source it names, with the Secret that holds its
// credentials. Shared by the canaryAnalysis stage and the Cluster's canary strategy.
import type { CanaryConfigSpec } from '../api/v1alpha1/canary-config.ts';
import { resources } from '../api/v1alpha1/index.ts';
import { specProblems } from '../api/validate.ts';
import { isNotFound } from '../core/errors.ts';
import { canaryConfigProblems } from './judge/validate.ts';
import type { KubeClient, KubeObject, ResourceType } from '../core/kube-client.ts';
import { metricSourceFor, type Credentials, type MetricSource } from './metrics/index.ts';

const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/** A CanaryConfig that cannot be used, said so that a person can fix it. */
export class CanaryConfigError extends Error {}

export interface LoadedCanaryConfig { spec: CanaryConfigSpec; source: MetricSource }

/** The CanaryConfig `name` in `namespace` and its metric source; what is wrong is a CanaryConfigError naming the object and field. */
export async function loadCanaryConfig(client: KubeClient, namespace: string, name: string): Promise<LoadedCanaryConfig> {
  let config: KubeObject<CanaryConfigSpec>;
  try {
    config = await client.get<KubeObject<CanaryConfigSpec>>(resources.canaryConfig, namespace, name);
  } catch (err) {
    if (isNotFound(err)) throw new CanaryConfigError(`CanaryConfig "${name}" does not exist in namespace "${namespace}"`);
    throw err;
  }
  const problems = [...specProblems('CanaryConfig', config.spec), ...(config.spec ? canaryConfigProblems(config.spec) : [])];
  if (problems.length > 0 || !config.spec) throw new CanaryConfigError(`CanaryConfig "${name}": ${problems.join('; ')}`);
  const spec = config.spec;
  return { spec, source: metricSourceFor(spec.metricSource, await credentialsOf(client, namespace, name, spec)) };
}

async function credentialsOf(client: KubeClient, namespace: string, config: string, spec: CanaryConfigSpec): Promise<Credentials> {
  const ref = spec.metricSource.secretRef;
  if (!ref) return {};
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await client.get(secrets, namespace, ref.name);
  } catch (err) {
    if (isNotFound(err)) throw new CanaryConfigError(`CanaryConfig "${config}": Secret "${ref.name}" (spec.metricSource.secretRef) does not exist in namespace "${namespace}"`);
    throw err;
  }
  const field = (k: string) => (secret.data?.[k] !== undefined ? Buffer.from(secret.data[k], 'base64').toString('utf8') : undefined);
  const creds = { token: field('token'), username: field('username'), password: field('password') };
  if (creds.token === undefined && creds.username === undefined) {
    throw new CanaryConfigError(`CanaryConfig "${config}": Secret "${ref.name}" (spec.metricSource.secretRef) has neither a token key nor a username key`);
  }
  return creds;
}
