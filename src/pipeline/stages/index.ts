// The built-in stage types, and what tells the run controller which objects' changes wake which runs.
import { bakeManifestStage } from './bake-manifest.ts';
import { canaryAnalysisStage } from './canary-analysis.ts';
import { checkPreconditionsStage, evaluateVariablesStage, waitStage } from './basic.ts';
import { childPipelineStage } from './child-pipeline.ts';
import { deployStage } from './deploy.ts';
import { deleteManifestStage } from './delete-manifest.ts';
import { deployManifestStage } from './deploy-manifest.ts';
import { disableManifestStage } from './disable-manifest.ts';
import { enableManifestStage } from './enable-manifest.ts';
import { jenkinsStage } from './jenkins.ts';
import { manualJudgmentStage } from './manual-judgment.ts';
import { patchManifestStage } from './patch-manifest.ts';
import { rollingRestartManifestStage } from './rolling-restart-manifest.ts';
import { runJobStage } from './run-job.ts';
import { scaleManifestStage } from './scale-manifest.ts';
import { destroyServerGroupStage, disableClusterStage, disableServerGroupStage, enableServerGroupStage, findImageFromClusterStage, resizeServerGroupStage,
  rollbackClusterStage, scaleDownClusterStage, shrinkClusterStage } from './server-groups/index.ts';
import { undoRolloutManifestStage } from './undo-rollout-manifest.ts';
import type { StageType } from './stage-type.ts';
import { webhookStage } from './webhook.ts';

export const builtInStageTypes: StageType[] = [waitStage, evaluateVariablesStage, checkPreconditionsStage, manualJudgmentStage,
  webhookStage, runJobStage, deployStage, canaryAnalysisStage, childPipelineStage, jenkinsStage,
  deployManifestStage, deleteManifestStage, patchManifestStage, scaleManifestStage,
  undoRolloutManifestStage, rollingRestartManifestStage, enableManifestStage, disableManifestStage, bakeManifestStage,
  enableServerGroupStage, disableServerGroupStage, resizeServerGroupStage, destroyServerGroupStage, rollbackClusterStage, scaleDownClusterStage, shrinkClusterStage,
  disableClusterStage, findImageFromClusterStage];

export { owningRun } from './children.ts';
export { runsDeployingTo } from './deploy.ts';
export { jobLabelSelector, jobs as jobResource } from './run-job.ts';
