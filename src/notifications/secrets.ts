// A notification's Secret, read when a delivery is sent (a GET each time: a rotated Secret counts from
// the next delivery on). Errors name the run, the notification, the Secret and the key, and what to do.
import { ApiError, isNotFound } from '../core/errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../core/kube-client.ts';
import type { DeliveryRecord } from './types.ts';

const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
type Secret = KubeObject & { data?: Record<string, string> };

/** Reads the Secrets of one run's notifications. */
export function secretReader(client: KubeClient, run: { name: string; namespace: string }) {
  const who = (d: DeliveryRecord) => `PipelineRun "${run.name}": ${d.channel} notification ${d.notification}`;
  const read = async (d: DeliveryRecord, holds: string): Promise<Secret> => {
    const name = d.secretRef!.name;
    try {
      return await client.get<Secret>(secrets, run.namespace, name);
    } catch (err) {
      if (isNotFound(err)) throw new Error(`${who(d)}: Secret "${name}" does not exist in namespace "${run.namespace}"; create it with ${holds}`, { cause: err });
      if (err instanceof ApiError && err.status === 403) {
        throw new Error(`${who(d)}: Staysail may not read Secret "${name}": grant its ServiceAccount get on secrets in namespace "${run.namespace}"`, { cause: err });
      }
      throw err;
    }
  };
  return {
    async secret(d: DeliveryRecord, defaultKey: string, holds: string): Promise<Buffer> {
      const key = d.secretRef?.key ?? defaultKey;
      const s = await read(d, `${holds} under "${key}"`);
      const data = s.data?.[key];
      if (!data) throw new Error(`${who(d)}: Secret "${d.secretRef!.name}" has no key "${key}"; put ${holds} under "${key}", or name its key in secretRef.key`);
      return Buffer.from(data, 'base64');
    },
    async secretData(d: DeliveryRecord, holds: string): Promise<Record<string, Buffer>> {
      const s = await read(d, holds);
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    },
  };
}
