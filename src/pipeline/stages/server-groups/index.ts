// The server-group and cluster stage types.
export { disableClusterStage, scaleDownClusterStage, shrinkClusterStage } from './cluster-stages.ts';
export { findImageFromClusterStage } from './find-image-from-cluster.ts';
export { rollbackClusterStage } from './rollback-cluster.ts';
export { destroyServerGroupStage, disableServerGroupStage, enableServerGroupStage, resizeServerGroupStage } from './server-group-stages.ts';
