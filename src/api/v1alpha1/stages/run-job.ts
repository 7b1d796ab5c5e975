// The runJob stage's block.
import { arr, freeform, obj, oneOf, optional, str } from '../../schema.ts';

export const runJobBlock = obj('runJob: run a Kubernetes Job to completion.', {
  jobTemplate: freeform('The Job\'s spec (as in a Job). Staysail names the Job from the run and stage.'),
  outputs: optional(arr('Values to read into outputs: key=value lines of the container\'s termination message, else STAYSAIL_OUTPUT key=value lines of its log.', str('A key.',
    { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 128 }), { listType: 'set', maxItems: 64 })),
  missingOutputs: oneOf('When the Job succeeds without giving a declared output: Fail fails the stage, naming the output and the pod it looked in; Warn lets the stage succeed and says so in its message.',
    ['Fail', 'Warn'] as const, { default: 'Fail' }),
});
