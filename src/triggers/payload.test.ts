import assert from 'node:assert/strict';
import { matchConstraints, valueAt } from './payload.ts';

const payload = { action: 'published', release: { tag: 'v1.4.2', prerelease: false, assets: [{ name: 'app.tgz' }] }, labels: ['ci', 'deploy'], count: 3 };

describe('payload constraints', () => {
  it('valueAt follows dotted paths, array elements by index', () => {
    assert.equal(valueAt(payload, 'release.tag'), 'v1.4.2');
    assert.equal(valueAt(payload, 'release.assets.0.name'), 'app.tgz');
    assert.equal(valueAt(payload, 'release.nope.deeper'), undefined);
    assert.equal(valueAt(payload, 'action.length'), undefined);
  });

  const cases: { name: string; constraints: Record<string, string>; want: RegExp | true }[] = [
    { name: 'no constraints match anything', constraints: {}, want: true },
    { name: 'every constraint matches', constraints: { action: 'published', 'release.tag': 'v1\\.\\d+\\.\\d+' }, want: true },
    { name: 'an expression matches the whole value, not a part', constraints: { action: 'publish' }, want: /action does not match "publish"/ },
    { name: 'one of several does not match', constraints: { action: 'published', 'release.tag': 'v2\\..*' }, want: /release.tag does not match/ },
    { name: 'a boolean and a number by their text', constraints: { 'release.prerelease': 'false', count: '[0-9]+' }, want: true },
    { name: 'an array matches when any element does', constraints: { labels: 'deploy' }, want: true },
    { name: 'a missing field matches nothing', constraints: { 'release.channel': '.*' }, want: /has no field release.channel/ },
    { name: 'an object matches no expression', constraints: { release: '.*' }, want: /release does not match/ },
    { name: 'a malformed expression does not match and says so', constraints: { action: '(published' }, want: /payloadConstraints\["action"\] is not a valid regular expression/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = matchConstraints(payload, c.constraints);
      if (c.want === true) assert.deepEqual(got, { matched: true });
      else { assert.equal(got.matched, false); assert.match((got as { why: string }).why, c.want); }
    });
  }
});
