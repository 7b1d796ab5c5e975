// A stage's execution window: the days and hours it may start in.
import { arr, obj, oneOf, optional, str } from '../../schema.ts';
import { stageDuration } from './common.ts';

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const hhmm = (description: string) => str(`${description} HH:MM, 24-hour.`, { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', maxLength: 5 });

export const executionWindowSchema = obj('Run the stage only inside these times; outside them it waits, SUSPENDED.', {
  days: optional(arr('Days the stage may run (default: every day).', oneOf('A day.', weekdays), { listType: 'set', maxItems: 7 })),
  hours: optional(arr('Time ranges the stage may run in (default: the whole day). A range may cross midnight.', obj('A time range.', {
    start: hhmm('Start.'),
    end: hhmm('End.'),
  }), { maxItems: 24 })),
  timeZone: str('IANA time zone the days and hours are in, e.g. Europe/Paris.', { default: 'UTC', maxLength: 64 }),
  jitter: optional(obj('A random extra wait once the window opens, to spread load.', {
    min: stageDuration('Shortest extra wait.'),
    max: stageDuration('Longest extra wait.'),
  })),
}, { rules: [{ rule: 'has(self.days) || has(self.hours)', message: 'an execution window needs days, hours or both' }] });
