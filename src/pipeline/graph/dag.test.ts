import assert from 'node:assert/strict';
import { downstreamOf, findCycle, graphProblems, topologicalOrder, type StageNode } from './dag.ts';

const s = (refId: string, ...requisiteStageRefIds: string[]): StageNode => ({ refId, type: 'wait', requisiteStageRefIds });
const known = new Set(['wait', 'manualJudgment']);

describe('graphProblems', () => {
  const cases: { name: string; stages: StageNode[]; want: string[] }[] = [
    { name: 'a diamond is fine', stages: [s('a'), s('b', 'a'), s('c', 'a'), s('d', 'b', 'c')], want: [] },
    { name: 'an unknown requisite', stages: [s('a'), s('deploy', 'bake')],
      want: ['Pipeline "p": stage "deploy" requires "bake", which does not exist'] },
    { name: 'a stage requiring itself', stages: [s('a', 'a')], want: ['Pipeline "p": stage "a" requires itself'] },
    { name: 'a cycle', stages: [s('a', 'c'), s('b', 'a'), s('c', 'b')],
      want: ['Pipeline "p": stages form a cycle: a -> b -> c -> a; remove one of these requisites'] },
    { name: 'an unknown stage type', stages: [{ refId: 'x', type: 'bake' }],
      want: ['Pipeline "p": stage "x" has type "bake", which is not a stage type; use one of manualJudgment, wait'] },
    { name: 'duplicate refIds', stages: [s('a'), s('a')], want: ['Pipeline "p": two stages have refId "a"; refIds must be unique'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(graphProblems('p', c.stages, known), c.want));
});

describe('graph order', () => {
  it('orders stages after their requisites, keeping the spec order among equals', () => {
    assert.deepEqual(topologicalOrder([s('d', 'b', 'c'), s('c', 'a'), s('b', 'a'), s('a')]).map((x) => x.refId), ['a', 'c', 'b', 'd']);
  });
  it('finds no cycle in a DAG', () => assert.equal(findCycle([s('a'), s('b', 'a'), s('c', 'a', 'b')]), undefined));
  it('lists everything downstream', () => {
    assert.deepEqual(downstreamOf([s('a'), s('b', 'a'), s('c', 'b'), s('d'), s('e', 'd', 'c')], 'b'), ['c', 'e']);
  });
});
