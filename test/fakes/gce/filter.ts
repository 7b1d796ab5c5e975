// The `filter` of Compute's list methods, as far as the fake reads it (the REST reference's
// "filter" parameter): comparisons `field op value` with op one of = != > < (exact, on strings) or
// eq ne (RE2 regular expressions that must match the whole value, the older syntax); field a dotted
// path (name, labels.owner, properties.labels.staysail-owner, status); values bare or in double
// quotes; several comparisons joined by AND (or by juxtaposed parenthesised groups, which Compute
// reads as AND). OR, NOT, `:` (has) and wildcards are refused with 400 rather than guessed at.
import { invalid } from './errors.ts';

type Clause = { path: string[]; op: '=' | '!=' | 'eq' | 'ne'; value: string };

/** A predicate over a resource's JSON; throws a 400 GoogleApiError on what the fake does not read. */
export function parseFilter(filter: string | null): (resource: Record<string, unknown>) => boolean {
  if (!filter || !filter.trim()) return () => true;
  const clauses = splitClauses(filter).map((c) => parseClause(c, filter));
  return (r) => clauses.every((c) => matches(c, r));
}

function splitClauses(filter: string): string[] {
  const groups = filter.match(/\([^()]*\)/g);
  const text = groups && filter.replace(/\([^()]*\)/g, '').trim() === '' ? groups.map((g) => g.slice(1, -1)) : [filter];
  return text.flatMap((t) => t.split(/\s+AND\s+/)).map((t) => t.trim()).filter(Boolean);
}

function parseClause(text: string, filter: string): Clause {
  const m = /^([A-Za-z][\w.-]*)\s*(!=|=|\bne\b|\beq\b)\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))$/.exec(text);
  if (!m || /\bOR\b|\bNOT\b/.test(text)) throw invalid(`Invalid value for field 'filter': '${filter}'. Invalid list filter expression.`, 'filter');
  return { path: m[1]!.split('.'), op: m[2] as Clause['op'], value: m[3] ?? m[4] ?? m[5] ?? '' };
}

function matches(c: Clause, r: Record<string, unknown>): boolean {
  let v: unknown = r;
  for (const p of c.path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  const s = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  switch (c.op) {
    case '=': return s === c.value;
    case '!=': return s !== c.value;
    case 'eq': return new RegExp(`^(?:${c.value})$`).test(s);
    case 'ne': return !new RegExp(`^(?:${c.value})$`).test(s);
  }
}
