// A fake of the part of Jenkins' JSON API Staysail uses, on 127.0.0.1: no Jenkins can run here.
// It answers in Jenkins' own shapes, checked against what Jenkins publishes and its source:
// - the Remote access API (wiki.jenkins.io "Remote access API", and each job's /api page, Jenkins'
//   hudson/model/Job/_api.jelly): POST /job/<job>/build, or /buildWithParameters with the parameters
//   as form data; folders nest as /job/a/job/b; every object has /api/json with `_class`.
// - since Jenkins 1.519 a build request answers 201 Created with `Location: <root>/queue/item/<id>/`
//   (JENKINS-23235); buildWithParameters on a job without parameters throws "This build is not
//   parameterized!" (hudson.model.AbstractProject / ParameterizedJobMixIn), a 500.
// - queue items (hudson/model/Queue.java): Item exports id, blocked, buildable, params, stuck, task,
//   url (queue/item/<id>/), why, inQueueSince; WaitingItem adds timestamp; LeftItem adds cancelled
//   and executable ({number, url} of the build, null when cancelled), and stays readable 5 minutes.
//   POST /queue/cancelItem?id= answers 204, or 404 "Provided id (<id>) not found" (Queue.doCancelItem).
// - the crumb issuer (hudson/security/csrf/DefaultCrumbIssuer, and the published OpenAPI description
//   of Jenkins' API, swaggy-jenkins: DefaultCrumbIssuer {_class, crumb, crumbRequestField}): POSTs
//   without the crumb get 403 "No valid crumb was included in the request"; the crumb belongs to
//   the session its JSESSIONID cookie names.
// - builds (hudson.model.FreeStyleBuild): number, url, building, result (null while building), actions
//   with hudson.model.ParametersAction's parameters and CauseAction's causes, artifacts[] with
//   displayPath, fileName, relativePath; /artifact/<relativePath> serves the file; POST .../stop aborts
//   (ABORTED) and answers 302 back to the build.
// Time is lazy: a queue item becomes a build once its quiet period passed and a build finishes once
// its duration passed, each judged when a request arrives. `tree=` does not trim answers (Jenkins
// would; the client reads only fields it names), but tree=builds[...] gives a job's builds whole.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a build of a scripted job comes to, given its parameters. */
export interface BuildScript { result?: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED' | 'NOT_BUILT'; durationMs?: number;
  /** Archived artifacts: relativePath -> text. */
  artifacts?: Record<string, string> }

export interface FakeJob {
  /** Parameter definitions (string parameters) and their defaults; none: the job takes no parameters. */
  parameters?: { name: string; default?: string }[];
  /** How long an item waits in the queue (Jenkins' quiet period; default 100 ms). */
  quietPeriodMs?: number;
  build?: (parameters: Record<string, string>, number: number) => BuildScript;
}

interface QueueItem { id: number; job: string; parameters: Record<string, string>; since: number; readyAt: number; cancelled?: boolean; build?: number }
interface Build { number: number; job: string; parameters: Record<string, string>; queueId: number; timestamp: number; endsAt: number;
  script: BuildScript; aborted?: boolean }

export interface RecordedRequest { method: string; path: string; headers: IncomingMessage['headers']; body: string }

export class FakeJenkins {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly jobs = new Map<string, FakeJob & { builds: Build[] }>();
  private readonly queue: QueueItem[] = [];
  private readonly crumbs = new Map<string, string>();
  private nextQueueId = 1;
  private base = '';
  private readonly users: Record<string, string>;

  /** users: username -> API token; empty, anyone may do anything. */
  constructor(users: Record<string, string> = {}) {
    this.users = users;
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', () => {
        this.requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
        try { this.handle(req, res, body); } catch (err) { this.send(res, 500, 'text/plain', String(err)); }
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.base.slice(0, -1);
  }

  close(): Promise<void> { return new Promise((r) => { this.server.closeAllConnections(); this.server.close(() => r()); }); }

  /** Adds (or replaces) a job; a/b is job b in folder a. */
  job(path: string, job: FakeJob = {}): void { this.jobs.set(path, { ...job, builds: this.jobs.get(path)?.builds ?? [] }); }

  /** The builds of a job, oldest first, as the fake holds them. */
  builds(path: string): { number: number; parameters: Record<string, string>; result: string | null }[] {
    this.tick();
    return (this.jobs.get(path)?.builds ?? []).map((b) => ({ number: b.number, parameters: b.parameters, result: this.result(b) }));
  }

  /** Requests that started a build of the job. */
  starts(path: string): RecordedRequest[] {
    const prefix = path.split('/').map((n) => `/job/${encodeURIComponent(n)}`).join('');
    return this.requests.filter((r) => r.method === 'POST' && (r.path.startsWith(`${prefix}/build?`) || r.path === `${prefix}/build`
      || r.path.startsWith(`${prefix}/buildWithParameters`)));
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (!this.authorized(req, res)) return;
    const url = new URL(req.url!, this.base);
    const path = url.pathname;
    this.tick();
    if (path === '/crumbIssuer/api/json' && req.method === 'GET') return this.issueCrumb(res);
    if (req.method === 'POST' && !this.hasCrumb(req)) {
      return this.send(res, 403, 'text/html', '<html><body><h2>HTTP ERROR 403 No valid crumb was included in the request</h2></body></html>');
    }
    const q = /^\/queue\/item\/(\d+)\/api\/json$/.exec(path);
    if (q && req.method === 'GET') return this.queueItem(res, Number(q[1]));
    if (path === '/queue/cancelItem' && req.method === 'POST') return this.cancelItem(res, Number(url.searchParams.get('id')));
    const m = /^((?:\/job\/[^/]+)+)(?:\/(\d+))?(\/.*)?$/.exec(path);
    const jobName = m?.[1]!.split('/job/').slice(1).map(decodeURIComponent).join('/');
    const job = jobName !== undefined ? this.jobs.get(jobName) : undefined;
    if (!m || !job || jobName === undefined) return this.notFound(res);
    const rest = m[3] ?? '/';
    if (m[2] === undefined) return this.jobRoute(req, res, jobName, job, rest, { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams(body)) });
    const build = job.builds.find((b) => b.number === Number(m[2]));
    if (!build) return this.notFound(res);
    if (rest === '/api/json' && req.method === 'GET') return this.json(res, this.buildJson(build));
    if (rest === '/stop' && req.method === 'POST') {
      if (this.result(build) === null) build.aborted = true;
      return this.redirect(res, `${this.base}${this.jobUrl(jobName)}${build.number}/`);
    }
    const artifact = rest.startsWith('/artifact/') ? decodeURIComponent(rest.slice('/artifact/'.length)) : undefined;
    const text = artifact !== undefined ? build.script.artifacts?.[artifact] : undefined;
    if (text !== undefined && req.method === 'GET' && this.result(build) !== null) return this.send(res, 200, 'application/octet-stream', text);
    return this.notFound(res);
  }

  private jobRoute(req: IncomingMessage, res: ServerResponse, name: string, job: FakeJob & { builds: Build[] }, rest: string, form: Record<string, string>): void {
    if (rest === '/api/json' && req.method === 'GET') {
      // tree=builds[...] asks for builds' own fields (Jenkins' depth would too): give each build whole.
      const deep = form.tree?.includes('builds[') ?? false;
      return this.json(res, { ...this.jobJson(name, job), ...(deep ? { builds: [...job.builds].reverse().map((b) => this.buildJson(b)) } : {}) });
    }
    if (rest === '/buildWithParameters' && req.method === 'POST') {
      if (!job.parameters?.length) return this.send(res, 500, 'text/html', '<h2>java.lang.IllegalStateException: This build is not parameterized!</h2>');
      return this.enqueue(res, name, job, form);
    }
    // A parameterized job's /build without a json form shows its parameters page.
    if (rest === '/build' && req.method === 'POST') return job.parameters?.length ? this.send(res, 200, 'text/html', '<form>parameters</form>') : this.enqueue(res, name, job, {});
    return this.notFound(res);
  }

  private enqueue(res: ServerResponse, name: string, job: FakeJob, form: Record<string, string>): void {
    // Parameters the job does not define are dropped (SECURITY-170); defined ones missing take their default.
    const parameters = Object.fromEntries((job.parameters ?? []).map((p) => [p.name, form[p.name] ?? p.default ?? '']));
    const now = Date.now();
    const item: QueueItem = { id: this.nextQueueId++, job: name, parameters, since: now, readyAt: now + (job.quietPeriodMs ?? 100) };
    this.queue.push(item);
    res.writeHead(201, { location: `${this.base}queue/item/${item.id}/`, 'content-length': '0' }).end();
  }

  /** Items whose quiet period is over become builds, in queue order. */
  private tick(): void {
    const now = Date.now();
    for (const item of this.queue) {
      if (item.cancelled || item.build !== undefined || item.readyAt > now) continue;
      const job = this.jobs.get(item.job)!;
      const number = (job.builds.at(-1)?.number ?? 0) + 1;
      const script = job.build?.(item.parameters, number) ?? {};
      job.builds.push({ number, job: item.job, parameters: item.parameters, queueId: item.id, timestamp: now, endsAt: now + (script.durationMs ?? 200), script });
      item.build = number;
    }
  }

  private result(b: Build): string | null {
    if (b.aborted) return 'ABORTED';
    return Date.now() >= b.endsAt ? b.script.result ?? 'SUCCESS' : null;
  }

  private queueItem(res: ServerResponse, id: number): void {
    const item = this.queue.find((i) => i.id === id);
    if (!item) return this.notFound(res);
    const left = item.cancelled || item.build !== undefined;
    const common = {
      actions: [this.parametersAction(item.parameters), this.causeAction()],
      blocked: false, buildable: false, id: item.id, inQueueSince: item.since,
      params: Object.entries(item.parameters).map(([k, v]) => `\n${k}=${v}`).join(''),
      stuck: false, task: { _class: 'hudson.model.FreeStyleProject', name: item.job.split('/').at(-1), url: `${this.base}${this.jobUrl(item.job)}`, color: 'blue' },
      url: `queue/item/${item.id}/`,
    };
    if (!left) {
      const secs = Math.max(0, (item.readyAt - Date.now()) / 1000).toFixed(1);
      return this.json(res, { _class: 'hudson.model.Queue$WaitingItem', ...common, why: `In the quiet period. Expires in ${secs} sec`, timestamp: item.readyAt });
    }
    const executable = item.build !== undefined
      ? { _class: 'hudson.model.FreeStyleBuild', number: item.build, url: `${this.base}${this.jobUrl(item.job)}${item.build}/` } : null;
    return this.json(res, { _class: 'hudson.model.Queue$LeftItem', ...common, why: null, cancelled: item.cancelled === true, executable });
  }

  private cancelItem(res: ServerResponse, id: number): void {
    const item = this.queue.find((i) => i.id === id && !i.cancelled && i.build === undefined);
    if (!item) return this.send(res, 404, 'text/html', `Provided id (${id}) not found`);
    item.cancelled = true;
    res.writeHead(204).end();
  }

  private jobJson(name: string, job: FakeJob & { builds: Build[] }): object {
    const url = `${this.base}${this.jobUrl(name)}`;
    const ref = (b?: Build) => (b ? { _class: 'hudson.model.FreeStyleBuild', number: b.number, url: `${url}${b.number}/` } : null);
    const done = job.builds.filter((b) => this.result(b) !== null);
    const short = name.split('/').at(-1)!;
    return {
      _class: 'hudson.model.FreeStyleProject', actions: [], description: '', displayName: short, fullDisplayName: name.split('/').join(' » '),
      fullName: name, name: short, url, buildable: true, builds: [...job.builds].reverse().map(ref), color: 'blue',
      firstBuild: ref(job.builds[0]), inQueue: this.queue.some((i) => i.job === name && !i.cancelled && i.build === undefined),
      keepDependencies: false, lastBuild: ref(job.builds.at(-1)), lastCompletedBuild: ref(done.at(-1)),
      nextBuildNumber: (job.builds.at(-1)?.number ?? 0) + 1, concurrentBuild: false,
      property: job.parameters?.length ? [{ _class: 'hudson.model.ParametersDefinitionProperty', parameterDefinitions: job.parameters.map((p) => ({
        _class: 'hudson.model.StringParameterDefinition', defaultParameterValue: { _class: 'hudson.model.StringParameterValue', name: p.name, value: p.default ?? '' },
        description: '', name: p.name, type: 'StringParameterDefinition' })) }] : [],
    };
  }

  private buildJson(b: Build): object {
    const result = this.result(b);
    const artifacts = result === null ? [] : Object.keys(b.script.artifacts ?? {}).map((p) => ({ displayPath: p.split('/').at(-1), fileName: p.split('/').at(-1), relativePath: p }));
    return {
      _class: 'hudson.model.FreeStyleBuild', actions: [this.parametersAction(b.parameters), this.causeAction(), {}], artifacts,
      building: result === null, description: null, displayName: `#${b.number}`, duration: result === null ? 0 : Math.max(0, b.endsAt - b.timestamp),
      estimatedDuration: b.script.durationMs ?? 200, executor: result === null ? {} : null, fullDisplayName: `${b.job.split('/').join(' » ')} #${b.number}`,
      id: String(b.number), keepLog: false, number: b.number, queueId: b.queueId, result, timestamp: b.timestamp,
      url: `${this.base}${this.jobUrl(b.job)}${b.number}/`, builtOn: '', changeSet: { _class: 'hudson.scm.EmptyChangeLogSet', items: [], kind: null }, culprits: [],
    };
  }

  private parametersAction(parameters: Record<string, string>): object {
    return { _class: 'hudson.model.ParametersAction', parameters: Object.entries(parameters).map(([name, value]) => ({ _class: 'hudson.model.StringParameterValue', name, value })) };
  }

  private causeAction(): object {
    const user = Object.keys(this.users)[0];
    return { _class: 'hudson.model.CauseAction', causes: [user
      ? { _class: 'hudson.model.Cause$UserIdCause', shortDescription: `Started by user ${user}`, userId: user, userName: user }
      : { _class: 'hudson.model.Cause$RemoteCause', shortDescription: 'Started by remote host 127.0.0.1', addr: '127.0.0.1', note: null }] };
  }

  private jobUrl(name: string): string { return name.split('/').map((n) => `job/${encodeURIComponent(n)}/`).join(''); }

  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    if (Object.keys(this.users).length === 0) return true;
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) {
      this.send(res, 403, 'text/html', '<html><body>Authentication required</body></html>');
      return false;
    }
    const [user, ...token] = Buffer.from(m[1]!, 'base64').toString().split(':');
    if (this.users[user!] !== undefined && this.users[user!] === token.join(':')) return true;
    res.setHeader('www-authenticate', 'Basic realm="Jenkins"');
    this.send(res, 401, 'text/html', `<html><body>Invalid password/token for user: ${user}</body></html>`);
    return false;
  }

  private issueCrumb(res: ServerResponse): void {
    const session = randomBytes(8).toString('hex');
    const crumb = randomBytes(16).toString('hex');
    this.crumbs.set(session, crumb);
    res.setHeader('set-cookie', `JSESSIONID.fake=${session}; Path=/; HttpOnly`);
    this.json(res, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb, crumbRequestField: 'Jenkins-Crumb' });
  }

  private hasCrumb(req: IncomingMessage): boolean {
    const session = /JSESSIONID\.fake=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
    return session !== undefined && this.crumbs.get(session) === req.headers['jenkins-crumb'];
  }

  private json(res: ServerResponse, body: object): void { this.send(res, 200, 'application/json;charset=utf-8', JSON.stringify(body)); }
  private redirect(res: ServerResponse, location: string): void { res.writeHead(302, { location, 'content-length': '0' }).end(); }
  private notFound(res: ServerResponse): void { this.send(res, 404, 'text/html', '<html><body><h2>HTTP ERROR 404 Not Found</h2></body></html>'); }
  private send(res: ServerResponse, status: number, type: string, body: string): void { res.writeHead(status, { 'content-type': type }).end(body); }
}
