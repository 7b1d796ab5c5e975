// Where a manifest's kind is served, from the API server's discovery (kubectl's RESTMapper in small):
// its plural, whether it is namespaced, and whether it has a scale subresource. One group version's
// list is read once per cluster and kept; a kind it does not list is looked up again once, since a
// CRD applied a moment ago is served from then on.
import type { KubeClient, ResourceType } from '../../core/kube-client.ts';
import { ApiError } from '../../core/errors.ts';
import { invalid } from '../errors.ts';

interface ApiResource { name: string; kind: string; namespaced: boolean }
interface ApiResourceList { resources?: ApiResource[] }

/** A kind as served: its resource type, and whether it can be scaled (kubectl scale's test). */
export interface ServedKind extends ResourceType { scalable: boolean }

const lists = new WeakMap<KubeClient, Map<string, Promise<ApiResource[]>>>();

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

async function fetchList(client: KubeClient, apiVersion: string): Promise<ApiResource[]> {
  const { group } = splitApiVersion(apiVersion);
  try {
    const list = await client.request<ApiResourceList>('discovery', 'GET', group ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
    return list?.resources ?? [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}

function listOf(client: KubeClient, apiVersion: string, fresh: boolean): Promise<ApiResource[]> {
  let byVersion = lists.get(client);
  if (!byVersion) { byVersion = new Map(); lists.set(client, byVersion); }
  let list = byVersion.get(apiVersion);
  if (!list || fresh) {
    list = fetchList(client, apiVersion);
    byVersion.set(apiVersion, list);
    // A failed read is not kept: the next call asks again.
    list.catch(() => byVersion.delete(apiVersion));
  }
  return list;
}

function servedFrom(resources: ApiResource[], apiVersion: string, kind: string): ServedKind | undefined {
  const main = resources.find((r) => r.kind === kind && !r.name.includes('/'));
  if (!main) return undefined;
  const { group, version } = splitApiVersion(apiVersion);
  return { group, version, plural: main.name, kind, namespaced: main.namespaced, scalable: resources.some((r) => r.name === `${main.name}/scale`) };
}

/** The kind's resource in the cluster client reaches; Invalid naming the kind when the cluster serves no such kind. */
export async function servedKind(client: KubeClient, apiVersion: string, kind: string, where: string): Promise<ServedKind> {
  const cached = servedFrom(await listOf(client, apiVersion, false), apiVersion, kind);
  if (cached) return cached;
  const fresh = servedFrom(await listOf(client, apiVersion, true), apiVersion, kind);
  if (fresh) return fresh;
  throw invalid(`${where}: the cluster serves no kind ${kind} in apiVersion ${apiVersion}; check the manifest's apiVersion and kind, ` +
    'or install the CustomResourceDefinition that defines it first');
}
