import assert from 'node:assert/strict';
import { FakeJenkins } from '../../../test/fakes/jenkins.ts';
import { ApiError } from '../../core/errors.ts';
import { jenkinsStage } from './jenkins.ts';
import type { StageOutcome, StageRun } from './stage-type.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('jenkins stage against the fake Jenkins', function () {
  this.timeout(30_000);
  const fake = new FakeJenkins({ deployer: 'tok' });
  let base: string;
  let configMap: Record<string, string>;
  // A clock ahead of the wall clock: each pass moves it past the stage's poll interval.
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  const client = {
    async get(rt: { kind: string }, _ns: string, name: string) {
      if (rt.kind === 'ConfigMap' && name === 'staysail-jenkins') return { metadata: { name }, data: configMap };
      if (rt.kind === 'Secret' && name === 'jenkins-ci') return { metadata: { name }, data: { username: b64('deployer'), token: b64('tok') } };
      throw new ApiError(404, 'NotFound', `${rt.kind} ${name} not found`);
    },
  };

  const stageRun = (config: object, state?: Record<string, unknown>) => ({
    run: { metadata: { name: 'release-1', namespace: 'shop', uid: 'u1' } },
    stage: { refId: 'build', type: 'jenkins', jenkins: config },
    config: { waitForCompletion: true, ...config }, record: { refId: 'build', type: 'jenkins', status: 'RUNNING', ...(state ? { state } : {}) },
    clock, client,
  }) as unknown as StageRun;

  /** Passes as the run controller makes them, each with the state the last one left, until the stage ends. */
  async function run(config: object, passes: StageOutcome[] = []): Promise<{ last: StageOutcome; passes: StageOutcome[]; state?: Record<string, unknown> }> {
    let state: Record<string, unknown> | undefined;
    for (let i = 0; i < 200; i++) {
      const outcome = await jenkinsStage.execute(stageRun(config, state));
      passes.push(outcome);
      if (outcome.state) state = outcome.state;
      if (outcome.status !== 'RUNNING') return { last: outcome, passes, state };
      offset += 10_000;
      await sleep(20);
    }
    throw new Error(`the stage never ended: ${JSON.stringify(passes.at(-1))}`);
  }

  before(async () => {
    base = await fake.start();
    configMap = { ci: `url: ${base}\ncredentialsSecretRef: {name: jenkins-ci}`, anonymous: `url: ${base}` };
    fake.job('shop/release', { parameters: [{ name: 'VERSION' }, { name: 'ENV', default: 'staging' }], quietPeriodMs: 50,
      build: (p) => ({ result: p.VERSION === 'broken' ? 'UNSTABLE' : 'SUCCESS', durationMs: 100,
        artifacts: { 'build.properties': `image=shop:${p.VERSION}\n# comment\ncommit: abc123\n` } }) });
    fake.job('smoke', { build: () => ({ durationMs: 50 }) });
  });
  after(() => fake.close());

  it('runs the job with its parameters, follows the queue to the build, and outputs number, url, result and properties', async () => {
    const { last, passes } = await run({ master: 'ci', job: 'shop/release', parameters: { VERSION: '1.4' }, propertyFile: 'build.properties' });
    assert.equal(last.status, 'SUCCEEDED');
    const url = `${base}/job/shop/job/release/1/`;
    assert.deepEqual(last.outputs, { buildNumber: 1, url, result: 'SUCCESS', properties: { image: 'shop:1.4', commit: 'abc123' } });
    assert.equal(last.message, `build #1 of job "shop/release" on Jenkins "ci" succeeded: ${url}`);
    assert.match(passes[0]!.message!, /^queued job "shop\/release" on Jenkins "ci" \(queue item \d+\)$/);
    assert.deepEqual(fake.builds('shop/release').map((b) => b.parameters), [{ VERSION: '1.4', ENV: 'staging' }]);
    assert.equal(fake.starts('shop/release').length, 1, 'one build queued over all the passes');
  });

  it('a pass repeated with the state it left follows the same queue item instead of queueing another', async () => {
    const first = await jenkinsStage.execute(stageRun({ master: 'ci', job: 'smoke' }));
    assert.equal(first.status, 'RUNNING');
    offset += 10_000;
    // The next passes, as an operator restarted after the first one's status write makes them.
    for (let i = 0; i < 3; i++) await jenkinsStage.execute(stageRun({ master: 'ci', job: 'smoke' }, first.state));
    assert.equal(fake.starts('smoke').length, 1);
  });

  it('waits between looks: a pass before the poll interval is over asks Jenkins nothing', async () => {
    const first = await jenkinsStage.execute(stageRun({ master: 'ci', job: 'smoke' }));
    const before = fake.requests.length;
    const again = await jenkinsStage.execute(stageRun({ master: 'ci', job: 'smoke' }, first.state));
    assert.equal(again.status, 'RUNNING');
    assert.equal(fake.requests.length, before);
    assert.ok((again as { pollAfterMs: number }).pollAfterMs > 0);
  });

  it('fails with a build that ends other than SUCCESS, naming the result and the build', async () => {
    const { last } = await run({ master: 'ci', job: 'shop/release', parameters: { VERSION: 'broken' }, propertyFile: 'build.properties' });
    assert.equal(last.status, 'FAILED');
    assert.match(last.message!, /^build #\d+ of job "shop\/release" on Jenkins "ci" ended UNSTABLE: http:\/\/127\.0\.0\.1:\d+\/job\/shop\/job\/release\/\d+\/$/);
    assert.equal(last.outputs?.result, 'UNSTABLE');
    assert.equal((last as { final?: boolean }).final, undefined, 'a retry may build it again');
  });

  it('without waitForCompletion, succeeds once the build has started', async () => {
    fake.job('long', { build: () => ({ durationMs: 60_000 }) });
    const { last } = await run({ master: 'ci', job: 'long', waitForCompletion: false });
    assert.equal(last.status, 'SUCCEEDED');
    assert.deepEqual(last.outputs, { buildNumber: 1, url: `${base}/job/long/1/` });
  });

  it('cancel stops the running build, or cancels the queue item it waits as', async () => {
    fake.job('held', { quietPeriodMs: 60_000 });
    const queued = await jenkinsStage.execute(stageRun({ master: 'ci', job: 'held' }));
    await jenkinsStage.cancel!(stageRun({}, queued.state)); // the run controller cancels without the config
    offset += 10_000;
    const after = await jenkinsStage.execute(stageRun({ master: 'ci', job: 'held' }, queued.state));
    assert.match(after.message!, /^job "held" on Jenkins "ci": queue item \d+ was cancelled in Jenkins before it became a build$/);

    fake.job('forever', { build: () => ({ durationMs: 600_000 }) });
    const passes: StageOutcome[] = [];
    let state: Record<string, unknown> | undefined;
    while (!state?.build) {
      const o = await jenkinsStage.execute(stageRun({ master: 'ci', job: 'forever' }, state));
      passes.push(o);
      state = o.state ?? state;
      offset += 10_000;
      await sleep(20);
    }
    await jenkinsStage.cancel!(stageRun({}, state));
    assert.equal(fake.builds('forever')[0]!.result, 'ABORTED');
  });

  const refusals: [string, object, RegExp, boolean?][] = [
    ['a parameter the job does not define', { master: 'ci', job: 'smoke', parameters: { VERSION: '1' } },
      /^job "smoke" on Jenkins "ci" does not define the parameter VERSION \(it defines no parameters\), and Jenkins would drop them; remove them from jenkins\.parameters or add them to the job$/, true],
    ['an unknown job', { master: 'ci', job: 'nope' }, /^Jenkins "ci" has no job "nope" \(GET \/job\/nope\/api\/json answered 404\); check jenkins\.job/],
    ['an unknown server', { master: 'other', job: 'smoke' }, /^ConfigMap "staysail-jenkins" in namespace "shop" names no Jenkins server "other" \(it names ci, anonymous\).* \(jenkins\.master "other"\)$/],
    ['no credentials', { master: 'anonymous', job: 'smoke' }, /^Jenkins "anonymous" refused job "smoke" .*it needs credentials; check the user and API token in the Secret/],
    ['a property file the build did not archive', { master: 'ci', job: 'smoke', propertyFile: 'out.properties' },
      /^build #\d+ of job "smoke" on Jenkins "ci" succeeded but archived no "out\.properties" \(it archived no artifacts\); archive it in the job \(archiveArtifacts\), or fix jenkins\.propertyFile$/],
  ];
  for (const [name, config, message, final] of refusals) {
    it(`fails on ${name}, saying what to fix`, async () => {
      const { last } = await run(config);
      assert.equal(last.status, 'FAILED');
      assert.match(last.message!, message);
      assert.equal((last as { final?: boolean }).final, final);
    });
  }

  it('waits while Jenkins cannot be reached', async () => {
    configMap = { ...configMap, down: 'url: http://127.0.0.1:1' };
    const got = await jenkinsStage.execute(stageRun({ master: 'down', job: 'smoke' }));
    assert.equal(got.status, 'RUNNING');
    assert.match(got.message!, /^Jenkins "down" at http:\/\/127\.0\.0\.1:1 could not be reached for job "smoke": .*; trying again in 3s$/);
  });
});
