import assert from 'node:assert/strict';
import { isOpen, jitterFor, nextOpening, windowProblem, type ExecutionWindow } from './window.ts';

const at = (iso: string) => Date.parse(iso);
const weekdays9to17: ExecutionWindow = { days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], hours: [{ start: '09:00', end: '17:00' }], timeZone: 'Europe/Paris' };

describe('execution windows', () => {
  const cases: [string, ExecutionWindow, string, string | undefined][] = [
    // 2026-11-30 is a Monday; Paris is UTC+1 in winter.
    ['open inside the hours', weekdays9to17, '2026-11-30T09:30:00Z', '2026-11-30T09:30:00Z'],
    ['opens at 09:00 Paris the same day', weekdays9to17, '2026-11-30T06:00:00Z', '2026-11-30T08:00:00Z'],
    ['after hours on Friday: Monday morning', weekdays9to17, '2026-12-04T17:30:00Z', '2026-12-07T08:00:00Z'],
    ['days only: the whole day', { days: ['sunday'] }, '2026-11-30T10:00:00Z', '2026-12-06T00:00:00Z'],
    ['a range across midnight', { hours: [{ start: '22:00', end: '02:00' }] }, '2026-11-30T01:00:00Z', '2026-11-30T01:00:00Z'],
    ['... closed after it', { hours: [{ start: '22:00', end: '02:00' }] }, '2026-11-30T03:00:00Z', '2026-11-30T22:00:00Z'],
    ['summer time is followed (Paris UTC+2 in July)', { hours: [{ start: '09:00', end: '10:00' }], timeZone: 'Europe/Paris' },
      '2026-07-01T05:00:00Z', '2026-07-01T07:00:00Z'],
    ['a window that never opens', { days: ['monday'], hours: [{ start: '10:00', end: '10:00' }] }, '2026-11-30T10:00:00Z', undefined],
  ];
  for (const [name, w, now, want] of cases) {
    it(name, () => assert.equal(nextOpening(w, at(now)), want === undefined ? undefined : at(want)));
  }

  it('is open exactly at the start and closed at the end', () => {
    assert.equal(isOpen(weekdays9to17, at('2026-11-30T08:00:00Z')), true);
    assert.equal(isOpen(weekdays9to17, at('2026-11-30T16:00:00Z')), false);
  });

  it('refuses an unknown time zone', () => {
    assert.equal(windowProblem({ timeZone: 'Mars/Olympus' }), 'time zone "Mars/Olympus" is not an IANA time zone such as Europe/Paris');
    assert.equal(windowProblem(weekdays9to17), undefined);
  });

  it('jitters deterministically within bounds', () => {
    const a = jitterFor('run-1/deploy', 1000, 5000);
    assert.equal(jitterFor('run-1/deploy', 1000, 5000), a);
    for (let i = 0; i < 100; i++) { const j = jitterFor(`k${i}`, 1000, 5000); assert.ok(j >= 1000 && j <= 5000); }
  });
});
