// Expressions ${ ... } in stage fields, evaluated with CEL (a sandboxed, non-Turing-complete
// language; nothing here can reach the network, the file system or the process).
//   "${parameters.version}"          the whole string is one expression: the value keeps its type
//   "v${parameters.version}-rc"      text around expressions: the results are joined as text
//   "$${literal}"                    $${ is a literal ${
// An expression that fails to parse or evaluate throws ExpressionError naming it; the raw text is
// never passed on in its place.
import { Environment } from '@marcbachmann/cel-js';

export class ExpressionError extends Error {
  readonly expression: string;
  constructor(expression: string, reason: string) {
    super(`expression \${${expression}} failed: ${reason}`);
    this.name = 'ExpressionError';
    this.expression = expression;
  }
}

/** What expressions can read. */
export interface ExpressionScope {
  parameters: Record<string, unknown>;
  trigger: Record<string, unknown>;
  /** Earlier stages by refId: { status, outputs }. */
  stages: Record<string, unknown>;
  /** The run: name, namespace, pipeline, startTime. */
  execution: Record<string, unknown>;
  /** In an evaluateVariables stage: the variables evaluated so far. */
  variables?: Record<string, unknown>;
  /** In a webhook stage's poll: the last response (statusCode, body). */
  response?: Record<string, unknown>;
  /** Parameters declared type number: CEL doubles even when whole (2 is then 2.0, not the int 2). */
  numberParameters?: readonly string[];
}

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true,
  limits: { maxAstNodes: 2000, maxDepth: 50, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 } });

type Piece = { text: string } | { expression: string };

/** Splits a string into text and ${...} pieces; a } inside a quoted string or nested braces does not end an expression. */
export function splitTemplate(s: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) { text += '${'; i += 3; continue; }
    if (!s.startsWith('${', i)) { text += s[i]; i++; continue; }
    let depth = 0;
    /** The open string literal: its closing delimiter, and whether backslashes escape (not in r"..."). */
    let quote: { close: string; escapes: boolean } | undefined;
    let j = i + 2;
    for (; j < s.length; j++) {
      const c = s[j]!;
      if (quote) {
        if (quote.escapes && c === '\\') j++;
        else if (s.startsWith(quote.close, j)) { j += quote.close.length - 1; quote = undefined; }
      } else if (c === '"' || c === "'") {
        const close = s.startsWith(c.repeat(3), j) ? c.repeat(3) : c;
        quote = { close, escapes: !/[rR]/.test(s[j - 1] ?? '') };
        j += close.length - 1;
      } else if (c === '{') depth++;
      else if (c === '}') { if (depth === 0) break; depth--; }
    }
    if (j >= s.length) throw new ExpressionError(s.slice(i + 2), 'it has no closing }');
    if (text) pieces.push({ text });
    text = '';
    pieces.push({ expression: s.slice(i + 2, j).trim() });
    i = j + 1;
  }
  if (text || pieces.length === 0) pieces.push({ text });
  return pieces;
}

/** Every expression in a value (strings, deep in arrays and objects). */
export function expressionsIn(value: unknown): string[] {
  if (typeof value === 'string') return splitTemplate(value).flatMap((p) => ('expression' in p ? [p.expression] : []));
  if (Array.isArray(value)) return value.flatMap(expressionsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(expressionsIn);
  return [];
}

/** A parse error of the expression, or undefined when it parses. */
export function parseProblem(expression: string): string | undefined {
  if (!expression) return 'it is empty';
  try { env.parse(expression); return undefined; } catch (err) { return firstLine(err); }
}

/** Evaluates one expression (without ${}). */
export function evaluate(expression: string, scope: ExpressionScope): unknown {
  const problem = parseProblem(expression);
  if (problem) throw new ExpressionError(expression, problem);
  try {
    const { numberParameters, ...vars } = scope;
    const cel = toCel(vars) as Record<string, unknown>;
    for (const name of numberParameters ?? []) {
      const v = scope.parameters[name];
      if (typeof v === 'number') (cel.parameters as Record<string, unknown>)[name] = v;
    }
    return fromCel(env.evaluate(expression, cel));
  } catch (err) {
    throw new ExpressionError(expression, firstLine(err));
  }
}

/** The value with every ${...} in its strings evaluated. */
export function interpolate<T>(value: T, scope: ExpressionScope): T {
  if (typeof value === 'string') {
    const pieces = splitTemplate(value);
    if (pieces.length === 1 && 'expression' in pieces[0]!) return evaluate(pieces[0].expression, scope) as T;
    return pieces.map((p) => ('text' in p ? p.text : asText(evaluate(p.expression, scope)))).join('') as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, scope)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, scope)])) as T;
  }
  return value;
}

/** Evaluates a condition; anything but a boolean is an error. */
export function evaluateCondition(template: string, scope: ExpressionScope): boolean {
  const value = interpolate(template, scope);
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ExpressionError(template, `it gave ${JSON.stringify(value)}, not true or false`);
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const firstLine = (err: unknown): string => String((err as Error).message ?? err).split('\n')[0]!.trim();

/** JSON into CEL: whole numbers become CEL ints. */
function toCel(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  return v;
}

/** CEL into JSON: ints become numbers; maps become objects. */
function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), fromCel(x)]));
  if (Array.isArray(v)) return v.map(fromCel);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCel(x)]));
  }
  return v;
}
