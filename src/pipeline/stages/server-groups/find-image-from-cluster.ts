// findImageFromCluster (Orca's findImage): what a server group of a Cluster runs, chosen NEWEST,
// LARGEST, OLDEST or FAIL (exactly one), among enabled ones or all, into the stage's outputs: image
// (the cloud image, or the first container's on Kubernetes) and, on Kubernetes, images by container.
// It reads the Cluster's ServerGroups (their template is what they run) and changes nothing.
import { clusterLabel, canaryRoleLabel } from '../../../api/v1alpha1/labels.ts';
import { resources } from '../../../api/v1alpha1/index.ts';
import type { ServerGroupSpec, ServerGroupStatus } from '../../../api/v1alpha1/server-group.ts';
import type { KubeObject } from '../../../core/kube-client.ts';
import type { StageOutcome, StageType } from '../stage-type.ts';
import { getCluster, isOutcome, stageName } from './cluster-requests.ts';

type ServerGroup = KubeObject<ServerGroupSpec, ServerGroupStatus>;
type Config = { clusterRef: { name: string }; selectionStrategy?: 'NEWEST' | 'LARGEST' | 'OLDEST' | 'FAIL'; onlyEnabled?: boolean };

/** What a server group runs: image, and images by container for a pod template. */
export function imagesOf(sg: ServerGroup): { image?: string; images?: Record<string, string> } {
  const t = sg.spec!.template;
  if (t.kubernetes) {
    const containers = ((t.kubernetes.podTemplate as { spec?: { containers?: { name?: string; image?: string }[] } }).spec?.containers ?? []);
    const images = Object.fromEntries(containers.filter((c) => c.name && c.image).map((c) => [c.name!, c.image!]));
    return { ...(containers[0]?.image ? { image: containers[0].image } : {}), images };
  }
  const image = t.aws?.imageId ?? t.gce?.image ?? t.azure?.image;
  return image ? { image } : {};
}

/** The server groups newest first, then the one the strategy picks. */
function pick(groups: ServerGroup[], strategy: NonNullable<Config['selectionStrategy']>): ServerGroup | { fail: string } | undefined {
  switch (strategy) {
    case 'NEWEST': return groups[0];
    case 'OLDEST': return groups[groups.length - 1];
    case 'LARGEST': return [...groups].sort((a, b) => b.spec!.capacity.desired - a.spec!.capacity.desired)[0];
    case 'FAIL': return groups.length > 1 ? { fail: `selectionStrategy FAIL wants exactly one, and ${groups.length} match: ${groups.map((g) => g.metadata.name).join(', ')}` } : groups[0];
  }
}

export const findImageFromClusterStage: StageType = {
  type: 'findImageFromCluster',
  retryable: true,
  async execute(s): Promise<StageOutcome> {
    const cfg = s.config as Config;
    const c = await getCluster(s, cfg.clusterRef.name);
    if (isOutcome(c)) return c;
    const onlyEnabled = cfg.onlyEnabled !== false;
    const groups = (await s.client.list<ServerGroup>(resources.serverGroup, c.metadata.namespace, { labelSelector: `${clusterLabel}=${c.metadata.name},!${canaryRoleLabel}` })).items
      .filter((g) => g.metadata.ownerReferences?.some((o) => o.uid === c.metadata.uid) && !g.metadata.deletionTimestamp && (!onlyEnabled || (g.status?.enabled ?? false)))
      .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || b.spec!.moniker.sequence - a.spec!.moniker.sequence);
    const strategy = cfg.selectionStrategy ?? 'NEWEST';
    const chosen = pick(groups, strategy);
    if (!chosen) {
      return { status: 'FAILED', final: true, message: `${stageName(s)}: Cluster "${c.metadata.name}" has no ${onlyEnabled ? 'enabled ' : ''}server group to take an image from` };
    }
    if ('fail' in chosen) return { status: 'FAILED', final: true, message: `${stageName(s)}: Cluster "${c.metadata.name}": ${chosen.fail}` };
    const found = imagesOf(chosen);
    if (!found.image) return { status: 'FAILED', final: true, message: `${stageName(s)}: server group ${chosen.metadata.name} of Cluster "${c.metadata.name}" names no image in its template` };
    return { status: 'SUCCEEDED', message: `${chosen.metadata.name} of Cluster "${c.metadata.name}" runs ${found.image}`,
      outputs: { cluster: c.metadata.name, serverGroup: chosen.metadata.name, ...found } };
  },
};
