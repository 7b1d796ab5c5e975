// The pipeline stage's block (a child run).
import { anyValue, bool, mapOf, obj, objectName, optional } from '../../schema.ts';

export const pipelineBlock = obj('pipeline: start another Pipeline as a child run and wait for it.', {
  pipelineRef: obj('The Pipeline to run, in this namespace.', { name: objectName('Its name.') }),
  parameters: optional(mapOf('Parameters for the child run; values may use expressions.', anyValue('A value.'))),
  waitForCompletion: bool('Wait for the child run to finish; its outputs become this stage\'s.', { default: true }),
});
