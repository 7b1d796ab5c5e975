import assert from 'node:assert/strict';
import type { PipelineSpec } from '../api/v1alpha1/pipeline.ts';
import { pipelineProblems } from './validate.ts';

const types = new Set(['bakeManifest', 'deployManifest', 'wait']);
const deploy = (from: string, requisites: string[]) => ({ refId: 'deploy', type: 'deployManifest', requisiteStageRefIds: requisites,
  deployManifest: { accountRef: { name: 'local' }, manifestsFrom: { stage: from } } });
const spec = (stages: unknown[]) => ({ application: 'demo', stages }) as unknown as PipelineSpec;
const bake = (refId: string, requisites: string[] = []) => ({ refId, type: 'bakeManifest', requisiteStageRefIds: requisites, bakeManifest: {} });

describe('pipelineProblems on manifestsFrom.stage', () => {
  it('accepts a bake upstream of the deploy, directly or through other stages', () => {
    assert.deepEqual(pipelineProblems('p', spec([bake('bak'), deploy('bak', ['bak'])]), types), []);
    assert.deepEqual(pipelineProblems('p', spec([bake('bak'), { refId: 'w', type: 'wait', requisiteStageRefIds: ['bak'] }, deploy('bak', ['w'])]), types), []);
  });

  it('refuses a stage that does not exist, is not a bake, or is not upstream, naming the pipeline, the stage and the field', () => {
    for (const [stages, why] of [
      [[bake('other'), deploy('bak', ['other'])], 'there is no such stage'],
      [[{ refId: 'bak', type: 'wait' }, deploy('bak', ['bak'])], 'it is a wait stage'],
      [[bake('bak'), deploy('bak', [])], 'it is not in this stage\'s requisiteStageRefIds, nor theirs'],
      [[bake('bak', ['deploy']), deploy('bak', [])], 'it is not in this stage\'s requisiteStageRefIds, nor theirs'],
    ] as const) {
      const problems = pipelineProblems('p', spec([...stages]), types);
      assert.deepEqual(problems, [{ reason: 'InvalidGraph',
        message: `Pipeline "p": stage "deploy": manifestsFrom.stage "bak" is not an upstream bakeManifest stage (${why}); name a bakeManifest stage this one requires` }], why);
    }
  });
});
