// A client of Jenkins' JSON API (the "Remote access API": every page's /api/json), as the jenkins
// stage and the jenkins trigger use it: a job and its builds, a build's result, parameters and
// artifacts, an artifact's text, starting a build (with the CSRF crumb) and following its queue item
// to the build, and stopping either. Credentials are a user and an API token over basic auth.
// Queue items and builds are addressed from the configured server URL and their number, never from
// the URLs Jenkins puts in its answers, which follow Jenkins' own root URL setting.

/** What went wrong talking to Jenkins; retryable says whether asking again may succeed as things are. */
export type JenkinsErrorKind = 'Unauthorized' | 'NotFound' | 'Unreachable' | 'Refused';

export class JenkinsError extends Error {
  readonly kind: JenkinsErrorKind;
  readonly server: string;
  /** The HTTP status Jenkins answered, when it answered. */
  readonly status: number | undefined;
  constructor(kind: JenkinsErrorKind, server: string, message: string, status?: number) {
    super(message);
    this.name = `Jenkins${kind}Error`;
    this.kind = kind;
    this.server = server;
    this.status = status;
  }

  get retryable(): boolean {
    return this.kind === 'Unreachable' || (this.kind === 'Refused' && (this.status === 429 || (this.status ?? 0) >= 500));
  }
}

export const isJenkinsError = (err: unknown, kind?: JenkinsErrorKind): err is JenkinsError =>
  err instanceof JenkinsError && (kind === undefined || err.kind === kind);

/** A Jenkins user and one of its API tokens. */
export interface JenkinsCredentials { username: string; token: string }

export interface JenkinsClientOptions {
  credentials?: JenkinsCredentials;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** A job as its page describes it. */
export interface JenkinsJob {
  name: string;
  url: string;
  /** The names of the parameters the job defines (when any, builds start through buildWithParameters). */
  parameters: string[];
  buildable: boolean;
  /** The builds Jenkins lists (the newest 100 or so), newest first. */
  builds: { number: number; url: string }[];
}

/** One build of a job. */
export interface JenkinsBuild {
  number: number;
  url: string;
  building: boolean;
  /** SUCCESS, UNSTABLE, FAILURE, NOT_BUILT or ABORTED once done; null while building. */
  result: string | null;
  parameters: Record<string, unknown>;
  /** relativePath of every archived artifact. */
  artifacts: string[];
  timestamp?: number;
  duration?: number;
}

/** A queue item: waiting, or left the queue as a build or cancelled. */
export interface JenkinsQueueItem {
  id: number;
  cancelled: boolean;
  /** Set once the item left the queue as a build. */
  build?: { number: number; url: string };
  /** Why it still waits (the quiet period, a busy executor). */
  why?: string;
}

/** The path of a job: folders as a/b become /job/a/job/b, each name encoded. */
export function jobPath(job: string): string {
  return job.split('/').filter(Boolean).map((name) => `/job/${encodeURIComponent(name)}`).join('');
}

/** The queue item id in the Location a build request answers with (…/queue/item/<id>/). */
export function queueItemId(location: string | null): number | undefined {
  const m = /\/queue\/item\/(\d+)\/?$/.exec(location ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Fields of a build the client reads (the tree parameter keeps Jenkins' answers small). */
const buildTree = 'number,url,building,result,timestamp,duration,actions[parameters[name,value]],artifacts[relativePath]';

type Json = Record<string, unknown>;

export class JenkinsClient {
  readonly server: string;
  readonly baseUrl: string;
  private readonly options: JenkinsClientOptions;

  /** server: the name the configuration gives it, for messages; baseUrl: where Jenkins answers (with any context path). */
  constructor(server: string, baseUrl: string, options: JenkinsClientOptions = {}) {
    this.server = server;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.options = options;
  }

  async job(job: string): Promise<JenkinsJob> {
    const j = await this.getJson(`${jobPath(job)}/api/json`, `job "${job}"`);
    const props = Array.isArray(j.property) ? j.property as Json[] : [];
    return {
      name: String(j.fullName ?? j.name ?? job),
      url: String(j.url ?? ''),
      parameters: props.flatMap((p) => (Array.isArray(p.parameterDefinitions) ? p.parameterDefinitions as Json[] : []).map((d) => String(d.name))),
      buildable: j.buildable !== false,
      builds: (Array.isArray(j.builds) ? j.builds as Json[] : []).map((b) => ({ number: Number(b.number), url: String(b.url ?? '') })),
    };
  }

  async build(job: string, number: number): Promise<JenkinsBuild> {
    return toBuild(await this.getJson(`${jobPath(job)}/${number}/api/json?tree=${encodeURIComponent(buildTree)}`, `build #${number} of job "${job}"`));
  }

  /** The job's builds numbered above after, still building or not, oldest first (of those Jenkins lists: the newest 100). */
  async buildsAfter(job: string, after: number): Promise<JenkinsBuild[]> {
    const j = await this.getJson(`${jobPath(job)}/api/json?tree=${encodeURIComponent(`builds[${buildTree}]`)}`, `job "${job}"`);
    return (Array.isArray(j.builds) ? j.builds as Json[] : []).map(toBuild)
      .filter((b) => b.number > after).sort((a, b) => a.number - b.number);
  }

  /** The job's completed builds numbered above after, oldest first (what a trigger has not seen yet). */
  async completedBuildsAfter(job: string, after: number): Promise<JenkinsBuild[]> {
    return (await this.buildsAfter(job, after)).filter((b) => !b.building && b.result !== null);
  }

  /** An archived artifact's text. */
  async artifact(job: string, number: number, relativePath: string): Promise<string> {
    const path = relativePath.split('/').map(encodeURIComponent).join('/');
    const res = await this.request('GET', `${jobPath(job)}/${number}/artifact/${path}`, `artifact "${relativePath}" of build #${number} of job "${job}"`);
    return res.text();
  }

  /**
   * Queues a build: buildWithParameters with the parameters as form data for a parameterized job,
   * build for another. Returns the queue item's id, from the Location of Jenkins' 201 answer.
   */
  async startBuild(job: string, parameterized: boolean, parameters: Record<string, string> = {}): Promise<number> {
    const what = `starting job "${job}"`;
    const path = `${jobPath(job)}/${parameterized ? 'buildWithParameters' : 'build'}`;
    const res = await this.post(path, what, parameterized ? new URLSearchParams(parameters) : undefined);
    const id = queueItemId(res.headers.get('location'));
    if (id === undefined) {
      throw new JenkinsError('Refused', this.server, `Jenkins "${this.server}" answered ${what} with ${res.status} and no queue item `
        + `(Location: ${res.headers.get('location') ?? 'none'}); Jenkins 1.519 or later answers 201 with the queue item`, res.status);
    }
    return id;
  }

  async queueItem(id: number): Promise<JenkinsQueueItem> {
    const q = await this.getJson(`/queue/item/${id}/api/json`, `queue item ${id}`);
    const exe = q.executable as Json | null | undefined;
    return {
      id: Number(q.id ?? id),
      cancelled: q.cancelled === true,
      ...(exe && typeof exe.number === 'number' ? { build: { number: exe.number, url: String(exe.url ?? '') } } : {}),
      ...(typeof q.why === 'string' ? { why: q.why } : {}),
    };
  }

  /** Aborts a running build (a finished one is left as it is). */
  async stopBuild(job: string, number: number): Promise<void> {
    await this.post(`${jobPath(job)}/${number}/stop`, `stopping build #${number} of job "${job}"`);
  }

  /** Cancels a queue item that has not become a build; one gone already is no error. */
  async cancelQueueItem(id: number): Promise<void> {
    try {
      await this.post(`/queue/cancelItem?id=${id}`, `cancelling queue item ${id}`);
    } catch (err) {
      if (!isJenkinsError(err, 'NotFound')) throw err;
    }
  }

  private async getJson(path: string, what: string): Promise<Json> {
    const res = await this.request('GET', path, what);
    const text = await res.text();
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new JenkinsError('Refused', this.server, `Jenkins "${this.server}" answered ${what} with something other than JSON: ${text.slice(0, 200)}`, res.status);
    }
  }

  /** A POST with the CSRF crumb (and the session cookie it belongs to), when Jenkins issues crumbs. */
  private async post(path: string, what: string, form?: URLSearchParams): Promise<Response> {
    const headers: Record<string, string> = {};
    const crumb = await this.crumb();
    if (crumb) {
      headers[crumb.field] = crumb.value;
      if (crumb.cookie) headers.cookie = crumb.cookie;
    }
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    return this.request('POST', path, what, { headers, body: form?.toString() });
  }

  /** The crumb from /crumbIssuer/api/json; none when Jenkins has CSRF protection off (404). */
  private async crumb(): Promise<{ field: string; value: string; cookie?: string } | undefined> {
    let res: Response;
    try {
      res = await this.request('GET', '/crumbIssuer/api/json', 'a CSRF crumb');
    } catch (err) {
      if (isJenkinsError(err, 'NotFound')) return undefined;
      throw err;
    }
    const j = await res.json() as Json;
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { field: String(j.crumbRequestField ?? 'Jenkins-Crumb'), value: String(j.crumb ?? ''), ...(cookie ? { cookie } : {}) };
  }

  private async request(method: string, path: string, what: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    const creds = this.options.credentials;
    if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.token}`).toString('base64')}`;
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(url, { method, headers, body: init.body, redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (err) {
      const cause = (err as Error).cause as Error | undefined;
      throw new JenkinsError('Unreachable', this.server, `Jenkins "${this.server}" at ${this.baseUrl} could not be reached for ${what}: ${cause?.message ?? (err as Error).message}`);
    }
    // Jenkins answers 302 to a stop or a cancel (back to the page): done all the same.
    if (res.ok || (method === 'POST' && res.status >= 300 && res.status < 400)) return res;
    throw await this.refusal(res, `${method} ${path} answered ${res.status}`, what);
  }

  private async refusal(res: Response, status: string, what: string): Promise<JenkinsError> {
    const body = (await res.text().catch(() => '')).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
    const creds = this.options.credentials;
    if (res.status === 401 || res.status === 403) {
      return new JenkinsError('Unauthorized', this.server, `Jenkins "${this.server}" refused ${what} (${status}): `
        + `${creds ? `user "${creds.username}" and its API token are not accepted or lack the permission` : 'it needs credentials'}`, res.status);
    }
    if (res.status === 404) return new JenkinsError('NotFound', this.server, `Jenkins "${this.server}" has no ${what} (${status})`, res.status);
    return new JenkinsError('Refused', this.server, `Jenkins "${this.server}" refused ${what} (${status}${body ? `: ${body}` : ''})`, res.status);
  }
}

function toBuild(b: Json): JenkinsBuild {
  const actions = Array.isArray(b.actions) ? b.actions as Json[] : [];
  const parameters: Record<string, unknown> = {};
  for (const a of actions) {
    for (const p of Array.isArray(a?.parameters) ? a.parameters as Json[] : []) parameters[String(p.name)] = p.value;
  }
  return {
    number: Number(b.number),
    url: String(b.url ?? ''),
    building: b.building === true,
    result: typeof b.result === 'string' ? b.result : null,
    parameters,
    artifacts: (Array.isArray(b.artifacts) ? b.artifacts as Json[] : []).map((a) => String(a.relativePath)),
    ...(typeof b.timestamp === 'number' ? { timestamp: b.timestamp } : {}),
    ...(typeof b.duration === 'number' ? { duration: b.duration } : {}),
  };
}

/**
 * A Java properties file, as Jenkins jobs write them: key=value, key: value or key value lines;
 * # and ! comments; a backslash at the end of a line continues it; \t \n \r \f \uXXXX escapes.
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    const m = /^((?:\\.|[^\\=: \t\f])*)[ \t\f]*[=:]?[ \t\f]*(.*)$/s.exec(line)!;
    out[unescapeProperty(m[1]!)] = unescapeProperty(m[2]!.replace(/\\$/, ''));
  }
  return out;
}

const propertyEscapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescapeProperty(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : propertyEscapes[e] ?? e));
}
