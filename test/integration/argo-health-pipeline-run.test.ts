// Argo CD's health script for a PipelineRun (docs/argocd/health.yaml), run as Argo CD runs it: a run
// whose manualJudgment stage waits for a person is Suspended, saying how to decide; otherwise the
// kstatus reading holds (Progressing while it runs, Healthy once it succeeded, Degraded when it failed).
import assert from 'node:assert/strict';
import { argoHealth } from '../tools/tools.ts';

const t = '2026-01-05T10:00:00Z';
const succeeded = (status: string, reason: string, message: string) => ({ type: 'Succeeded', status, reason, message, lastTransitionTime: t });
const progress = (type: 'Reconciling' | 'Stalled', reason: string, message: string) => ({ type, status: 'True', reason, message, lastTransitionTime: t });
const waits = 'waits for a judgment: approve or reject; approve with: kubectl staysail approve release-1 approve';

function run(name: string, status: Record<string, unknown>, generation = 1) {
  return { apiVersion: 'staysail.dev/v1alpha1', kind: 'PipelineRun', metadata: { name, namespace: 'health', generation },
    spec: { pipelineRef: { name: 'release' } }, status };
}
const stages = (judgment: string) => [
  { refId: 'build', type: 'wait', status: 'SUCCEEDED' },
  { refId: 'approve', type: 'manualJudgment', status: judgment, ...(judgment === 'RUNNING' ? { message: waits } : {}) },
];
const running = (extra: Record<string, unknown>) => ({ observedGeneration: 0, stages: stages('RUNNING'),
  conditions: [succeeded('Unknown', 'Running', 'PipelineRun "release-1": 1 of 2 stages done; running: approve'),
    progress('Reconciling', 'Running', 'PipelineRun "release-1": 1 of 2 stages done; running: approve')], ...extra });

describe('Argo CD health of a PipelineRun', function () {
  this.timeout(600_000); // the first call builds the Lua runner (hack/build-test-tools.sh)

  const cases: { name: string; obj: ReturnType<typeof run>; status: string; message: string | RegExp }[] = [
    { name: 'Suspended while a manualJudgment stage waits, with the stage\'s message', obj: run('release-1', running({ phase: 'Running' })),
      status: 'Suspended', message: `stage "approve" ${waits}` },
    { name: 'Suspended also for a run written before status.phase existed', obj: run('release-1', running({})),
      status: 'Suspended', message: `stage "approve" ${waits}` },
    { name: 'Progressing while other stages run', obj: run('release-2', { ...running({ phase: 'Running' }),
      stages: [{ refId: 'build', type: 'wait', status: 'RUNNING' }, { refId: 'approve', type: 'manualJudgment', status: 'NOT_STARTED' }] }),
    status: 'Progressing', message: /1 of 2 stages done/ },
    { name: 'Progressing while it waits for a concurrency slot', obj: run('release-3', { phase: 'Queued', observedGeneration: 0,
      conditions: [succeeded('Unknown', 'Queued', 'waiting for pipeline "release"'), progress('Reconciling', 'Queued', 'waiting for pipeline "release"')] }),
    status: 'Progressing', message: 'waiting for pipeline "release"' },
    { name: 'Degraded once a rejected judgment failed the run', obj: run('release-4', { phase: 'Failed', observedGeneration: 1, stages: stages('TERMINAL'),
      conditions: [succeeded('False', 'Failed', 'PipelineRun "release-4": stage "approve" failed: rejected'),
        progress('Stalled', 'Failed', 'PipelineRun "release-4": stage "approve" failed: rejected')] }),
    status: 'Degraded', message: 'PipelineRun "release-4": stage "approve" failed: rejected' },
    { name: 'Healthy once approved and done', obj: run('release-5', { phase: 'Succeeded', observedGeneration: 1, stages: stages('SUCCEEDED'),
      conditions: [succeeded('True', 'Succeeded', 'PipelineRun "release-5" succeeded')] }),
    status: 'Healthy', message: 'PipelineRun "release-5" succeeded' },
  ];

  it('reads each point of a run with a judgment', async () => {
    const verdicts = await argoHealth(cases.map((c) => JSON.stringify(c.obj)).join('\n'));
    for (const [i, c] of cases.entries()) {
      const v = verdicts[i]!;
      assert.equal(v.status, c.status, `${c.name}: ${v.message}`);
      if (typeof c.message === 'string') assert.equal(v.message, c.message, c.name);
      else assert.match(v.message, c.message, c.name);
    }
  });
});
