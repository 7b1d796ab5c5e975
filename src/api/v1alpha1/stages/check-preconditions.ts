// The checkPreconditions stage's block.
import { arr, obj, optional, str } from '../../schema.ts';
import { expression } from './common.ts';

export const checkPreconditionsBlock = obj('checkPreconditions: fail unless every expression holds.', {
  preconditions: arr('Expressions that must be true.', obj('A precondition.', {
    expression: expression('An expression ${...} that must evaluate to true.'),
    message: optional(str('Why the run fails when it does not hold.', { maxLength: 1024 })),
  }), { minItems: 1, maxItems: 64 }),
});
