// Stage definitions of a Pipeline: the fields every stage has, and one configuration block per
// built-in stage type, each in its own file. String fields of stage blocks may hold expressions ${...}.
import { arr, int, obj, oneOf, optional, str, type Rule, type Static } from '../../schema.ts';
import { bakeManifestBlock } from './bake-manifest.ts';
import { canaryAnalysisBlock } from './canary-analysis.ts';
import { checkPreconditionsBlock } from './check-preconditions.ts';
import { expression, refIdPattern, stageDuration } from './common.ts';
import { deployBlock } from './deploy.ts';
import { deleteManifestBlock } from './delete-manifest.ts';
import { deployManifestBlock } from './deploy-manifest.ts';
import { destroyServerGroupBlock } from './destroy-server-group.ts';
import { disableClusterBlock } from './disable-cluster.ts';
import { disableServerGroupBlock } from './disable-server-group.ts';
import { enableServerGroupBlock } from './enable-server-group.ts';
import { findImageFromClusterBlock } from './find-image-from-cluster.ts';
import { resizeServerGroupBlock } from './resize-server-group.ts';
import { rollbackClusterBlock } from './rollback-cluster.ts';
import { scaleDownClusterBlock } from './scale-down-cluster.ts';
import { shrinkClusterBlock } from './shrink-cluster.ts';
import { disableManifestBlock } from './disable-manifest.ts';
import { enableManifestBlock } from './enable-manifest.ts';
import { evaluateVariablesBlock } from './evaluate-variables.ts';
import { executionWindowSchema } from './execution-window.ts';
import { jenkinsBlock } from './jenkins.ts';
import { manualJudgmentBlock } from './manual-judgment.ts';
import { patchManifestBlock } from './patch-manifest.ts';
import { pipelineBlock } from './pipeline.ts';
import { rollingRestartManifestBlock } from './rolling-restart-manifest.ts';
import { runJobBlock } from './run-job.ts';
import { scaleManifestBlock } from './scale-manifest.ts';
import { undoRolloutManifestBlock } from './undo-rollout-manifest.ts';
import { waitBlock } from './wait.ts';
import { webhookBlock } from './webhook.ts';

export { refIdPattern, stageDuration, stageDurationPattern } from './common.ts';
export { executionWindowSchema, weekdays } from './execution-window.ts';

/** Built-in stage types and their configuration blocks; the block named by `type` configures the stage. */
export const stageBlocks = {
  wait: waitBlock,
  manualJudgment: manualJudgmentBlock,
  evaluateVariables: evaluateVariablesBlock,
  checkPreconditions: checkPreconditionsBlock,
  webhook: webhookBlock,
  runJob: runJobBlock,
  deploy: deployBlock,
  canaryAnalysis: canaryAnalysisBlock,
  pipeline: pipelineBlock,
  jenkins: jenkinsBlock,
  deployManifest: deployManifestBlock,
  deleteManifest: deleteManifestBlock,
  patchManifest: patchManifestBlock,
  scaleManifest: scaleManifestBlock,
  enableServerGroup: enableServerGroupBlock,
  disableServerGroup: disableServerGroupBlock,
  resizeServerGroup: resizeServerGroupBlock,
  destroyServerGroup: destroyServerGroupBlock,
  rollbackCluster: rollbackClusterBlock,
  scaleDownCluster: scaleDownClusterBlock,
  shrinkCluster: shrinkClusterBlock,
  disableCluster: disableClusterBlock,
  findImageFromCluster: findImageFromClusterBlock,
  undoRolloutManifest: undoRolloutManifestBlock,
  rollingRestartManifest: rollingRestartManifestBlock,
  enableManifest: enableManifestBlock,
  disableManifest: disableManifestBlock,
  bakeManifest: bakeManifestBlock,
};
export type StageType = keyof typeof stageBlocks;
export const stageTypes = Object.keys(stageBlocks) as StageType[];

export const failurePolicies = ['failPipeline', 'stopBranch', 'stopBranchThenFail', 'continue'] as const;

/** Stage types that cannot run without their block (manualJudgment can). */
const blockRequired: StageType[] = ['wait', 'evaluateVariables', 'checkPreconditions', 'webhook', 'runJob', 'deploy', 'canaryAnalysis', 'pipeline', 'jenkins',
  'deployManifest', 'deleteManifest', 'patchManifest', 'scaleManifest',
  'enableServerGroup', 'disableServerGroup', 'resizeServerGroup', 'destroyServerGroup', 'rollbackCluster', 'scaleDownCluster', 'shrinkCluster', 'disableCluster',
  'findImageFromCluster',
  'undoRolloutManifest', 'rollingRestartManifest', 'enableManifest', 'disableManifest', 'bakeManifest'];

const blockMatchesType: Rule[] = [
  ...stageTypes.map((t) => ({
    rule: `!has(self.${t}) || self.type == '${t}'`, message: `the ${t} block is only for stages of type ${t}`, fieldPath: `.${t}`,
  })),
  ...blockRequired.map((t) => ({ rule: `self.type != '${t}' || has(self.${t})`, message: `a stage of type ${t} needs its ${t} block`, fieldPath: '.type' })),
];

export const stageSchema = obj('A stage: a step of the pipeline, run when all its requisite stages have finished well.', {
  refId: str('Unique id within the pipeline, used by requisiteStageRefIds.', { pattern: refIdPattern, maxLength: 63 }),
  name: optional(str('A name for people (default: refId).', { maxLength: 256 })),
  type: str(`The stage type, e.g. ${stageTypes.join(', ')}; its configuration is the block of the same name.`,
    { pattern: '^[a-z][A-Za-z0-9]*$', maxLength: 63 }),
  requisiteStageRefIds: optional(arr('Stages that must finish (SUCCEEDED, FAILED_CONTINUE or SKIPPED) first. Empty: the stage starts with the run.',
    str('A refId.', { pattern: refIdPattern, maxLength: 63 }), { listType: 'set', maxItems: 64 })),
  if: optional(expression('Run the stage only when this expression ${...} is true; otherwise it is SKIPPED.')),
  failurePolicy: oneOf('When the stage fails: failPipeline (TERMINAL, the run fails), stopBranch (STOPPED: downstream stages do not run), stopBranchThenFail (the same, and the run fails once other branches finish) or continue (FAILED_CONTINUE: downstream stages run).',
    failurePolicies, { default: 'failPipeline' }),
  timeout: optional(stageDuration('Fail the stage when it runs longer (time in an execution window does not count).')),
  retries: optional(obj('Retry a failed attempt, for stage types that may be retried.', {
    limit: int('Retries after the first attempt.', { minimum: 0, maximum: 10 }),
    backoff: optional(stageDuration('Wait before the first retry; doubles each time (default 10s).')),
  })),
  executionWindow: optional(executionWindowSchema),
  ...Object.fromEntries(stageTypes.map((t) => [t, optional(stageBlocks[t])])) as { [K in StageType]: ReturnType<typeof optional<(typeof stageBlocks)[K]>> },
}, { rules: blockMatchesType });
export type Stage = Static<typeof stageSchema>;
