import assert from 'node:assert/strict';
import { FakeJenkins } from '../../test/fakes/jenkins.ts';
import { isJenkinsError, JenkinsClient, jobPath, parseProperties, queueItemId } from './jenkins-client.ts';

describe('jenkins client: pure parts', () => {
  it('nests folders as /job/a/job/b and encodes each name', () => {
    assert.equal(jobPath('deploy'), '/job/deploy');
    assert.equal(jobPath('team/shop/release build'), '/job/team/job/shop/job/release%20build');
  });
  it('reads the queue item id from a Location', () => {
    assert.equal(queueItemId('http://j:8080/jenkins/queue/item/39/'), 39);
    assert.equal(queueItemId('http://j/job/x/'), undefined);
    assert.equal(queueItemId(null), undefined);
  });
  const cases: [string, string, Record<string, string>][] = [
    ['key=value lines', 'a=1\nb=two words\n', { a: '1', b: 'two words' }],
    ['colons, spaces and blanks around the separator', 'a: 1\nb 2\n  c = 3', { a: '1', b: '2', c: '3' }],
    ['comments and empty lines', '# build info\n! also\n\nversion=1.2\n', { version: '1.2' }],
    ['a backslash continues the line', 'list=a,\\\n    b,\\\n    c\n', { list: 'a,b,c' }],
    ['escapes', 'path=C\\:\\\\tmp\\tx\nu=\\u00e9t\\u00e9\nkey\\=with\\:seps=v', { path: 'C:\\tmp\tx', u: 'été', 'key=with:seps': 'v' }],
    ['CRLF endings and a key with no value', 'a=1\r\nempty\r\n', { a: '1', empty: '' }],
    ['the last of a repeated key', 'a=1\na=2', { a: '2' }],
  ];
  for (const [name, text, want] of cases) it(`properties: ${name}`, () => assert.deepEqual(parseProperties(text), want));
});

describe('jenkins client against the fake Jenkins', function () {
  this.timeout(20_000);
  const fake = new FakeJenkins({ ci: 'tok-1' });
  let client: JenkinsClient;
  let base: string;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const untilBuild = async (c: JenkinsClient, id: number) => {
    for (let i = 0; i < 100; i++) { const q = await c.queueItem(id); if (q.build || q.cancelled) return q; await sleep(50); }
    throw new Error('never left the queue');
  };

  before(async () => {
    base = await fake.start();
    client = new JenkinsClient('main', `${base}/`, { credentials: { username: 'ci', token: 'tok-1' } });
    fake.job('team/release', { parameters: [{ name: 'VERSION' }, { name: 'ENV', default: 'staging' }], quietPeriodMs: 150,
      build: (p) => ({ result: p.VERSION === 'bad' ? 'FAILURE' : 'SUCCESS', durationMs: 100,
        artifacts: { 'out/build.properties': `version=${p.VERSION}\nimage=shop:${p.VERSION}\n` } }) });
    fake.job('plain', { build: () => ({ result: 'UNSTABLE', durationMs: 50 }) });
  });
  after(() => fake.close());

  it('reads a job: the parameters it defines, or none', async () => {
    assert.deepEqual(await client.job('team/release'), { name: 'team/release', url: `${base}/job/team/job/release/`, parameters: ['VERSION', 'ENV'], buildable: true, builds: [] });
    assert.deepEqual((await client.job('plain')).parameters, []);
  });

  it('starts a parameterized build with the crumb, follows its queue item to the build, reads its result, parameters and property file', async () => {
    const id = await client.startBuild('team/release', true, { VERSION: '1.2', EXTRA: 'dropped' });
    const start = fake.starts('team/release')[0]!;
    assert.match(String(start.headers['jenkins-crumb']), /^[0-9a-f]{32}$/, 'the crumb goes along');
    assert.match(String(start.headers.cookie), /^JSESSIONID\.fake=/, 'with the session it belongs to');
    assert.equal(start.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(start.body)), { VERSION: '1.2', EXTRA: 'dropped' });
    const waiting = await client.queueItem(id);
    assert.equal(waiting.build, undefined);
    assert.match(waiting.why!, /^In the quiet period/);
    const left = await untilBuild(client, id);
    assert.deepEqual(left.build, { number: 1, url: `${base}/job/team/job/release/1/` });
    let build = await client.build('team/release', 1);
    assert.equal(build.building, true);
    assert.equal(build.result, null);
    await sleep(150);
    build = await client.build('team/release', 1);
    assert.deepEqual({ building: build.building, result: build.result, parameters: build.parameters, artifacts: build.artifacts },
      { building: false, result: 'SUCCESS', parameters: { VERSION: '1.2', ENV: 'staging' }, artifacts: ['out/build.properties'] });
    assert.deepEqual(parseProperties(await client.artifact('team/release', 1, 'out/build.properties')), { version: '1.2', image: 'shop:1.2' });
  });

  it('starts a job without parameters through /build', async () => {
    const id = await client.startBuild('plain', false);
    assert.equal(fake.starts('plain')[0]!.path, '/job/plain/build');
    assert.equal((await untilBuild(client, id)).build?.number, 1);
  });

  it('lists the completed builds after a number, oldest first', async () => {
    const ids = [await client.startBuild('team/release', true, { VERSION: 'bad' }), await client.startBuild('team/release', true, { VERSION: '1.3' })];
    for (const id of ids) await untilBuild(client, id);
    await sleep(150);
    const after1 = await client.completedBuildsAfter('team/release', 1);
    assert.deepEqual(after1.map((b) => [b.number, b.result, b.parameters.VERSION]), [[2, 'FAILURE', 'bad'], [3, 'SUCCESS', '1.3']]);
    assert.deepEqual(await client.completedBuildsAfter('team/release', 3), []);
  });

  it('cancels a waiting queue item, and stops a running build', async () => {
    fake.job('slow', { parameters: [{ name: 'X' }], quietPeriodMs: 60_000 });
    const id = await client.startBuild('slow', true, { X: '1' });
    await client.cancelQueueItem(id);
    assert.deepEqual(await client.queueItem(id), { id, cancelled: true });
    await client.cancelQueueItem(id); // gone already: no error
    fake.job('long', { build: () => ({ durationMs: 60_000 }) });
    const b = (await untilBuild(client, await client.startBuild('long', false))).build!;
    await client.stopBuild('long', b.number);
    assert.equal((await client.build('long', b.number)).result, 'ABORTED');
  });

  it('says what went wrong: a wrong token, an unknown job, a job that takes no parameters, Jenkins unreachable', async () => {
    const wrong = new JenkinsClient('main', base, { credentials: { username: 'ci', token: 'nope' } });
    await assert.rejects(wrong.job('plain'), (err) => isJenkinsError(err, 'Unauthorized') && !err.retryable
      && /^Jenkins "main" refused job "plain" \(GET \/job\/plain\/api\/json answered 401\): user "ci" and its API token are not accepted/.test(err.message));
    await assert.rejects(new JenkinsClient('main', base).job('plain'), (err) => isJenkinsError(err, 'Unauthorized') && /it needs credentials/.test(err.message));
    await assert.rejects(client.job('nope'), (err) => isJenkinsError(err, 'NotFound') && err.message === 'Jenkins "main" has no job "nope" (GET /job/nope/api/json answered 404)');
    await assert.rejects(client.startBuild('plain', true, { A: '1' }), (err) => isJenkinsError(err, 'Refused') && err.retryable
      && /answered 500: java\.lang\.IllegalStateException: This build is not parameterized!/.test(err.message));
    await assert.rejects(new JenkinsClient('gone', 'http://127.0.0.1:1').job('x'), (err) => isJenkinsError(err, 'Unreachable') && err.retryable
      && /^Jenkins "gone" at http:\/\/127\.0\.0\.1:1 could not be reached for job "x"/.test(err.message));
  });
});
