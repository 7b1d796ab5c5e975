import assert from 'node:assert/strict';
import type { Clock } from './clock.ts';
import { RateLimiter } from './kube-client.ts';

/** A clock set by hand, that may be stepped back (as NTP may); timers are recorded, not run. */
function steppedClock(start: number) {
  const waits: number[] = [];
  const clock: Clock & { time: number } = {
    time: start,
    now() { return this.time; },
    setTimer(ms, fn) { waits.push(ms); clock.time += ms; queueMicrotask(fn); return { cancel: () => undefined }; },
  };
  return { clock, waits };
}

describe('the API client\'s rate limiter', () => {
  it('spends its burst at once, then waits 1/qps per request', async () => {
    const { clock, waits } = steppedClock(1_000_000);
    const limiter = new RateLimiter(clock, 10, 2);
    await limiter.take();
    await limiter.take();
    assert.deepEqual(waits, []);
    await limiter.take();
    assert.deepEqual(waits, [100]);
  });

  it('goes on at its rate when the clock is stepped back, instead of waiting out the step', async () => {
    const { clock, waits } = steppedClock(1_000_000);
    const limiter = new RateLimiter(clock, 10, 2);
    await limiter.take();
    await limiter.take();
    clock.time -= 3_600_000;
    await limiter.take();
    assert.deepEqual(waits, [100], 'one request\'s wait, not an hour\'s');
  });
});
