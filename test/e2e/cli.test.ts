// kubectl staysail, driven as a person would: a process found by kubectl on PATH, against the local
// control plane with the operator running. Start a pipeline, approve its judgment, watch it to the
// end; and the errors a person gets when something is off.
import assert from 'node:assert/strict';
import { createNamespace, operatorIn, removeNamespace } from '../support/namespace.ts';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { freePorts, waitFor } from '../cluster/probe.ts';
import { OperatorProcess } from '../support/operator-process.ts';
import { inNamespace, pipeline } from '../support/runs.ts';
import { sharedCluster } from '../support/setup.ts';

const ns = `cli-${Date.now().toString(36)}`;
const { apply } = inNamespace(ns);

describe('kubectl staysail, as a kubectl plugin', function () {
  this.timeout(120_000);
  let operator: OperatorProcess;
  let pluginDir: string;

  /** Runs `kubectl staysail ARGS` with the plugin on PATH; never throws. */
  const plugin = (args: string[], kubeconfig = sharedCluster().kubeconfigPath): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) => {
      execFile('kubectl', ['staysail', ...args, '--kubeconfig', kubeconfig, '-n', ns], { timeout: 90_000,
        env: { ...process.env, PATH: `${pluginDir}${delimiter}${process.env.PATH}`, NO_COLOR: '' } },
      (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }));
    });

  before(async () => {
    // As npm installs it: kubectl-staysail on PATH, a link to bin/staysail.js, run by the first node on PATH.
    pluginDir = mkdtempSync(join(tmpdir(), 'staysail-plugin-'));
    symlinkSync(join(repoRoot, 'bin/staysail.js'), join(pluginDir, 'kubectl-staysail'));
    await createNamespace(ns);
    operator = await operatorIn(ns);
    await apply(pipeline('ship', [
      { refId: 'check', type: 'checkPreconditions', checkPreconditions: { preconditions: [{ expression: '${parameters.version != "latest"}' }] } },
      { refId: 'approve', type: 'manualJudgment', requisiteStageRefIds: ['check'],
        manualJudgment: { inputs: ['go', 'hold'], instructions: 'Check the error rate on the shop dashboard.\nHold if it rose.' } },
      { refId: 'after', type: 'evaluateVariables', requisiteStageRefIds: ['approve'],
        evaluateVariables: { variables: [{ key: 'choice', value: '${stages.approve.outputs.judgmentInput}' }] } },
    ], { parameters: [{ name: 'version', required: true }] }));
  });
  after(async () => {
    await removeNamespace(ns, operator);
    rmSync(pluginDir, { recursive: true, force: true });
  });

  it('starts a pipeline, approves its judgment as the signed-in user, and watches the run to the end', async () => {
    const started = await plugin(['start', 'ship', '-p', 'version=1.2.3']);
    assert.equal(started.code, 0, started.err);
    const name = /started PipelineRun (ship-\w+)/.exec(started.out)?.[1];
    assert.ok(name, started.out);

    let list = '';
    await waitFor(async () => { list = (await plugin(['list', 'runs'])).out; return list.includes('judgment approve'); }, 30_000, () => `never waited: ${list}`);
    assert.match(list, new RegExp(`^NAME\\s+PIPELINE\\s+STATUS\\s+STARTED\\s+DURATION\\s+WAITING\\n${name}\\s+ship\\s+Running\\s+\\S+\\s+\\S+\\s+judgment approve$`, 'm'));
    const tree = await plugin(['get', 'run', name]);
    assert.match(tree.out, new RegExp(`✔ check .*SUCCEEDED[\\s\\S]*● {3}approve .*RUNNING .*waits for a judgment, one of go, hold: kubectl staysail approve ${name} approve --input INPUT\n`
      + ' +Check the error rate on the shop dashboard\\.\n +Hold if it rose\\.\n'));
    const noInput = await plugin(['approve', name, 'approve']);
    assert.equal(noInput.code, 1);
    assert.match(noInput.err, new RegExp(`stage "approve" of PipelineRun "${name}" asks for one of its inputs: go, hold; approve with --input, e\\.g\\. kubectl staysail approve ${name} approve --input go`));

    const wrongInput = await plugin(['approve', name, 'approve', '--input', 'maybe']);
    assert.equal(wrongInput.code, 1);
    assert.match(wrongInput.err, /--input maybe is not one of stage "approve"'s inputs: go, hold/);
    const approved = await plugin(['approve', name, 'approve', '--input', 'go']);
    assert.equal(approved.code, 0, approved.err);
    assert.equal(approved.out.trim(), `approved stage "approve" of PipelineRun "${name}" as staysail-admin`);

    const watched = await plugin(['get', 'run', name, '--watch']);
    assert.equal(watched.code, 0, watched.out + watched.err);
    assert.match(watched.out, /stage approve SUCCEEDED/);
    assert.match(watched.out, new RegExp(`run ${name} Succeeded\\n$`));

    // On a terminal (script gives it one) the tree is drawn in colour, redrawn in place.
    const onTty = await new Promise<string>((resolve) => execFile('script', ['-qec',
      `kubectl staysail get run ${name} --watch --kubeconfig ${sharedCluster().kubeconfigPath} -n ${ns}`, '/dev/null'],
    { timeout: 60_000, env: { ...process.env, PATH: `${pluginDir}${delimiter}${process.env.PATH}`, NO_COLOR: '' } }, (_e, out) => resolve(out)));
    const esc = '\u001b';
    assert.ok(onTty.includes(`${esc}[32m✔${esc}[0m check`), `a green tick: ${JSON.stringify(onTty.slice(0, 300))}`);
    assert.ok(onTty.includes(`${esc}[1mPipelineRun `), 'a bold header');

    const json = JSON.parse((await plugin(['get', 'run', name, '-o', 'json'])).out) as { status: { stages: { refId: string; outputs?: object; judgment?: object }[] } };
    assert.deepEqual(json.status.stages.find((s) => s.refId === 'after')?.outputs, { choice: 'go' });
    assert.deepEqual({ ...json.status.stages.find((s) => s.refId === 'approve')?.judgment, time: undefined },
      { decision: 'approve', input: 'go', user: 'staysail-admin', client: 'staysail', time: undefined });
    const again = await plugin(['approve', name, 'approve']);
    assert.equal(again.code, 1);
    assert.match(again.err, /stage "approve" of PipelineRun "ship-\w+" is not waiting for a judgment \(it is a manualJudgment stage, SUCCEEDED\)/);
  });

  it('keeps every decision: two judgments of one run, decided at the same moment', async () => {
    await apply(pipeline('pair', [{ refId: 'a', type: 'manualJudgment', manualJudgment: {} }, { refId: 'b', type: 'manualJudgment', manualJudgment: {} }]));
    const name = /started PipelineRun (pair-\w+)/.exec((await plugin(['start', 'pair'])).out)?.[1];
    assert.ok(name);
    await waitFor(async () => (await plugin(['list', 'runs', '--pipeline', 'pair'])).out.includes('judgment a, judgment b'), 30_000, () => 'never waited');
    const [a, b] = await Promise.all([plugin(['approve', name, 'a']), plugin(['approve', name, 'b'])]);
    assert.equal(a.code + b.code, 0, a.err + b.err);
    const watched = await plugin(['get', 'run', name, '--watch']);
    assert.equal(watched.code, 0, watched.out);
    const run = JSON.parse((await plugin(['get', 'run', name, '-o', 'json'])).out) as { spec: { judgments: { stage: string }[] } };
    assert.deepEqual(run.spec.judgments.map((j) => j.stage).sort(), ['a', 'b']);
  });

  it('cancels a run, restarts a stage, and says plainly what is wrong', async () => {
    const started = await plugin(['start', 'ship', '-p', 'version=2', '-o', 'json']);
    const name = (JSON.parse(started.out) as { metadata: { name: string } }).metadata.name;
    await waitFor(async () => (await plugin(['list', 'runs', '--pipeline', 'ship'])).out.includes(`${name}`), 20_000, () => 'not listed');
    assert.equal((await plugin(['cancel', name])).code, 0);
    await waitFor(async () => /run \S+ Canceled|Canceled/.test((await plugin(['get', 'run', name])).out), 30_000, () => 'not canceled');
    const restarted = await plugin(['restart', name, 'check']);
    assert.equal(restarted.code, 0, restarted.err);
    assert.match(restarted.out, new RegExp(`restarting stage "check" of PipelineRun "${name}" and what follows it`));
    await waitFor(async () => /● {3}approve .*RUNNING/.test((await plugin(['get', 'run', name])).out), 30_000, () => 'the restart did not run');
    const rejected = await plugin(['reject', name, 'approve', '--comment', 'not this one']);
    assert.equal(rejected.code, 0, rejected.err);
    await waitFor(async () => /run \S+ Failed|Failed/.test((await plugin(['get', 'run', name])).out.split('\n')[0]!), 30_000, () => 'the rejection did not fail the run');
    assert.match((await plugin(['get', 'run', name])).out, /✘ {3}approve .*TERMINAL .*rejected by staysail-admin/);

    const cases: [string[], RegExp, number][] = [
      [['get', 'run', 'missing'], new RegExp(`PipelineRun "missing" not found in namespace "${ns}" \\(kubectl staysail list runs shows the runs there\\)`), 1],
      [['start', 'ship'], /parameter "version" is required by pipeline "ship" and was not given/, 1],
      [['start', 'nope'], new RegExp(`Pipeline "nope" not found in namespace "${ns}"`), 1],
      [['promote', 'shop-prod'], new RegExp(`Cluster "shop-prod" not found in namespace "${ns}"`), 1],
      [['approve', name], /approve takes RUN STAGE/, 2],
      [['frobnicate'], /unknown command "frobnicate"/, 2],
    ];
    for (const [args, message, code] of cases) {
      const r = await plugin(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message, args.join(' '));
    }
    const unreachable = join(pluginDir, 'unreachable.kubeconfig');
    const [closed] = await freePorts(1);
    writeFileSync(unreachable, JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${closed}` } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      users: [{ name: 'u', user: { token: 't' } }] }));
    const down = await plugin(['list', 'runs'], unreachable);
    assert.equal(down.code, 1);
    assert.match(down.err, new RegExp(`cannot reach the cluster at https://127\\.0\\.0\\.1:${closed}: ECONNREFUSED \\(is it running\\? check --kubeconfig and --context\\)`));
  });

  it('refuses to start a pipeline the operator found invalid, skips an execution window, and ends a piped watch with the reason', async () => {
    await apply(pipeline('broken', [{ refId: 'a', type: 'wait', wait: { duration: '1s' }, requisiteStageRefIds: ['nope'] }]));
    let refused = { code: 0, out: '', err: '' };
    await waitFor(async () => { refused = await plugin(['start', 'broken']); return refused.code === 1; }, 20_000, () => `start did not refuse: ${refused.out}`);
    assert.match(refused.err, /^error: Pipeline "broken" is not valid, so no run was started: Pipeline "broken": stage "a" requires "nope", which does not exist$/m);
    assert.doesNotMatch((await plugin(['list', 'runs', '--pipeline', 'broken'])).out, /broken-/);

    // A window that opens twelve hours from now: the stage waits SUSPENDED until told to skip it.
    const start = (new Date().getUTCHours() + 12) % 24;
    const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
    await apply(pipeline('windowed', [{ refId: 'w', type: 'wait', wait: { duration: '1s' }, executionWindow: { hours: [{ start: hh(start), end: hh((start + 1) % 24) }] } }]));
    const name = /started PipelineRun (windowed-\w+)/.exec((await plugin(['start', 'windowed'])).out)?.[1];
    assert.ok(name);
    await waitFor(async () => /◌ w .*SUSPENDED/.test((await plugin(['get', 'run', name])).out), 30_000, () => 'the stage never waited for its window');
    const notWaiting = await plugin(['skip-window', name, 'nope']);
    assert.equal(notWaiting.code, 1);
    assert.match(notWaiting.err, new RegExp(`PipelineRun "${name}" has no stage "nope" \\(stages: w\\)`));
    const skipped = await plugin(['skip-window', name, 'w']);
    assert.equal(skipped.code, 0, skipped.err);
    assert.equal(skipped.out.trim(), `stage "w" of PipelineRun "${name}" no longer waits for its execution window`);
    const watched = await plugin(['get', 'run', name, '--watch']);
    assert.equal(watched.code, 0, watched.out + watched.err);
    assert.match(watched.out, /stage w SUCCEEDED/);
    const done = await plugin(['skip-window', name, 'w']);
    assert.match(done.err, new RegExp(`stage "w" of PipelineRun "${name}" is not waiting for its execution window \\(it is SUCCEEDED\\)`));

    const failing = /started PipelineRun (ship-\w+)/.exec((await plugin(['start', 'ship', '-p', 'version=latest'])).out)?.[1];
    assert.ok(failing);
    const failed = await plugin(['get', 'run', failing, '--watch']);
    assert.equal(failed.code, 1, failed.out + failed.err);
    assert.match(failed.out, new RegExp(`\nrun ${failing} Failed: .*precondition .*latest.* is false\n$`));
  });
});
