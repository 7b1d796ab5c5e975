// What a trigger asks of an event's payload: fields named by dotted paths whose values must match
// regular expressions. Each expression matches the whole value (as Spinnaker's payloadConstraints and
// git branch patterns do): "main" matches main, not maintenance; write "main.*" for both.

/** The value at a dotted path (a.b.0.c: array elements by index), or undefined. */
export function valueAt(payload: unknown, path: string): unknown {
  let v: unknown = payload;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A regular expression that must match the whole of a value; throws a SyntaxError on a malformed one. */
export function wholeMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/** Whether a value matches: a string, number or boolean by its text; an array when any element does. */
function valueMatches(value: unknown, re: RegExp): boolean {
  if (Array.isArray(value)) return value.some((v) => valueMatches(v, re));
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return re.test(String(value));
  return false;
}

/** Whether every constraint matches; a missing field matches nothing. */
export type ConstraintsResult = { matched: true } | { matched: false; why: string };

/** Checks the constraints against the payload. A malformed expression does not match, and says why. */
export function matchConstraints(payload: unknown, constraints: Readonly<Record<string, string>> = {}): ConstraintsResult {
  for (const [path, pattern] of Object.entries(constraints)) {
    let re: RegExp;
    try {
      re = wholeMatch(pattern);
    } catch (err) {
      return { matched: false, why: `payloadConstraints["${path}"] is not a valid regular expression (${(err as Error).message}): fix it in the trigger` };
    }
    const value = valueAt(payload, path);
    if (value === undefined) return { matched: false, why: `the payload has no field ${path}` };
    if (!valueMatches(value, re)) return { matched: false, why: `the payload's ${path} does not match ${JSON.stringify(pattern)}` };
  }
  return { matched: true };
}
