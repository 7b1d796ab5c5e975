// A chart from a Helm chart repository over HTTP(S), fetched here rather than by helm: its index.yaml
// names the version's .tgz and digest; credentials go only to the repository's own origin (as helm
// does without --pass-credentials) and never onto a command line. An answer that no retry changes
// (401, 403, 404, a version not listed, a digest that does not match) is a BakeError; a repository
// out of reach or failing (5xx) is a transient error, retried with back-off.
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { ApiError } from '../../../../core/errors.ts';
import { BakeError } from './errors.ts';

/** The largest index.yaml or chart read. */
export const maxChartBytes = 16 << 20;
const fetchTimeoutMs = 30_000;

export interface ChartRepository { url: string; chart: string; version: string }
export interface BasicAuth { username: string; password: string }

interface IndexEntry { version?: string; urls?: string[]; digest?: string }

/** The .tgz URL and digest of the chart's version in an index, resolved against the repository. */
export function chartInIndex(indexText: string, repo: ChartRepository): { url: string; digest?: string } {
  let index: { entries?: Record<string, IndexEntry[]> };
  try {
    index = parse(indexText) as typeof index;
  } catch (err) {
    throw new BakeError(`the index.yaml of ${repo.url} is not YAML: ${(err as Error).message}`);
  }
  const versions = index?.entries?.[repo.chart];
  if (!versions?.length) throw new BakeError(`the repository ${repo.url} has no chart "${repo.chart}"; its index lists ${Object.keys(index?.entries ?? {}).map((c) => `"${c}"`).join(', ') || 'none'}`);
  const entry = versions.find((v) => String(v.version) === repo.version);
  if (!entry) {
    throw new BakeError(`the repository ${repo.url} has no version ${repo.version} of chart "${repo.chart}"; it has ${versions.slice(0, 10).map((v) => v.version).join(', ')}`);
  }
  const first = entry.urls?.[0];
  if (!first) throw new BakeError(`the index of ${repo.url} lists no URL for chart "${repo.chart}" ${repo.version}`);
  return { url: new URL(first, `${repo.url.replace(/\/+$/, '')}/`).toString(), digest: entry.digest };
}

/** What a repository's answer other than 2xx is: retried when it may pass (5xx, 429), else a BakeError saying what to fix. */
function answerError(status: number, what: string, url: string, withAuth: boolean): Error {
  if (status >= 500 || status === 429) return new ApiError(503, 'Unreachable', `the chart repository answered ${status} for ${what} (${url})`);
  if (status === 401 || status === 403) {
    return new BakeError(`the chart repository refused ${what} (${url}) with ${status}: ${withAuth ? 'check the username and password of chartFrom.repository.credentialsSecretRef' : 'it needs chartFrom.repository.credentialsSecretRef'}`);
  }
  return new BakeError(`the chart repository answered ${status} for ${what} (${url}); check chartFrom.repository.url`);
}

async function download(url: string, what: string, repoUrl: string, auth?: BasicAuth): Promise<Buffer> {
  const sameOrigin = new URL(url).origin === new URL(repoUrl).origin;
  const headers: Record<string, string> = auth && sameOrigin ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(fetchTimeoutMs), redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiError(503, 'Unreachable', `the chart repository could not be reached for ${what} (${url}): ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  if (!res.ok) throw answerError(res.status, what, url, auth !== undefined);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > maxChartBytes) throw new BakeError(`${what} (${url}) is ${length} bytes, above the ${maxChartBytes >> 20} MiB a bake reads`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > maxChartBytes) throw new BakeError(`${what} (${url}) is above the ${maxChartBytes >> 20} MiB a bake reads`);
  return body;
}

/** The packaged chart (.tgz) of the repository's chart version, checked against the index's digest. */
export async function fetchChart(repo: ChartRepository, auth?: BasicAuth): Promise<Buffer> {
  const base = repo.url.replace(/\/+$/, '');
  const index = await download(`${base}/index.yaml`, 'index.yaml', repo.url, auth);
  const { url, digest } = chartInIndex(index.toString('utf8'), repo);
  const tgz = await download(url, `chart "${repo.chart}" ${repo.version}`, repo.url, auth);
  const actual = createHash('sha256').update(tgz).digest('hex');
  if (digest && digest.replace(/^sha256:/, '').toLowerCase() !== actual) {
    throw new BakeError(`chart "${repo.chart}" ${repo.version} from ${url} has digest sha256:${actual}, not the index's ${digest}; the repository is inconsistent`);
  }
  return tgz;
}
