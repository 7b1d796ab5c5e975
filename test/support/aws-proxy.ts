// A small HTTP proxy on a free loopback port in front of moto: an AWS Account's endpoint is the
// proxy, so a test sees every call the operator makes and can bend what it gets back. It answers a
// chosen share of calls with AWS's own throttling errors (counting, per action, what it throttled
// and what it passed), and can hold the answer to one call after moto has carried it out, running a
// callback first (SIGKILL the operator): the crash between "AWS did it" and "the operator knows".
// The SDK speaks the query protocol to EC2, Auto Scaling, ELBv2 and STS (a form body with Action=);
// JSON services (x-amz-target) are parsed too, should a client move to them.
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one request asks of AWS. */
export interface AwsCall {
  /** The signing name: ec2, autoscaling, elasticloadbalancing, sts, ... ("unknown" without a signature). */
  service: string;
  /** The operation, e.g. CreateAutoScalingGroup ("unknown" when the request names none). */
  action: string;
  protocol: 'query' | 'json' | 'unknown';
  /** The query protocol's parameters (empty for JSON). */
  params: URLSearchParams;
  contentType: string;
}

export interface WireRequest { method: string; url: string; headers: IncomingHttpHeaders; body: string }
export interface WireAnswer { status: number; headers: Record<string, string>; body: string }

const header = (headers: IncomingHttpHeaders, name: string): string => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v ?? '';
};

/** The service and action of a request as the SDK sends it (pure: unit-tested). */
export function awsCallOf(req: WireRequest): AwsCall {
  const contentType = header(req.headers, 'content-type');
  // SigV4: Credential=AKID/20240101/us-east-1/autoscaling/aws4_request
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(header(req.headers, 'authorization'));
  const target = header(req.headers, 'x-amz-target');
  if (target) {
    return { service: scope?.[1] ?? 'unknown', action: target.slice(target.lastIndexOf('.') + 1) || 'unknown', protocol: 'json',
      params: new URLSearchParams(), contentType };
  }
  const query = new URL(req.url, 'http://proxy').searchParams;
  const params = contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(req.body) : new URLSearchParams();
  for (const [k, v] of query) if (!params.has(k)) params.append(k, v);
  const action = params.get('Action');
  return { service: scope?.[1] ?? 'unknown', action: action ?? 'unknown', protocol: action ? 'query' : 'unknown', params, contentType };
}

/**
 * AWS's throttling answer for the call, in its service's wire format: EC2's 503 RequestLimitExceeded,
 * a query service's 400 Throttling, a JSON service's 400 ThrottlingException.
 */
export function throttlingAnswer(call: AwsCall, requestId: string): WireAnswer {
  if (call.service === 'ec2') {
    return { status: 503, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: '<?xml version="1.0" encoding="UTF-8"?>\n'
      + '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors>'
      + `<RequestID>${requestId}</RequestID></Response>` };
  }
  if (call.protocol === 'json') {
    return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) };
  }
  return { status: 400, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: '<ErrorResponse xmlns="http://webservices.amazon.com/AutoScaling/2011-01-01/"><Error><Type>Sender</Type><Code>Throttling</Code>'
      + `<Message>Rate exceeded</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>` };
}

/** Whether to throttle a call: n counts the calls the rule has been asked about, from 1. */
export type ThrottleRule = (call: AwsCall, n: number) => boolean;

/** Throttles every nth call that matches (all, by default). */
export const everyNth = (n: number, matches: (call: AwsCall) => boolean = () => true): ThrottleRule => {
  let seen = 0;
  return (call) => matches(call) && ++seen % n === 0;
};

/** The rule, for the first count calls from when it is set; none is throttled after them ("for a while"). */
export const firstCalls = (count: number, rule: ThrottleRule): ThrottleRule => (call, n) => n <= count && rule(call, n);

export interface CallRecord {
  at: number; service: string; action: string; status: number; throttled: boolean; held: boolean; contentType: string;
  /** The Auto Scaling group the call names (AutoScalingGroupName), if any. */
  group?: string;
}
export interface ActionCount { throttled: number; passed: number }

interface Hold { matches: (call: AwsCall) => boolean; then: (call: AwsCall) => void; fired: (call: AwsCall) => void }

/** Requests larger than this are refused (the SDK sends a few KiB). */
const maxBody = 4 * 1024 * 1024;
/** How long moto may take to answer before the caller gets a 502. */
const upstreamTimeoutMs = 60_000;
/** Calls kept for failure reports. */
const keep = 2_000;

export class AwsProxy {
  /** The endpoint to give an Account (spec.aws.endpoint). */
  readonly endpoint: string;
  /** The last calls, oldest first. */
  readonly calls: CallRecord[] = [];
  private readonly counts = new Map<string, ActionCount>();
  private readonly holds: Hold[] = [];
  private readonly held = new Set<ServerResponse>();
  private rule: ThrottleRule | undefined;
  private asked = 0;
  private readonly server: Server;
  private readonly upstream: URL;

  private constructor(server: Server, upstream: URL) {
    this.server = server;
    this.upstream = upstream;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Starts a proxy on a free loopback port in front of upstream (moto's endpoint). */
  static async start(upstream: string): Promise<AwsProxy> {
    const server = createServer();
    server.maxConnections = 512;
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });
    const proxy = new AwsProxy(server, new URL(upstream));
    server.on('request', (req, res) => { proxy.serve(req, res).catch((err: Error) => proxy.fail(res, 502, `proxy: ${err.message}`)); });
    return proxy;
  }

  /** Throttles the calls the rule picks from now on; undefined passes everything again. */
  throttle(rule: ThrottleRule | undefined): void {
    this.rule = rule;
    this.asked = 0;
  }

  /**
   * Once a call that matches has been carried out by moto (a 2xx answer), runs then and never
   * answers the caller (its connection stays open until the caller goes or the proxy stops).
   * Resolves with the call, once. Only the first matching call is held.
   */
  holdAfter(matches: (call: AwsCall) => boolean, then: (call: AwsCall) => void): Promise<AwsCall> {
    return new Promise((fired) => { this.holds.push({ matches, then, fired }); });
  }

  /** What was throttled and passed of an action (any service), or of all of them. */
  count(action?: string): ActionCount {
    if (action) return { ...(this.counts.get(action) ?? { throttled: 0, passed: 0 }) };
    let throttled = 0;
    let passed = 0;
    for (const c of this.counts.values()) { throttled += c.throttled; passed += c.passed; }
    return { throttled, passed };
  }

  /** Per action, what was throttled and passed, and what the SDK sent (for failure messages and logs). */
  summary(): string {
    const types = new Map<string, Set<string>>();
    for (const c of this.calls) types.set(`${c.service}:${c.action}`, (types.get(`${c.service}:${c.action}`) ?? new Set()).add(c.contentType));
    return [...types].sort(([a], [b]) => a.localeCompare(b)).map(([key, ct]) => {
      const c = this.counts.get(key.slice(key.indexOf(':') + 1))!;
      return `${key} passed ${c.passed} throttled ${c.throttled} (${[...ct].join(', ')})`;
    }).join('\n');
  }

  /** Closes every connection, held ones included, and stops listening. */
  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return this.fail(res, 413, `proxy: request body over ${maxBody} bytes`);
    const call = awsCallOf({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: body.toString('utf8') });
    const throttled = this.rule ? this.rule(call, ++this.asked) : false;
    const count = this.counts.get(call.action) ?? { throttled: 0, passed: 0 };
    this.counts.set(call.action, count);
    if (throttled) {
      count.throttled++;
      const answer = throttlingAnswer(call, randomUUID());
      this.record(call, answer.status, true, false);
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    count.passed++;
    const answer = await this.forward(req, body);
    const hold = answer.status < 300 ? this.holds.find((h) => h.matches(call)) : undefined;
    this.record(call, answer.status, false, hold !== undefined);
    if (hold) {
      this.holds.splice(this.holds.indexOf(hold), 1);
      this.held.add(res);
      res.once('close', () => this.held.delete(res));
      hold.then(call);
      hold.fired(call);
      return;
    }
    res.writeHead(answer.status, answer.headers).end(answer.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const out = request({ host: '127.0.0.1', port: this.upstream.port, method: req.method, path: req.url, headers: req.headers,
        timeout: upstreamTimeoutMs }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const headers: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
          resolve({ status: answer.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
        });
        answer.on('error', reject);
      });
      out.on('timeout', () => out.destroy(new Error(`moto did not answer within ${upstreamTimeoutMs} ms`)));
      out.on('error', reject);
      out.end(body);
    });
  }

  private record(call: AwsCall, status: number, throttled: boolean, held: boolean): void {
    const group = call.params.get('AutoScalingGroupName') ?? undefined;
    this.calls.push({ at: Date.now(), service: call.service, action: call.action, status, throttled, held, contentType: call.contentType,
      ...(group ? { group } : {}) });
    if (this.calls.length > keep) this.calls.splice(0, this.calls.length - keep);
  }

  private fail(res: ServerResponse, status: number, message: string): void {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(message);
  }
}

/** The request's body, or undefined when it is larger than maxBody. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) { req.destroy(); resolve(undefined); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
