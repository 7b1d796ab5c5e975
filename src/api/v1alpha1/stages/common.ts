// What stage blocks share: durations that may be expressions, expression strings, refIds.
import { durationPattern, str } from '../../schema.ts';

export const refIdPattern = '^[A-Za-z0-9][-A-Za-z0-9_]*$';
const expressionPattern = '\\$\\{.*\\}';
/** A duration, or an expression that gives one. */
export const stageDurationPattern = `^(${durationPattern.slice(1, -1)}|${expressionPattern})$`;
export const stageDuration = (description: string) => str(`${description} A duration such as 30s or 5m, or an expression \${...}.`,
  { pattern: stageDurationPattern, maxLength: 256 });
/** Text that may hold expressions ${...}. */
export const expression = (description: string) => str(description, { maxLength: 4096 });
