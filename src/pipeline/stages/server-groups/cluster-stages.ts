// scaleDownCluster, shrinkCluster and disableCluster (Orca's stages of the same names): each is one
// request on the Cluster, which picks the server groups to leave (the newest, or the largest) and acts
// on the rest, refusing what would leave it with nothing enabled.
import type { ClusterRequest } from '../../../api/v1alpha1/cluster.ts';
import type { StageOutcome, StageType } from '../stage-type.ts';
import { cancelRequest, requestId, runRequest, serverGroupStageTimeoutMs } from './cluster-requests.ts';

type Base = { clusterRef: { name: string }; failIfRollingOut?: boolean };

function clusterStage<C extends Base>(type: string, request: (c: C) => Omit<ClusterRequest, 'id'>): StageType {
  return {
    type,
    retryable: true,
    defaultTimeoutMs: serverGroupStageTimeoutMs,
    async execute(s): Promise<StageOutcome> {
      const cfg = s.config as C;
      return runRequest(s, cfg.clusterRef.name, cfg.failIfRollingOut, () => ({ id: requestId(s), ...request(cfg) }),
        (r) => ({ serverGroups: r.serverGroups ?? [] }));
    },
    cancel: cancelRequest,
  };
}

export const scaleDownClusterStage = clusterStage<Base & { remainingFullSizeServerGroups?: number; preferLargerOverNewer?: boolean; allowScaleDownActive?: boolean }>(
  'scaleDownCluster', (c) => ({ action: 'scaleDown', remaining: c.remainingFullSizeServerGroups ?? 1,
    ...(c.preferLargerOverNewer ? { preferLarger: true } : {}), ...(c.allowScaleDownActive ? { allowActive: true } : {}) }));

export const shrinkClusterStage = clusterStage<Base & { shrinkToSize?: number; allowDeleteActive?: boolean; retainLargerOverNewer?: boolean }>(
  'shrinkCluster', (c) => ({ action: 'shrink', remaining: c.shrinkToSize ?? 1,
    ...(c.retainLargerOverNewer ? { preferLarger: true } : {}), ...(c.allowDeleteActive ? { allowActive: true } : {}) }));

export const disableClusterStage = clusterStage<Base & { remainingEnabledServerGroups?: number; preferLargerOverNewer?: boolean }>(
  'disableCluster', (c) => ({ action: 'disableCluster', remaining: c.remainingEnabledServerGroups ?? 1, ...(c.preferLargerOverNewer ? { preferLarger: true } : {}) }));
