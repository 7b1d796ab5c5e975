import assert from 'node:assert/strict';
import { isPollDue, maxSeen, planPoll, pollIntervalMs, recordAfter, type Version } from './poll.ts';

const v = (key: string, version: string): Version => ({ key, version });

describe('planPoll', () => {
  const cases: { name: string; seen: Version[] | undefined; read: Version[]; fire: Version[]; record: Version[] }[] = [
    { name: 'the first read records everything and fires nothing', seen: undefined, read: [v('1.0', 'a'), v('1.1', 'b')], fire: [], record: [v('1.0', 'a'), v('1.1', 'b')] },
    { name: 'a new key fires, and is recorded first', seen: [v('1.0', 'a')], read: [v('1.0', 'a'), v('1.1', 'b')], fire: [v('1.1', 'b')], record: [v('1.1', 'b'), v('1.0', 'a')] },
    { name: 'the same version again fires nothing', seen: [v('1.0', 'a')], read: [v('1.0', 'a')], fire: [], record: [v('1.0', 'a')] },
    { name: 'a key with a new version fires again', seen: [v('1.0', 'a')], read: [v('1.0', 'c')], fire: [v('1.0', 'c')], record: [v('1.0', 'c')] },
    { name: 'a key no longer read is forgotten', seen: [v('1.0', 'a'), v('0.9', 'z')], read: [v('1.0', 'a')], fire: [], record: [v('1.0', 'a')] },
    { name: 'an empty record (nothing was there) fires what appears', seen: [], read: [v('1.0', 'a')], fire: [v('1.0', 'a')], record: [v('1.0', 'a')] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planPoll(c.seen, c.read);
      assert.deepEqual(plan.fire, c.fire);
      assert.deepEqual(plan.seen, c.record);
    });
  }

  it('records at most maxSeen keys', () => {
    const read = Array.from({ length: maxSeen + 50 }, (_, i) => v(`t${i}`, 'd'));
    assert.equal(planPoll(undefined, read).seen.length, maxSeen);
    assert.equal(planPoll(read.slice(0, maxSeen), read).seen.length, maxSeen);
  });

  it('with more keys than it records, polls where nothing changed fire nothing, poll after poll', () => {
    const read = Array.from({ length: maxSeen + 100 }, (_, i) => v(`branch-${String(i).padStart(3, '0')}`, 'c'));
    let seen = planPoll(undefined, read).seen;
    for (let poll = 0; poll < 3; poll++) {
      const plan = planPoll(seen, read);
      assert.deepEqual(plan.fire, [], `poll ${poll + 2} fired ${plan.fire.length}`);
      seen = plan.seen;
    }
  });

  it('a run that could not start leaves its key as it was, so the next poll fires it again', () => {
    const seen = [v('1.0', 'a')];
    const read = [v('1.0', 'c'), v('1.1', 'b')];
    const after = recordAfter(seen, read, [v('1.1', 'b')]);
    assert.deepEqual(after, [v('1.1', 'b'), v('1.0', 'a')]);
    assert.deepEqual(planPoll(after, read).fire, [v('1.0', 'c')]);
  });
});

describe('pollIntervalMs and isPollDue', () => {
  it('defaults to 60s, reads durations, refuses less than 10s and non-durations naming the field', () => {
    assert.equal(pollIntervalMs(undefined, 'docker.pollInterval'), 60_000);
    assert.equal(pollIntervalMs('2m', 'docker.pollInterval'), 120_000);
    assert.deepEqual(pollIntervalMs('5s', 'docker.pollInterval'), { error: 'docker.pollInterval "5s" is shorter than 10s; poll at most every 10 seconds' });
    assert.match((pollIntervalMs('soon', 'git.poll.interval') as { error: string }).error, /^git\.poll\.interval: "soon" is not a duration/);
  });
  it('is due when never polled or once the interval passed', () => {
    assert.equal(isPollDue(undefined, 10_000, 5), true);
    assert.equal(isPollDue(0, 10_000, 9_999), false);
    assert.equal(isPollDue(0, 10_000, 10_000), true);
  });
});
