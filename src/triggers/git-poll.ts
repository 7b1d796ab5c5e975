// git triggers in poll mode: the operator reads a repository's branches itself, for clusters that
// take no inbound webhooks. No git binary: git's smart HTTP ref advertisement
// (GET <url>/info/refs?service=git-upload-pack, pkt-lines) names each ref's commit; a dumb HTTP
// server's info/refs (lines of "<commit>\t<ref>") is read too. One run per new commit on each
// matching branch; the first read records the heads without firing.
import { createHash } from 'node:crypto';
import { wholeMatch } from './payload.ts';

/** A branch (refs/heads/ stripped) and the commit it points at. */
export interface BranchHead { branch: string; commit: string }

/** What went wrong reading a repository's refs; the message names the URL and the fix. */
export class GitPollError extends Error {}

const hex = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The pkt-lines of a body: each 4-hex-digit length (0000 is a flush, given as null) and its payload. */
export function pktLines(body: Buffer): (string | null)[] {
  const out: (string | null)[] = [];
  for (let at = 0; at < body.length; ) {
    const len = Number.parseInt(body.subarray(at, at + 4).toString('ascii'), 16);
    if (Number.isNaN(len) || (len > 0 && len < 4) || at + Math.max(len, 4) > body.length) throw new GitPollError(`a malformed pkt-line at byte ${at}`);
    out.push(len === 0 ? null : body.subarray(at + 4, at + len).toString('utf8'));
    at += Math.max(len, 4);
  }
  return out;
}

/** The branch heads a ref advertisement names: smart HTTP (pkt-lines, protocol v0) or dumb info/refs. */
export function parseRefs(body: Buffer, contentType: string): BranchHead[] {
  const lines = contentType.startsWith('application/x-git-upload-pack-advertisement')
    ? pktLines(body).filter((l): l is string => l !== null && !l.startsWith('#')).map((l) => l.split('\0')[0]!.replace(/\n$/, ''))
    : body.toString('utf8').split('\n');
  const heads: BranchHead[] = [];
  for (const line of lines) {
    const [commit, ref] = line.trim().split(/[ \t]+/);
    if (!commit || !ref || !hex.test(commit) || !ref.startsWith('refs/heads/')) continue;
    heads.push({ branch: ref.slice('refs/heads/'.length), commit });
  }
  return heads;
}

/** The branches that match the trigger's branch pattern (the whole branch; none given: every branch). */
export function matchingHeads(heads: readonly BranchHead[], pattern?: string): BranchHead[] {
  if (!pattern) return [...heads];
  let re: RegExp;
  try {
    re = wholeMatch(pattern);
  } catch (err) {
    throw new GitPollError(`git.branch "${pattern}" is not a regular expression (${(err as Error).message}): write a branch name, or a JavaScript regular expression matched against the whole branch`);
  }
  return heads.filter((h) => re.test(h.branch));
}

/** The URL without credentials, for messages and payloads. */
export const safeUrl = (url: string): string => {
  try {
    const u = new URL(url);
    u.username = ''; u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
};

/** Reads the repository's branch heads over HTTP. Throws GitPollError naming the URL and the fix. */
export async function readBranchHeads(url: string, options: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<BranchHead[]> {
  const base = url.replace(/\/+$/, '');
  const where = safeUrl(base);
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(`${base}/info/refs?service=git-upload-pack`, { signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    throw new GitPollError(`repository ${where} cannot be reached (${e.cause?.code ?? e.cause?.message ?? e.message}): check git.poll.url and that the operator can reach it`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status === 401 || res.status === 403) throw new GitPollError(`repository ${where} answered HTTP ${res.status}: poll mode reads public repositories; give a URL the operator may read without credentials`);
  if (res.status === 404) throw new GitPollError(`repository ${where} does not exist (HTTP 404): check git.poll.url (the clone URL)`);
  if (!res.ok) throw new GitPollError(`repository ${where} answered HTTP ${res.status}: ${body.toString('utf8').trim().slice(0, 200)}`);
  try {
    return parseRefs(body, res.headers.get('content-type') ?? '');
  } catch (err) {
    throw new GitPollError(`repository ${where} answered a ref list that cannot be read (${(err as Error).message}): check that git.poll.url is a git repository's clone URL`);
  }
}

/** The event part of the run's name: a digest of the branch and the commit. */
export const gitEvent = (head: BranchHead): string =>
  createHash('sha256').update(`${head.branch}@${head.commit}`).digest('hex').slice(0, 12);
