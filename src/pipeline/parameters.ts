// A run's parameters checked against the pipeline's: types, defaults, required values and allowed
// options. Every problem names the parameter. Pure.

export interface ParameterDefinition {
  name: string;
  type?: 'string' | 'integer' | 'number' | 'boolean';
  required?: boolean;
  default?: unknown;
  options?: unknown[];
}

export type ParameterResult = { values: Record<string, unknown>; problems: string[] };

/** The values in effect (given, converted to their type, or defaulted) and the problems found. */
export function resolveParameters(pipeline: string, definitions: readonly ParameterDefinition[] | undefined,
  given: Readonly<Record<string, unknown>> | undefined): ParameterResult {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const defs = definitions ?? [];
  for (const name of Object.keys(given ?? {})) {
    if (!defs.some((d) => d.name === name)) {
      problems.push(`parameter "${name}" is not one of pipeline "${pipeline}"'s parameters (${defs.map((d) => d.name).join(', ') || 'it has none'})`);
    }
  }
  for (const d of defs) {
    const type = d.type ?? 'string';
    const raw = given?.[d.name];
    if (raw === undefined || raw === null || raw === '') {
      if (d.required) { problems.push(`parameter "${d.name}" is required by pipeline "${pipeline}" and was not given`); continue; }
      if (d.default !== undefined) values[d.name] = d.default;
      continue;
    }
    const value = convert(raw, type);
    if (value === undefined) {
      problems.push(`parameter "${d.name}" must be ${type === 'integer' ? 'an integer' : `a ${type}`}, not ${JSON.stringify(raw)}`);
      continue;
    }
    if (d.options?.length && !d.options.some((o) => convert(o, type) === value)) {
      problems.push(`parameter "${d.name}" is ${JSON.stringify(raw)}, which is not one of its options: ${d.options.map((o) => JSON.stringify(o)).join(', ')}`);
      continue;
    }
    values[d.name] = value;
  }
  return { values, problems };
}

/** raw as the type (numbers and booleans may come as text), or undefined when it is not one. */
function convert(raw: unknown, type: NonNullable<ParameterDefinition['type']>): unknown {
  switch (type) {
    case 'string': return typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    case 'boolean': return typeof raw === 'boolean' ? raw : raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'integer': {
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
    }
    case 'number': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
    }
  }
}
