// Durations as the API writes them: 30s, 5m, 1h30m, 250ms, 2d.

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in a duration string; throws naming the string when it is not one. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  if (!text || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`"${text}" is not a duration such as 30s, 5m, 1h30m or 2d`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * unitMs[p[2]!]!, 0);
}

/** A duration string for milliseconds, e.g. 90000 -> 1m30s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let rest = Math.round(ms / 1000);
  const out: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) { out.push(`${Math.floor(rest / size)}${unit}`); rest %= size; }
  }
  return out.join('');
}
