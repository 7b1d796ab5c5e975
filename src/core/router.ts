// A small HTTP router for everything the operator serves. Routes are registered by method and path:
// exact (`/healthz`), with `:param` segments (`/runs/:name`), or a prefix (`/static/*`). Each route
// limits the size of the body it accepts. Failures become answers in this one place: no route for
// the path is 404, a route with another method 405 with Allow, a body over the limit 413 (read no
// further; the connection is closed), a handler that throws 500 with a log line.
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from './logger.ts';

/** What a handler sees: the request with its path parameters and its whole body. */
export interface Request {
  readonly method: string;
  /** The path, percent-decoded per segment. */
  readonly path: string;
  /** `:name` segments by name; a prefix route's rest of the path as `*` (may be empty). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Response {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Handler = (req: Request) => Response | Promise<Response>;

export interface RouteOptions {
  /** The largest body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

export const defaultMaxBodyBytes = 1024 * 1024;

export const json = (value: unknown, status = 200): Response =>
  ({ status, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(value)}\n` });

export const text = (body: string, status = 200, contentType = 'text/plain; charset=utf-8'): Response =>
  ({ status, headers: { 'content-type': contentType }, body });

type Segment = { kind: 'static'; value: string } | { kind: 'param'; name: string };

interface Route {
  method: string;
  pattern: string;
  segments: Segment[];
  /** A prefix route: `/*` ends its pattern and matches any rest of the path. */
  prefix: boolean;
  handler: Handler;
  maxBodyBytes: number;
}

export class Router {
  private readonly routes: Route[] = [];
  private readonly log: Logger;

  constructor(log: Logger) { this.log = log; }

  get(pattern: string, handler: Handler, options?: RouteOptions): this { return this.route('GET', pattern, handler, options); }
  post(pattern: string, handler: Handler, options?: RouteOptions): this { return this.route('POST', pattern, handler, options); }
  put(pattern: string, handler: Handler, options?: RouteOptions): this { return this.route('PUT', pattern, handler, options); }
  delete(pattern: string, handler: Handler, options?: RouteOptions): this { return this.route('DELETE', pattern, handler, options); }

  /** Registers a route; a GET route answers HEAD too. Throws on a malformed or already registered pattern. */
  route(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    const { segments, prefix } = parsePattern(pattern);
    const route: Route = { method: method.toUpperCase(), pattern, segments, prefix, handler, maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes };
    if (this.routes.some((r) => r.method === route.method && samePattern(r, route))) {
      throw new Error(`route ${route.method} ${pattern} is registered twice`);
    }
    this.routes.push(route);
    // Most specific first, so the first match is the one to take.
    this.routes.sort(bySpecificity);
    return this;
  }

  /** The router as a node:http request listener. It never rejects: every failure becomes an answer. */
  readonly listener: RequestListener = (req, res) => {
    this.handle(req, res).catch((err: unknown) => {
      this.log.error('http request failed', { method: req.method, url: req.url, error: err });
      if (!res.headersSent) send(res, json({ error: 'internal error' }, 500));
      else res.destroy();
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    let url: URL;
    let path: string[];
    try {
      url = new URL(req.url ?? '/', 'http://operator');
      path = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      send(res, json({ error: `cannot read the path of ${JSON.stringify(req.url)}` }, 400));
      return;
    }
    const matches = this.routes.map((r) => ({ route: r, params: match(r, path) })).filter((m) => m.params !== undefined);
    const found = matches.find((m) => answers(m.route, method));
    if (!found) {
      if (matches.length === 0) {
        send(res, json({ error: `nothing is served at ${url.pathname}` }, 404));
        return;
      }
      const allow = [...new Set(matches.flatMap((m) => m.route.method === 'GET' ? ['GET', 'HEAD'] : [m.route.method]))].join(', ');
      send(res, json({ error: `${url.pathname} answers ${allow}, not ${method}` }, 405), { allow });
      return;
    }
    const { route } = found;
    const body = await readBody(req, route.maxBodyBytes);
    if (body === 'aborted') return;
    if (body === 'too large') {
      // Connection: close, so the rest of the body is never read; the socket ends once this is sent.
      send(res, json({ error: `the body is over the ${route.maxBodyBytes} bytes ${route.method} ${route.pattern} accepts` }, 413), { connection: 'close' });
      return;
    }
    let response: Response;
    try {
      response = await route.handler({ method, path: `/${path.join('/')}`, params: found.params!, query: url.searchParams, headers: req.headers, body });
    } catch (err) {
      this.log.error('http handler failed', { method, path: url.pathname, route: route.pattern, error: err });
      response = json({ error: 'internal error' }, 500);
    }
    send(res, response);
  }
}

function send(res: ServerResponse, response: Response, extraHeaders: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const body = response.body ?? '';
  res.writeHead(response.status, { ...response.headers, ...extraHeaders, 'content-length': String(Buffer.byteLength(body)) }).end(body);
}

function answers(route: Route, method: string): boolean {
  return route.method === method || (method === 'HEAD' && route.method === 'GET');
}

function parsePattern(pattern: string): { segments: Segment[]; prefix: boolean } {
  if (!pattern.startsWith('/')) throw new Error(`route pattern "${pattern}" must start with /`);
  const parts = pattern.split('/').slice(1);
  const prefix = parts.at(-1) === '*';
  if (prefix) parts.pop();
  const segments = parts.map((p): Segment => {
    if (p.includes('*')) throw new Error(`route pattern "${pattern}": * may only end a pattern, as /prefix/*`);
    if (!p.startsWith(':')) return { kind: 'static', value: p };
    if (!/^:[A-Za-z_]\w*$/.test(p)) throw new Error(`route pattern "${pattern}": parameter "${p}" must be a name, as :name`);
    return { kind: 'param', name: p.slice(1) };
  });
  return { segments, prefix };
}

/** The route's params for a path (split into decoded segments), or undefined when it does not match. */
function match(route: Route, path: string[]): Record<string, string> | undefined {
  const { segments, prefix } = route;
  if (prefix ? path.length < segments.length + 1 : path.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, s] of segments.entries()) {
    const part = path[i]!;
    if (s.kind === 'static' && s.value !== part) return undefined;
    if (s.kind === 'param') {
      if (part === '') return undefined;
      params[s.name] = part;
    }
  }
  if (prefix) params['*'] = path.slice(segments.length).join('/');
  return params;
}

function samePattern(a: Route, b: Route): boolean {
  return a.prefix === b.prefix && a.segments.length === b.segments.length
    && a.segments.every((s, i) => { const t = b.segments[i]!; return s.kind === t.kind && (s.kind === 'param' || s.value === (t as { value: string }).value); });
}

/** Static segments before parameters, parameters before a prefix's rest; the longer of two prefixes first. */
function bySpecificity(a: Route, b: Route): number {
  const rank = (r: Route, i: number) => i < r.segments.length ? (r.segments[i]!.kind === 'static' ? 2 : 1) : r.prefix ? 0 : 3;
  for (let i = 0; i <= Math.max(a.segments.length, b.segments.length); i++) {
    const d = rank(b, i) - rank(a, i);
    if (d !== 0) return d;
  }
  return 0;
}

/** The whole body, or 'too large' as soon as it passes limit (the rest is left unread). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large' | 'aborted'> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve('too large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | 'too large' | 'aborted') => {
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) { req.pause(); finish('too large'); return; }
      chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    // The client went away, or the server's request timeout already answered 408 and closed the socket.
    const onClose = () => finish('aborted');
    req.on('data', onData).on('end', onEnd).on('close', onClose);
  });
}
