// Execution windows: the days and hours a stage may start in, in a time zone. Pure: a window and an
// instant in, the next instant the window is open out.

export interface ExecutionWindow {
  days?: string[];
  hours?: { start: string; end: string }[];
  timeZone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local weekday and minute of the day of an instant in a time zone; throws RangeError for an unknown zone. */
export function localTime(ms: number, timeZone: string): { weekday: string; minute: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
  return { weekday: parts.weekday!.toLowerCase(), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether the window is open at ms. A range whose end is before its start crosses midnight. */
export function isOpen(w: ExecutionWindow, ms: number): boolean {
  const { weekday, minute } = localTime(ms, w.timeZone ?? 'UTC');
  if (w.days?.length && !w.days.includes(weekday)) return false;
  if (!w.hours?.length) return true;
  return w.hours.some((r) => {
    const start = minutes(r.start);
    const end = minutes(r.end);
    return start <= end ? minute >= start && minute < end : minute >= start || minute < end;
  });
}

/** The first instant at or after ms when the window is open, or undefined if it never opens within 8 days. */
export function nextOpening(w: ExecutionWindow, ms: number): number | undefined {
  if (isOpen(w, ms)) return ms;
  // Windows open on whole minutes; look minute by minute (8 days is at most 11,520 looks).
  let t = Math.ceil(ms / 60_000) * 60_000;
  for (let i = 0; i < 8 * 24 * 60; i++, t += 60_000) if (isOpen(w, t)) return t;
  return undefined;
}

/** A time-zone problem with the window, or undefined. */
export function windowProblem(w: ExecutionWindow): string | undefined {
  try { localTime(0, w.timeZone ?? 'UTC'); return undefined; } catch { return `time zone "${w.timeZone}" is not an IANA time zone such as Europe/Paris`; }
}

/** A deterministic jitter in [minMs, maxMs] for a key (the same run and stage always wait the same). */
export function jitterFor(key: string, minMs: number, maxMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return minMs + (h % (Math.max(0, maxMs - minMs) + 1));
}

