import assert from 'node:assert/strict';
import { maxRecheckMs, planCron, type CronMarks, type CronSpec } from './cron.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('planCron', () => {
  const cases: { name: string; cron: CronSpec; marks: { since: string; lastScheduled?: string }; now: string;
    fire?: string; next?: string; missed?: string }[] = [
    { name: 'every minute: due on the minute', cron: { expression: '* * * * *' }, marks: { since: '2026-01-01T00:00:30Z' },
      now: '2026-01-01T00:01:00.200Z', fire: '2026-01-01T00:01:00.000Z', next: '2026-01-01T00:02:00.000Z' },
    { name: 'every minute: not yet due', cron: { expression: '* * * * *' }, marks: { since: '2026-01-01T00:00:30Z' },
      now: '2026-01-01T00:00:45Z', next: '2026-01-01T00:01:00.000Z' },
    { name: 'a schedule already fired does not fire again', cron: { expression: '* * * * *' },
      marks: { since: '2026-01-01T00:00:00Z', lastScheduled: '2026-01-01T00:01:00Z' }, now: '2026-01-01T00:01:05Z', next: '2026-01-01T00:02:00.000Z' },
    { name: 'a trigger armed at the scheduled instant does not fire for it', cron: { expression: '* * * * *' },
      marks: { since: '2026-01-01T00:01:00Z' }, now: '2026-01-01T00:01:00Z', next: '2026-01-01T00:02:00.000Z' },
    { name: 'a trigger armed after a time does not fire for it', cron: { expression: '0 3 * * *' },
      marks: { since: '2026-01-10T03:00:10Z' }, now: '2026-01-10T03:00:20Z', next: '2026-01-11T03:00:00.000Z' },
    { name: 'late by more than the grace, no catch-up window: missed', cron: { expression: '* * * * *' },
      marks: { since: '2026-01-01T00:00:00Z' }, now: '2026-01-01T00:01:45Z', next: '2026-01-01T00:02:00.000Z', missed: '2026-01-01T00:01:00.000Z' },
    { name: 'late within the grace fires', cron: { expression: '* * * * *' },
      marks: { since: '2026-01-01T00:00:00Z' }, now: '2026-01-01T00:01:25Z', fire: '2026-01-01T00:01:00.000Z', next: '2026-01-01T00:02:00.000Z' },
    { name: 'catch-up inside the window (Berlin, 03:00 CET)', cron: { expression: '0 3 * * *', timeZone: 'Europe/Berlin', catchUpWindow: '1h' },
      marks: { since: '2026-01-01T00:00:00Z', lastScheduled: '2026-01-10T02:00:00Z' }, now: '2026-01-11T02:30:00Z',
      fire: '2026-01-11T02:00:00.000Z', next: '2026-01-12T02:00:00.000Z' },
    { name: 'catch-up outside the window: missed', cron: { expression: '0 3 * * *', timeZone: 'Europe/Berlin', catchUpWindow: '10m' },
      marks: { since: '2026-01-01T00:00:00Z', lastScheduled: '2026-01-10T02:00:00Z' }, now: '2026-01-11T02:30:00Z',
      next: '2026-01-12T02:00:00.000Z', missed: '2026-01-11T02:00:00.000Z' },
    { name: 'many missed: one catch-up run, for the latest', cron: { expression: '0 * * * *', catchUpWindow: '1h' },
      marks: { since: '2026-01-01T00:00:00Z', lastScheduled: '2026-01-01T00:00:00Z' }, now: '2026-01-01T05:10:00Z',
      fire: '2026-01-01T05:00:00.000Z', next: '2026-01-01T06:00:00.000Z' },
    { name: 'New York in winter: 09:00 EST is 14:00 UTC', cron: { expression: '0 9 * * *', timeZone: 'America/New_York' },
      marks: { since: '2026-01-01T00:00:00Z' }, now: '2026-01-15T14:00:05Z', fire: '2026-01-15T14:00:00.000Z', next: '2026-01-16T14:00:00.000Z' },
    { name: 'New York in summer: 09:00 EDT is 13:00 UTC', cron: { expression: '0 9 * * *', timeZone: 'America/New_York' },
      marks: { since: '2026-07-01T00:00:00Z' }, now: '2026-07-15T13:00:05Z', fire: '2026-07-15T13:00:00.000Z', next: '2026-07-16T13:00:00.000Z' },
    { name: 'DST spring forward (Berlin): 02:30 does not exist, it fires at 03:00 CEST', cron: { expression: '30 2 * * *', timeZone: 'Europe/Berlin' },
      marks: { since: '2026-03-01T00:00:00Z', lastScheduled: '2026-03-28T01:30:00Z' }, now: '2026-03-29T01:00:10Z',
      fire: '2026-03-29T01:00:00.000Z', next: '2026-03-30T00:30:00.000Z' },
    { name: 'DST fall back (New York): 01:30 occurs twice, fires once', cron: { expression: '30 1 * * *', timeZone: 'America/New_York' },
      marks: { since: '2026-10-01T00:00:00Z', lastScheduled: '2026-11-01T05:30:00Z' }, now: '2026-11-01T06:30:05Z', next: '2026-11-02T06:30:00.000Z' },
    { name: '@hourly', cron: { expression: '@hourly' }, marks: { since: '2026-01-01T00:00:00Z' }, now: '2026-01-01T01:00:01Z',
      fire: '2026-01-01T01:00:00.000Z', next: '2026-01-01T02:00:00.000Z' },
    { name: '@daily in Tokyo is 15:00 UTC', cron: { expression: '@daily', timeZone: 'Asia/Tokyo' }, marks: { since: '2026-01-01T00:00:00Z' },
      now: '2026-01-01T15:00:02Z', fire: '2026-01-01T15:00:00.000Z', next: '2026-01-02T15:00:00.000Z' },
    { name: '@midnight is @daily', cron: { expression: '@midnight' }, marks: { since: '2026-01-01T12:00:00Z' }, now: '2026-01-01T12:00:00Z',
      next: '2026-01-02T00:00:00.000Z' },
    { name: '@weekly starts on Sunday', cron: { expression: '@weekly' }, marks: { since: '2026-01-01T00:00:00Z' }, now: '2026-01-01T00:00:00Z',
      next: '2026-01-04T00:00:00.000Z' },
    { name: '@monthly', cron: { expression: '@monthly' }, marks: { since: '2026-01-01T00:00:00Z' }, now: '2026-02-01T00:00:10Z',
      fire: '2026-02-01T00:00:00.000Z', next: '2026-03-01T00:00:00.000Z' },
    { name: '@yearly', cron: { expression: '@yearly' }, marks: { since: '2026-01-01T00:00:00Z' }, now: '2026-06-01T00:00:00Z',
      next: '2027-01-01T00:00:00.000Z' },
    { name: 'weekdays in working hours (Friday 17:50 in London: Monday 09:00 next)', cron: { expression: '*/15 9-17 * * MON-FRI', timeZone: 'Europe/London' },
      marks: { since: '2026-01-02T00:00:00Z' }, now: '2026-01-02T17:50:00Z', next: '2026-01-05T09:00:00.000Z', missed: '2026-01-02T17:45:00.000Z' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const marks: CronMarks = { since: at(c.marks.since), ...(c.marks.lastScheduled ? { lastScheduled: at(c.marks.lastScheduled) } : {}) };
      const plan = planCron(c.cron, marks, at(c.now));
      assert.ok(!('error' in plan), JSON.stringify(plan));
      assert.deepEqual({ fire: iso(plan.fire), next: iso(plan.next), missed: iso(plan.missed) }, { fire: c.fire, next: c.next, missed: c.missed });
      assert.equal(plan.recheckMs, Math.min(plan.next - at(c.now), maxRecheckMs));
    });
  }

  const errors: { name: string; cron: CronSpec; want: RegExp }[] = [
    { name: 'a date that never comes (30 February)', cron: { expression: '30 2 31 2 *' }, want: /^cron\.expression "30 2 31 2 \*" never fires/ },
    { name: 'a time zone that does not exist', cron: { expression: '* * * * *', timeZone: 'Mars/Olympus' }, want: /^cron\.timeZone "Mars\/Olympus" is not an IANA time zone/ },
    { name: 'a minute out of range', cron: { expression: '61 * * * *' }, want: /^cron\.expression "61 \* \* \* \*" is not a cron schedule: .*minute/ },
    { name: 'six fields (seconds) are not five', cron: { expression: '0 * * * * *' }, want: /^cron\.expression "0 \* \* \* \* \*" is not a cron schedule/ },
  ];
  for (const c of errors) {
    it(`error: ${c.name}`, () => {
      const plan = planCron(c.cron, { since: at('2026-01-01T00:00:00Z') }, at('2026-01-01T00:00:00Z'));
      assert.ok('error' in plan, JSON.stringify(plan));
      assert.match(plan.error, c.want);
    });
  }

  it('asks to look again at the next schedule, at most five minutes on', () => {
    const plan = planCron({ expression: '@daily' }, { since: at('2026-01-01T00:00:00Z') }, at('2026-01-01T01:00:00Z'));
    assert.ok(!('error' in plan));
    assert.equal(plan.recheckMs, 5 * 60_000);
  });
});
