// The built-in stage types.
import { checkPreconditionsStage, evaluateVariablesStage, manualJudgmentStage, waitStage } from './basic.ts';
import type { StageType } from './stage-type.ts';

export const basicStageTypes: StageType[] = [waitStage, evaluateVariablesStage, checkPreconditionsStage, manualJudgmentStage];
