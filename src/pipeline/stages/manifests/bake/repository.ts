// A chart from a Helm chart repository over HTTP(S), fetched here rather than by helm: its index.yaml
// names the version's .tgz and digest; credentials go only to the repository's own origin (as helm
// does without --pass-credentials), never over plain HTTP across a network, and never onto a command
// line. An answer that no retry changes (401, 403, 404, a version not listed, a digest that does not
// match, a URL that is not HTTP(S)) is a BakeError; a repository out of reach or failing (5xx, 429)
// is a transient error, retried with back-off. Bodies are read as they come and cut off past their
// limit; the index is parsed on a worker thread.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { parse } from 'yaml';
import { ApiError } from '../../../../core/errors.ts';
import { BakeError } from './errors.ts';

/** The largest chart (.tgz) read. */
export const maxChartBytes = 16 << 20;
/** The largest index.yaml read: big public repositories' are a few MiB; parsing one takes about a second per MiB. */
export const maxIndexBytes = 4 << 20;
const fetchTimeoutMs = 30_000;
/** How long parsing an index may take before the worker is stopped. */
const parseTimeoutMs = 30_000;

export interface ChartRepository { url: string; chart: string; version: string }
export interface BasicAuth { username: string; password: string }

interface IndexEntry { version?: unknown; urls?: unknown; digest?: unknown }
/** What the bake needs of an index: the chart's versions, and some chart names for messages. */
export interface IndexLookup { charts: string[]; versions?: unknown }

/** The .tgz URL and digest of the chart's version, resolved against the repository. */
export function chartInLookup(lookup: IndexLookup, repo: ChartRepository): { url: string; digest?: string } {
  const versions = Array.isArray(lookup.versions) ? lookup.versions as IndexEntry[] : [];
  if (!versions.length) throw new BakeError(`the repository ${repo.url} has no chart "${repo.chart}"; its index lists ${lookup.charts.map((c) => `"${c}"`).join(', ') || 'none'}`);
  const entry = versions.find((v) => v && String(v.version) === repo.version);
  if (!entry) {
    throw new BakeError(`the repository ${repo.url} has no version ${repo.version} of chart "${repo.chart}"; it has ${versions.slice(0, 10).map((v) => String(v?.version)).join(', ')}`);
  }
  const first = Array.isArray(entry.urls) ? entry.urls[0] as unknown : undefined;
  if (typeof first !== 'string' || !first) throw new BakeError(`the index of ${repo.url} lists no URL for chart "${repo.chart}" ${repo.version}`);
  let url: URL;
  try {
    url = new URL(first, `${repo.url.replace(/\/+$/, '')}/`);
  } catch {
    throw new BakeError(`the index of ${repo.url} lists ${first} for chart "${repo.chart}" ${repo.version}, which is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BakeError(`the index of ${repo.url} lists ${url} for chart "${repo.chart}" ${repo.version}; a bake fetches charts over http(s) only`);
  }
  return { url: url.toString(), ...(typeof entry.digest === 'string' ? { digest: entry.digest } : {}) };
}

/** The .tgz URL and digest of the chart's version in an index text, parsed here (small indexes, tests). */
export function chartInIndex(indexText: string, repo: ChartRepository): { url: string; digest?: string } {
  let index: { entries?: Record<string, unknown> } | null;
  try {
    index = parse(indexText, { maxAliasCount: 100 }) as typeof index;
  } catch (err) {
    throw new BakeError(`the index.yaml of ${repo.url} is not YAML: ${(err as Error).message}`);
  }
  const entries = index?.entries ?? {};
  return chartInLookup({ charts: Object.keys(entries).slice(0, 20), versions: entries[repo.chart] }, repo);
}

/** What index-worker.ts finds in an index, parsed on a worker thread with bounded memory and time. */
export function lookupOffThread(text: string, repo: ChartRepository, signal?: AbortSignal): Promise<IndexLookup> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./index-worker.ts', import.meta.url), { workerData: { text, chart: repo.chart },
      resourceLimits: { maxOldGenerationSizeMb: 512 } });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      f();
    };
    const timer = setTimeout(() => finish(() => reject(new BakeError(`the index.yaml of ${repo.url} took more than ${parseTimeoutMs / 1000}s to parse; use a repository with a smaller index`))), parseTimeoutMs);
    const onAbort = () => finish(() => reject(new BakeError('reading the index.yaml was stopped: the run was canceled')));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: { ok: true; index: IndexLookup } | { ok: false; message: string }) =>
      finish(() => m.ok ? resolve(m.index) : reject(new BakeError(`the index.yaml of ${repo.url} is not YAML: ${m.message}`))));
    worker.once('error', (err) => finish(() => reject(new BakeError(`the index.yaml of ${repo.url} could not be parsed: ${err.message}`))));
    worker.once('exit', (code) => finish(() => reject(new BakeError(`the index.yaml of ${repo.url} could not be parsed (the parser stopped with ${code})`))));
  });
}

/** What a repository's answer other than 2xx is: retried when it may pass (5xx, 429), else a BakeError saying what to fix. */
function answerError(status: number, what: string, url: string, withAuth: boolean): Error {
  if (status >= 500 || status === 429) return new ApiError(503, 'Unreachable', `the chart repository answered ${status} for ${what} (${url})`);
  if (status === 401 || status === 403) {
    return new BakeError(`the chart repository refused ${what} (${url}) with ${status}: ${withAuth ? 'check the username and password of chartFrom.repository.credentialsSecretRef' : 'it needs chartFrom.repository.credentialsSecretRef'}`);
  }
  return new BakeError(`the chart repository answered ${status} for ${what} (${url}); check chartFrom.repository.url`);
}

const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Refuses sending credentials in the clear: plain http is for a repository on this host only. */
export function checkCredentialsTransport(url: string, auth?: BasicAuth): void {
  const u = new URL(url);
  if (auth && u.protocol === 'http:' && !loopbackHosts.has(u.hostname)) {
    throw new BakeError(`chartFrom.repository.url ${url} is plain http, and credentialsSecretRef would send its password in the clear; use https`);
  }
}

/** The body of res, read as it comes and cut off past limit bytes. */
async function readBounded(res: Response, what: string, url: string, limit: number, controller: AbortController): Promise<Buffer> {
  const tooBig = () => new BakeError(`${what} (${url}) is above the ${limit >> 20} MiB a bake reads`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > limit) {
    controller.abort();
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > limit) {
      controller.abort();
      throw tooBig();
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, total);
}

/** One file of a repository to read: where, what for messages, the repository it is for, and its limit. */
interface Download { url: string; what: string; repoUrl: string; limit: number; auth?: BasicAuth; signal?: AbortSignal }

/** The error a failed read is: stopped by a cancel, else the repository out of reach (retried). */
function readError(d: Download, err: unknown, doing: string): Error {
  if (err instanceof BakeError) return err;
  if (d.signal?.aborted) return new BakeError(`reading ${d.what} was stopped: the run was canceled`);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new ApiError(503, 'Unreachable', `the chart repository ${doing} ${d.what} (${d.url}): ${cause?.code ?? cause?.message ?? (err as Error).message}`);
}

async function download(d: Download): Promise<Buffer> {
  const sameOrigin = new URL(d.url).origin === new URL(d.repoUrl).origin;
  const headers: Record<string, string> = d.auth && sameOrigin ? { authorization: `Basic ${Buffer.from(`${d.auth.username}:${d.auth.password}`).toString('base64')}` } : {};
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(fetchTimeoutMs), ...(d.signal ? [d.signal] : [])]);
  try {
    const res = await fetch(d.url, { headers, signal, redirect: 'follow' }).catch((err: unknown) => { throw readError(d, err, 'could not be reached for'); });
    if (!res.ok) throw answerError(res.status, d.what, d.url, d.auth !== undefined);
    return await readBounded(res, d.what, d.url, d.limit, controller).catch((err: unknown) => { throw readError(d, err, 'stopped sending'); });
  } finally {
    controller.abort();
  }
}

/** The packaged chart (.tgz) of the repository's chart version, checked against the index's digest. */
export async function fetchChart(repo: ChartRepository, auth?: BasicAuth, signal?: AbortSignal): Promise<Buffer> {
  checkCredentialsTransport(repo.url, auth);
  const base = repo.url.replace(/\/+$/, '');
  const index = await download({ url: `${base}/index.yaml`, what: 'index.yaml', repoUrl: repo.url, limit: maxIndexBytes, auth, signal });
  const { url, digest } = chartInLookup(await lookupOffThread(index.toString('utf8'), repo, signal), repo);
  const tgz = await download({ url, what: `chart "${repo.chart}" ${repo.version}`, repoUrl: repo.url, limit: maxChartBytes, auth, signal });
  const actual = createHash('sha256').update(tgz).digest('hex');
  if (digest && digest.replace(/^sha256:/, '').toLowerCase() !== actual) {
    throw new BakeError(`chart "${repo.chart}" ${repo.version} from ${url} has digest sha256:${actual}, not the index's ${digest}; the repository is inconsistent`);
  }
  return tgz;
}
