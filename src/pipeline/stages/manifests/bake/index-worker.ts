// Parses a chart repository's index.yaml off the operator's main thread: a large index takes seconds
// to parse, and the main thread must keep renewing its leader lease and answering probes meanwhile.
// Gives back only what the bake needs: the chart's versions and the first chart names, for messages.
import { parentPort, workerData } from 'node:worker_threads';
import { parse } from 'yaml';

const { text, chart } = workerData as { text: string; chart: string };
try {
  const index = parse(text, { maxAliasCount: 100 }) as { entries?: Record<string, unknown> } | null;
  const entries = index && typeof index === 'object' && index.entries && typeof index.entries === 'object' ? index.entries : {};
  parentPort!.postMessage({ ok: true, index: { charts: Object.keys(entries).slice(0, 20), versions: entries[chart] } });
} catch (err) {
  parentPort!.postMessage({ ok: false, message: (err as Error).message });
}
