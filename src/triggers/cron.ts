// cron triggers: when a schedule is due, which scheduled time a run is for, and when to look again.
// Pure: the controller gives the trigger, what its status recorded and the time. croner reads the
// expression (five fields, or a macro) in the trigger's IANA time zone, with its DST rules: a time
// skipped by a spring-forward change fires at the first minute after the gap, a time repeated by a
// fall-back change fires once.
import { Cron } from 'croner';
import { parseDuration } from '../api/duration.ts';

/** How late a schedule may start its run and still be on time (a busy or restarting operator). */
export const onTimeGraceMs = 30_000;
/** The longest the controller waits before looking again, so edits and clock drift are re-read. */
export const maxRecheckMs = 5 * 60_000;

/** A cron trigger's block (spec.triggers[].cron). */
export interface CronSpec { expression: string; timeZone?: string; catchUpWindow?: string }

/** What a cron trigger's status holds, as instants (ms since the epoch). */
export interface CronMarks {
  /** When the trigger was armed: nothing scheduled at or before it fires. */
  since: number;
  /** The scheduled time of the last run it started. */
  lastScheduled?: number;
}

/** What to do now: fire for a scheduled time or not, and when to look again. */
export type CronPlan =
  | { error: string }
  | { fire?: number; next: number; recheckMs: number; missed?: number };

/** The parsed schedule, or the reason it cannot be read (naming the field). */
export function parseSchedule(cron: CronSpec): Cron | string {
  const timezone = cron.timeZone ?? 'UTC';
  if (!isTimeZone(timezone)) return `cron.timeZone "${timezone}" is not an IANA time zone (such as UTC or Europe/Berlin)`;
  try {
    return new Cron(cron.expression, { paused: true, mode: '5-part', timezone });
  } catch (err) {
    return `cron.expression "${cron.expression}" is not a cron schedule: ${(err as Error).message.replace(/^CronPattern: /, '')}`;
  }
}

/**
 * Plans a cron trigger at now: the latest scheduled time after the marks and not after now fires
 * if it is late by at most the grace or the trigger's catch-up window (older missed times never
 * fire: at most one catch-up run); next is the first scheduled time after now.
 */
export function planCron(cron: CronSpec, marks: CronMarks, now: number): CronPlan {
  const schedule = parseSchedule(cron);
  if (typeof schedule === 'string') return { error: schedule };
  let window: number;
  try {
    window = Math.max(onTimeGraceMs, cron.catchUpWindow ? parseDuration(cron.catchUpWindow) : 0);
  } catch (err) {
    return { error: `cron.catchUpWindow: ${(err as Error).message}` };
  }
  const nextDate = schedule.nextRun(new Date(now));
  if (!nextDate) return { error: `cron.expression "${cron.expression}" never fires (no such date in ${cron.timeZone ?? 'UTC'}); correct the day and month` };
  const next = nextDate.getTime();
  const recheckMs = Math.min(next - now, maxRecheckMs);
  const latest = schedule.previousRuns(1, new Date(now + 1))[0]?.getTime();
  const mark = Math.max(marks.since, marks.lastScheduled ?? -Infinity);
  if (latest === undefined || latest <= mark) return { next, recheckMs };
  return now - latest <= window ? { fire: latest, next, recheckMs } : { next, recheckMs, missed: latest };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
