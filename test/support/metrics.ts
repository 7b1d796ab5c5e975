// Reading the operator's /metrics as a test does.

/** The value of one sample of a metric in Prometheus text, or 0 when absent. */
export function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
