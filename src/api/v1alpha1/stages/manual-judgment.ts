// The manualJudgment stage's block.
import { arr, obj, optional, str } from '../../schema.ts';
import { stageDuration } from './common.ts';

export const manualJudgmentBlock = obj('manualJudgment: wait for a person to approve or reject, through the PipelineRun\'s spec.judgments.', {
  instructions: optional(str('What the judge should check.', { maxLength: 8192 })),
  inputs: optional(arr('Choices offered; the one picked is the stage\'s output judgmentInput.', str('A choice.', { maxLength: 256 }),
    { listType: 'set', maxItems: 32 })),
  timeout: optional(stageDuration('How long to wait for a decision (default 72h).')),
});
