// The built-in stage types.
import { canaryAnalysisStage } from './canary-analysis.ts';
import { checkPreconditionsStage, evaluateVariablesStage, waitStage } from './basic.ts';
import { childPipelineStage } from './child-pipeline.ts';
import { deployStage } from './deploy.ts';
import { manualJudgmentStage } from './manual-judgment.ts';
import { runJobStage } from './run-job.ts';
import type { StageType } from './stage-type.ts';
import { webhookStage } from './webhook.ts';

export const builtInStageTypes: StageType[] = [waitStage, evaluateVariablesStage, checkPreconditionsStage, manualJudgmentStage,
  webhookStage, runJobStage, deployStage, canaryAnalysisStage, childPipelineStage];
