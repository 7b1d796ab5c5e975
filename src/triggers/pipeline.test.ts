import assert from 'node:assert/strict';
import type { PipelineRunStatus } from '../api/v1alpha1/pipeline-run.ts';
import { planUpstreamEvents, type UpstreamResult, type UpstreamRun } from './pipeline.ts';

const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
const run = (name: string, pipeline: string, phase: PipelineRunStatus['phase'], done?: number, outputs?: object): UpstreamRun => ({
  metadata: { name, uid: `uid-${name}` }, spec: { pipelineRef: { name: pipeline } },
  status: { phase, ...(done !== undefined ? { completionTime: t(done) } : {}), ...(outputs ? { outputs } : {}) } as PipelineRunStatus,
});

describe('planUpstreamEvents', () => {
  const runs = [
    run('build-4', 'build', 'Succeeded', 12, { compile: { version: '1.4' } }),
    run('build-1', 'build', 'Succeeded', 1),
    run('build-2', 'build', 'Failed', 8),
    run('build-3', 'build', 'Canceled', 10),
    run('build-5', 'build', 'Running'),
    run('test-1', 'test', 'Succeeded', 11),
  ];
  const cases: { name: string; statuses: UpstreamResult[]; mark: number; want: string[] }[] = [
    { name: 'succeeded runs after the mark, oldest first', statuses: ['succeeded'], mark: Date.parse(t(0)), want: ['build-1', 'build-4'] },
    { name: 'a run at or before the mark never fires (its downstream run may have been pruned)', statuses: ['succeeded'], mark: Date.parse(t(1)), want: ['build-4'] },
    { name: 'failed and canceled', statuses: ['failed', 'canceled'], mark: Date.parse(t(0)), want: ['build-2', 'build-3'] },
    { name: 'every result', statuses: ['succeeded', 'failed', 'canceled'], mark: Date.parse(t(5)), want: ['build-2', 'build-3', 'build-4'] },
    { name: 'nothing finished after the mark', statuses: ['succeeded', 'failed', 'canceled'], mark: Date.parse(t(30)), want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(planUpstreamEvents('build', c.statuses, runs, c.mark).map((e) => e.run.metadata.name), c.want));
  }

  it('the payload names the parent run and pipeline, its result and outputs', () => {
    const [e] = planUpstreamEvents('build', ['succeeded'], runs, Date.parse(t(5)));
    assert.deepEqual(e!.payload, { parentRun: 'build-4', parentPipeline: 'build', result: 'succeeded', outputs: { compile: { version: '1.4' } } });
    assert.equal(e!.finishedAt, Date.parse(t(12)));
  });

  it('a run written before status.phase is read from its Succeeded condition', () => {
    const old: UpstreamRun = { metadata: { name: 'build-0' }, spec: { pipelineRef: { name: 'build' } },
      status: { conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message: 'x', lastTransitionTime: t(3) }] } as PipelineRunStatus };
    assert.deepEqual(planUpstreamEvents('build', ['failed'], [old], 0).map((e) => [e.run.metadata.name, e.payload.result, e.finishedAt]),
      [['build-0', 'failed', Date.parse(t(3))]]);
  });
});
