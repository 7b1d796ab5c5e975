import assert from 'node:assert/strict';
import { JenkinsError, type JenkinsBuild } from './jenkins-client.ts';
import { describeJenkinsError, jenkinsEvent, jenkinsPayload, missingPropertyFile, planJenkins } from './jenkins-trigger.ts';

const build = (number: number, result: string | null, extra: Partial<JenkinsBuild> = {}): JenkinsBuild =>
  ({ number, url: `http://j/job/app/${number}/`, building: result === null, result, parameters: {}, artifacts: [], ...extra });
const spec = { master: 'ci', job: 'team/app' };

describe('planJenkins', () => {
  const cases: { name: string; recorded: number | undefined; builds: JenkinsBuild[]; fire: number[]; last: number }[] = [
    { name: 'the first read records the newest completed build and fires nothing', recorded: undefined,
      builds: [build(3, 'SUCCESS'), build(1, 'SUCCESS'), build(2, 'FAILURE')], fire: [], last: 3 },
    { name: 'the first read of a job still building its newest build records the completed one before it', recorded: undefined,
      builds: [build(1, 'SUCCESS'), build(2, null)], fire: [], last: 1 },
    { name: 'the first read of a job with no builds records 0, so its first build fires', recorded: undefined, builds: [], fire: [], last: 0 },
    { name: 'a new SUCCESS build fires', recorded: 3, builds: [build(3, 'SUCCESS'), build(4, 'SUCCESS')], fire: [4], last: 4 },
    { name: 'FAILURE, UNSTABLE, ABORTED and NOT_BUILT fire none but are passed', recorded: 3,
      builds: [build(4, 'FAILURE'), build(5, 'UNSTABLE'), build(6, 'ABORTED'), build(7, 'NOT_BUILT')], fire: [], last: 7 },
    { name: 'several new builds fire in number order', recorded: 1, builds: [build(4, 'SUCCESS'), build(2, 'SUCCESS'), build(3, 'FAILURE')], fire: [2, 4], last: 4 },
    { name: 'a build still building is not passed, and the builds after it wait for it', recorded: 1,
      builds: [build(2, 'SUCCESS'), build(3, null), build(4, 'SUCCESS')], fire: [2], last: 2 },
    { name: 'once it finished, it and those after it fire', recorded: 2,
      builds: [build(2, 'SUCCESS'), build(3, 'SUCCESS'), build(4, 'SUCCESS')], fire: [3, 4], last: 4 },
    { name: 'nothing new fires nothing', recorded: 4, builds: [build(4, 'SUCCESS'), build(3, 'SUCCESS')], fire: [], last: 4 },
    { name: 'every build deleted keeps the record', recorded: 4, builds: [], fire: [], last: 4 },
    { name: 'a job made again (its newest build below the record) records without firing', recorded: 40,
      builds: [build(1, 'SUCCESS'), build(2, 'SUCCESS')], fire: [], last: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planJenkins(c.recorded, c.builds);
      assert.deepEqual(plan.fire.map((b) => b.number), c.fire);
      assert.equal(plan.last, c.last);
    });
  }
});

describe('jenkins trigger events and payloads', () => {
  it('names the event from the server, the job and the build number', () => {
    assert.equal(jenkinsEvent(spec, 7), jenkinsEvent({ ...spec }, 7));
    assert.notEqual(jenkinsEvent(spec, 7), jenkinsEvent(spec, 8));
    assert.notEqual(jenkinsEvent(spec, 7), jenkinsEvent({ master: 'ci', job: 'team/other' }, 7));
    assert.notEqual(jenkinsEvent(spec, 7), jenkinsEvent({ master: 'ci2', job: 'team/app' }, 7));
    assert.match(jenkinsEvent(spec, 7), /^[0-9a-f]{8}-7$/);
  });

  it('carries the build\'s number, result, URL, parameters and the properties', () => {
    const b = build(7, 'SUCCESS', { parameters: { VERSION: '1.2', DRY: true } });
    assert.deepEqual(jenkinsPayload(spec, b, 'http://j', { image: 'app:1.2' }),
      { master: 'ci', job: 'team/app', buildNumber: 7, result: 'SUCCESS', url: 'http://j/job/app/7/', parameters: { VERSION: '1.2', DRY: true }, properties: { image: 'app:1.2' } });
    assert.equal('properties' in jenkinsPayload(spec, b, 'http://j'), false);
    assert.equal(jenkinsPayload(spec, { ...b, url: '' }, 'http://j/ctx').url, 'http://j/ctx/job/team/job/app/7/');
  });

  it('says when a SUCCESS build archived no property file, naming the build, the file and the fix', () => {
    const withFile = { ...spec, propertyFile: 'out/build.properties' };
    assert.equal(missingPropertyFile(spec, build(7, 'SUCCESS')), undefined);
    assert.equal(missingPropertyFile(withFile, build(7, 'SUCCESS', { artifacts: ['out/build.properties'] })), undefined);
    assert.equal(missingPropertyFile(withFile, build(7, 'SUCCESS', { artifacts: ['app.jar'] })),
      'build #7 of job "team/app" on Jenkins "ci" succeeded but archived no "out/build.properties" (it archived app.jar), so it starts no run; '
      + 'archive the file in the job (archiveArtifacts), or correct jenkins.propertyFile');
  });

  it('adds what to check to Jenkins\' errors', () => {
    assert.match(describeJenkinsError(new JenkinsError('Unauthorized', 'ci', 'Jenkins "ci" refused job "x"'), spec), /check the user and API token in the Secret that ConfigMap "staysail-jenkins" names for "ci"/);
    assert.match(describeJenkinsError(new JenkinsError('NotFound', 'ci', 'Jenkins "ci" has no job "x"'), spec), /; check jenkins\.job \(a job in a folder is folder\/job\)$/);
    assert.match(describeJenkinsError(new JenkinsError('Unreachable', 'ci', 'Jenkins "ci" could not be reached'), spec), /check the url of "ci" in ConfigMap "staysail-jenkins"/);
    assert.equal(describeJenkinsError(new Error('ConfigMap "staysail-jenkins" does not exist'), spec), 'ConfigMap "staysail-jenkins" does not exist');
  });
});
