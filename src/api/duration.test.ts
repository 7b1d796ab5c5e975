import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations', () => {
  const cases: [string, number][] = [['30s', 30_000], ['5m', 300_000], ['1h30m', 5_400_000], ['250ms', 250], ['2d', 172_800_000], ['1m5s10ms', 65_010]];
  for (const [text, ms] of cases) it(`${text} is ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  for (const bad of ['', '5', '5 minutes', 'm5', '1h 30m', '-1s']) {
    it(`refuses "${bad}"`, () => assert.throws(() => parseDuration(bad), /is not a duration such as 30s/));
  }
  it('formats', () => assert.deepEqual([90_000, 3_600_000, 500, 93_784_000].map(formatDuration), ['1m30s', '1h', '500ms', '1d2h3m4s']));
});
