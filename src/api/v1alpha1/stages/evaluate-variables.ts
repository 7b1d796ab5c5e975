// The evaluateVariables stage's block.
import { arr, obj, str } from '../../schema.ts';
import { expression } from './common.ts';

export const evaluateVariablesBlock = obj('evaluateVariables: evaluate expressions once and expose them as outputs.', {
  variables: arr('Variables, evaluated in order; later ones may use earlier ones.', obj('A variable.', {
    key: str('Its name in the outputs.', { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 128 }),
    value: expression('Its value: text, or an expression ${...}.'),
  }), { minItems: 1, maxItems: 128, listType: 'map', listMapKeys: ['key'] }),
});
