// A client of a container registry's v2 API (the OCI distribution API), as the docker trigger reads
// it: a repository's tags (following Link pages), and the manifest digest each tag points at now.
// Credentials are basic, or exchanged for a bearer token when the registry answers 401 with
// `WWW-Authenticate: Bearer realm=...` (Docker Hub, GHCR, Harbor, GitLab, ECR's and GCR's v2 APIs).
// Plus the pure decisions the trigger makes with them: which tags match, which images are new.
import { createHash } from 'node:crypto';

/** What went wrong talking to a registry; retryable says whether polling again may succeed as things are. */
export type RegistryErrorKind = 'Unauthorized' | 'NotFound' | 'Unreachable' | 'Refused';

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly registry: string;
  readonly repository: string;
  /** The HTTP status the registry (or its token server) answered, when it answered. */
  readonly status: number | undefined;
  constructor(kind: RegistryErrorKind, registry: string, repository: string, message: string, status?: number) {
    super(message);
    this.name = `Registry${kind}Error`;
    this.kind = kind;
    this.registry = registry;
    this.repository = repository;
    this.status = status;
  }

  get retryable(): boolean {
    return this.kind === 'Unreachable' || (this.kind === 'Refused' && (this.status === 429 || (this.status ?? 0) >= 500));
  }
}

export const isRegistryError = (err: unknown, kind?: RegistryErrorKind): err is RegistryError =>
  err instanceof RegistryError && (kind === undefined || err.kind === kind);

/** A username and password (or token) for the registry, as a Docker config or a Secret gives them. */
export interface RegistryCredentials { username: string; password: string }

export interface RegistryClientOptions {
  credentials?: RegistryCredentials;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Milliseconds since the epoch, for bearer tokens' expiry. */
  now?: () => number;
}

/** The manifest kinds a tag may point at: OCI index and manifest, Docker manifest list and v2 manifest. */
export const manifestMediaTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

const dockerHub = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The base URL of a registry given as host[:port] (or as a URL, to choose the scheme): https, except
 * plain http for loopback hosts, as docker and crane do; Docker Hub's names mean registry-1.docker.io.
 */
export function registryBaseUrl(registry: string): string {
  if (/^https?:\/\//i.test(registry)) return registry.replace(/\/+$/, '');
  if (dockerHub.has(registry.toLowerCase())) return 'https://registry-1.docker.io';
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  return `${loopback ? 'http' : 'https'}://${registry}`;
}

/** The repository's path in the API: Docker Hub's one-word names are library/<name>. */
export function repositoryPath(registry: string, repository: string): string {
  return dockerHub.has(registry.toLowerCase()) && !repository.includes('/') ? `library/${repository}` : repository;
}

/** A WWW-Authenticate challenge: its scheme (lower case) and parameters. */
export interface Challenge { scheme: string; params: Record<string, string> }

/** The first challenge of a WWW-Authenticate header, or undefined when there is none. */
export function parseChallenge(header: string | null | undefined): Challenge | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header ?? '');
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

/** The URL of the page a Link header names rel="next", resolved against the page it came with. */
export function nextPageUrl(link: string | null | undefined, current: string): string | undefined {
  for (const part of (link ?? '').split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/s.exec(part);
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) return new URL(m[1]!, current).toString();
  }
  return undefined;
}

/** An image as the trigger sees it: a tag and the digest of the manifest it points at. */
export interface ImageTag { tag: string; digest: string }

/** A trigger's tag pattern that is not a regular expression. */
export class TagPatternError extends Error {}

/**
 * Whether a tag matches the trigger's pattern, as Spinnaker's docker trigger decides: the pattern
 * must match the whole tag; with no pattern (or a blank one), every tag but `latest` matches.
 */
export function tagMatcher(pattern?: string): (tag: string) => boolean {
  const p = pattern?.trim();
  if (!p) return (tag) => tag !== 'latest';
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${p})$`);
  } catch (err) {
    throw new TagPatternError(`docker.tag "${pattern}" is not a regular expression (${(err as Error).message}): ` +
      'write a JavaScript regular expression matched against the whole tag, e.g. "v[0-9]+(\\.[0-9]+)*"');
  }
  return (tag) => re.test(tag);
}

/** The tags that match the trigger's pattern, in the order given. */
export const matchingTags = (tags: readonly string[], pattern?: string): string[] => tags.filter(tagMatcher(pattern));

/**
 * The images not seen before: a tag never seen, or a tag that now points at another digest (it was
 * pushed again with new content). seen maps each tag to the digest it had when last seen.
 */
export function newImages(current: readonly ImageTag[], seen: Readonly<Record<string, string>>): ImageTag[] {
  return current.filter((image) => !Object.hasOwn(seen, image.tag) || seen[image.tag] !== image.digest);
}

/** seen, updated with what current shows (tags no longer listed are forgotten). */
export const seenImages = (current: readonly ImageTag[]): Record<string, string> =>
  Object.fromEntries(current.map((i) => [i.tag, i.digest]));

interface Token { header: string; expiresAt: number }

type Auth = { kind: 'none' } | { kind: 'basic' } | { kind: 'bearer'; token: Token };

export class RegistryClient {
  readonly registry: string;
  private readonly base: string;
  private readonly credentials: RegistryCredentials | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof globalThis.fetch;
  private readonly now: () => number;
  /** What each repository needed last time, so a poll does not start with a 401 every time. */
  private readonly auth = new Map<string, Auth>();

  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    this.base = registryBaseUrl(registry);
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /** Every tag of the repository, following the registry's pages (Link: <...>; rel="next"). */
  async listTags(repository: string): Promise<string[]> {
    const repo = repositoryPath(this.registry, repository);
    const tags: string[] = [];
    const visited = new Set<string>();
    for (let url: string | undefined = `${this.base}/v2/${repo}/tags/list`; url; ) {
      if (visited.has(url)) throw this.error('Refused', repository, `its tag list's next page ${url} repeats a page already read`);
      visited.add(url);
      const res = await this.request('GET', url, repo, repository, { accept: 'application/json' });
      await this.check(res, repository, 'the tag list');
      const body = await res.json() as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      url = nextPageUrl(res.headers.get('link'), url);
    }
    return tags;
  }

  /** The digest of the manifest (or index) repository:tag points at, as the registry's Docker-Content-Digest says. */
  async tagDigest(repository: string, tag: string): Promise<string> {
    const repo = repositoryPath(this.registry, repository);
    const url = `${this.base}/v2/${repo}/manifests/${encodeURIComponent(tag)}`;
    const headers = { accept: manifestMediaTypes.join(', ') };
    const head = await this.request('HEAD', url, repo, repository, headers);
    await this.check(head, repository, `tag "${tag}"`);
    const digest = head.headers.get('docker-content-digest');
    if (digest) return digest;
    // Not every registry sends the header: the digest is then the SHA-256 of the manifest's bytes.
    const res = await this.request('GET', url, repo, repository, headers);
    await this.check(res, repository, `tag "${tag}"`);
    return `sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}`;
  }

  /** The digest of each tag; a tag removed since it was listed is left out. */
  async images(repository: string, tags: readonly string[]): Promise<ImageTag[]> {
    const out: ImageTag[] = [];
    for (const tag of tags) {
      try {
        out.push({ tag, digest: await this.tagDigest(repository, tag) });
      } catch (err) {
        if (!isRegistryError(err, 'NotFound')) throw err;
      }
    }
    return out;
  }

  private async request(method: string, url: string, repo: string, repository: string, headers: Record<string, string>): Promise<Response> {
    const known = this.auth.get(repo) ?? { kind: 'none' };
    const usable = known.kind !== 'bearer' || known.token.expiresAt > this.now() ? known : { kind: 'none' as const };
    const first = await this.send(method, url, repository, { ...headers, ...this.authHeader(usable) });
    if (first.status !== 401) return first;
    await first.body?.cancel();
    const auth = await this.authorize(first.headers.get('www-authenticate'), repo, repository);
    this.auth.set(repo, auth);
    const second = await this.send(method, url, repository, { ...headers, ...this.authHeader(auth) });
    if (second.status === 401) {
      this.auth.delete(repo);
      throw this.error('Unauthorized', repository, this.credentials
        ? `the registry refused the credentials of user "${this.credentials.username}" (${await errorDetail(second)}): check the username and password in the trigger's Secret, and that this user may pull the repository`
        : 'the registry still asks for credentials after an anonymous token: give the trigger a Secret with a username and password that may pull the repository', 401);
    }
    return second;
  }

  private authHeader(auth: Auth): Record<string, string> {
    if (auth.kind === 'bearer') return { authorization: auth.token.header };
    if (auth.kind === 'basic' && this.credentials) return { authorization: this.basicHeader(this.credentials) };
    return {};
  }

  private basicHeader(c: RegistryCredentials): string {
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  /** What a 401's challenge asks for: basic credentials, or a bearer token from its realm. */
  private async authorize(header: string | null, repo: string, repository: string): Promise<Auth> {
    const challenge = parseChallenge(header);
    if (challenge?.scheme === 'basic') {
      if (!this.credentials) throw this.needsCredentials(repository);
      return { kind: 'basic' };
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
      throw this.error('Unauthorized', repository, `the registry answered 401 with a challenge this client does not know (WWW-Authenticate: ${header ?? 'none'}): only basic and bearer-token registries are supported`, 401);
    }
    return { kind: 'bearer', token: await this.token(challenge.params, repo, repository) };
  }

  /** The bearer-token flow: GET realm?service=&scope= with the basic credentials (if any) answers a token. */
  private async token(params: Record<string, string>, repo: string, repository: string): Promise<Token> {
    const url = new URL(params.realm!);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${repo}:pull`);
    const headers: Record<string, string> = this.credentials ? { authorization: this.basicHeader(this.credentials) } : {};
    const res = await this.send('GET', url.toString(), repository, headers, 'its token server');
    if (res.status === 401 || res.status === 403) {
      throw this.error('Unauthorized', repository, this.credentials
        ? `its token server ${url.origin} refused the credentials of user "${this.credentials.username}" (HTTP ${res.status}: ${await errorDetail(res)}): check the username and password in the trigger's Secret`
        : `its token server ${url.origin} refused an anonymous token (HTTP ${res.status}): give the trigger a Secret with a username and password that may pull the repository`, res.status);
    }
    if (!res.ok) throw this.error('Refused', repository, `its token server ${url.origin} answered HTTP ${res.status}: ${await errorDetail(res)}`, res.status);
    const body = await res.json().catch(() => ({})) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token) throw this.error('Refused', repository, `its token server ${url.origin} answered without a token`, res.status);
    // Tokens last 60 s unless the server says otherwise (the token spec's default); renew a little early.
    return { header: `Bearer ${token}`, expiresAt: this.now() + Math.max((body.expires_in ?? 60) - 10, 1) * 1000 };
  }

  private async send(method: string, url: string, repository: string, headers: Record<string, string>, what = 'the registry'): Promise<Response> {
    try {
      return await this.fetchFn(url, { method, headers, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: Error & { code?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw this.error('Unreachable', repository, `${what} cannot be reached at ${new URL(url).origin} (${why}): check the trigger's docker.registry and that the operator can reach it`);
    }
  }

  /** Throws the typed error for a failed answer; returns for a 2xx. */
  private async check(res: Response, repository: string, what: string): Promise<void> {
    if (res.ok) return;
    const detail = await errorDetail(res);
    if (res.status === 404) {
      throw this.error('NotFound', repository, what === 'the tag list'
        ? `no such repository (${detail}): check the trigger's docker.repository`
        : `no ${what} (${detail})`, 404);
    }
    if (res.status === 403) {
      throw this.error('Unauthorized', repository, `reading ${what} is forbidden (${detail}): give the trigger's Secret a user that may pull the repository`, 403);
    }
    throw this.error('Refused', repository, `the registry answered HTTP ${res.status} for ${what} (${detail})`, res.status);
  }

  private needsCredentials(repository: string): RegistryError {
    return this.error('Unauthorized', repository, 'the registry asks for credentials: give the trigger a Secret with a username and password that may pull the repository', 401);
  }

  /** Every message begins with the registry and the repository. */
  private error(kind: RegistryErrorKind, repository: string, message: string, status?: number): RegistryError {
    return new RegistryError(kind, this.registry, repository, `registry ${this.registry}, repository "${repository}": ${message}`, status);
  }
}

/** The registry's own words for a failure: its errors[].code and message, or the start of the body. */
async function errorDetail(res: Response): Promise<string> {
  const text = res.bodyUsed ? '' : await res.text().catch(() => '');
  try {
    const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    if (errors.length > 0) return errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch { /* not JSON */ }
  return text.trim().slice(0, 200) || `HTTP ${res.status}`;
}
