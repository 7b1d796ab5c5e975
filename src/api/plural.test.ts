import assert from 'node:assert/strict';
import { plural } from './plural.ts';

describe('plural', () => {
  const cases: [number, string, string | undefined, string][] = [
    [0, 'stage', undefined, '0 stages'],
    [1, 'stage', undefined, '1 stage'],
    [2, 'stage', undefined, '2 stages'],
    [1, 'series', 'series', '1 series'],
    [1, 'precondition holds', 'preconditions hold', '1 precondition holds'],
    [3, 'precondition holds', 'preconditions hold', '3 preconditions hold'],
    [1.5, 'second', undefined, '1.5 seconds'],
  ];
  for (const [n, noun, pl, want] of cases) it(`says ${want}`, () => assert.equal(plural(n, noun, pl), want));
});
