import assert from 'node:assert/strict';
import { resolveParameters, type ParameterDefinition } from './parameters.ts';

const defs: ParameterDefinition[] = [
  { name: 'version', required: true },
  { name: 'replicas', type: 'integer', default: 2 },
  { name: 'ratio', type: 'number' },
  { name: 'dryRun', type: 'boolean', default: false },
  { name: 'region', options: ['eu', 'us'] },
];

describe('resolveParameters', () => {
  const cases: { name: string; given: Record<string, unknown>; want: ReturnType<typeof resolveParameters> }[] = [
    { name: 'defaults fill what is not given', given: { version: '1.0' },
      want: { values: { version: '1.0', replicas: 2, dryRun: false }, problems: [] } },
    { name: 'text converts to the declared type', given: { version: '1.0', replicas: '5', ratio: '0.5', dryRun: 'true', region: 'eu' },
      want: { values: { version: '1.0', replicas: 5, ratio: 0.5, dryRun: true, region: 'eu' }, problems: [] } },
    { name: 'a missing required parameter', given: {},
      want: { values: { replicas: 2, dryRun: false }, problems: ['parameter "version" is required by pipeline "p" and was not given'] } },
    { name: 'a value of the wrong type', given: { version: '1', replicas: 'many' },
      want: { values: { version: '1', dryRun: false }, problems: ['parameter "replicas" must be an integer, not "many"'] } },
    { name: 'a value outside the options', given: { version: '1', region: 'mars' },
      want: { values: { version: '1', replicas: 2, dryRun: false }, problems: ['parameter "region" is "mars", which is not one of its options: "eu", "us"'] } },
    { name: 'a parameter the pipeline does not have', given: { version: '1', colour: 'red' },
      want: { values: { version: '1', replicas: 2, dryRun: false },
        problems: ['parameter "colour" is not one of pipeline "p"\'s parameters (version, replicas, ratio, dryRun, region)'] } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(resolveParameters('p', defs, c.given), c.want));
});
