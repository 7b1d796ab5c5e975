// webhook: calls an HTTP endpoint, retrying 5xx answers and connection errors with back-off, then
// optionally polls a status URL until an expression over the response says success or failure. The
// response goes into outputs. Each call carries an Idempotency-Key (run, stage, attempt), so a call
// repeated after a crash can be recognised by the receiver.
import { parseDuration } from '../../api/duration.ts';
import { evaluateCondition, ExpressionError, interpolate } from '../expressions.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

interface Poll { statusUrl: string; interval: string; successExpression: string; failureExpression?: string }
interface Response { statusCode: number; body: unknown }

const callTimeoutMs = 30_000;

async function call(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(callTimeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try { body = text ? JSON.parse(text) : ''; } catch { /* not JSON: keep the text */ }
  return { statusCode: res.status, body };
}

const excerpt = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 300);

export const webhookStage: StageType = {
  type: 'webhook',
  retryable: true,
  rawFields: ['poll'],
  async execute(s): Promise<StageOutcome> {
    const c = s.config as { url: string; method?: string; headers?: Record<string, string>; body?: unknown; retries?: number;
      successStatuses?: number[]; poll?: Poll };
    const state = (s.record.state ?? {}) as { calls?: number; response?: Response; nextAt?: string };
    // Every status write wakes the run again: keep to the back-off and the poll interval regardless.
    const notBefore = state.nextAt ? Date.parse(state.nextAt) - s.clock.now() : 0;
    if (notBefore > 0) return { status: 'RUNNING', pollAfterMs: notBefore };
    if (state.response && c.poll) return poll(s, c.poll, state);

    const calls = (state.calls ?? 0) + 1;
    const method = c.method ?? 'POST';
    const headers: Record<string, string> = { ...(c.headers ?? {}),
      'idempotency-key': `${s.run.metadata.uid}-${s.stage.refId}-${s.record.attempts ?? 1}` };
    let body: string | undefined;
    if (c.body !== undefined && method !== 'GET') {
      body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
      headers['content-type'] ??= typeof c.body === 'string' ? 'text/plain' : 'application/json';
    }
    const retry = (why: string): StageOutcome => {
      if (calls > (c.retries ?? 0)) return { status: 'FAILED', message: `webhook ${method} ${c.url} ${why}`, state: { calls } };
      const backoff = 1000 * 2 ** (calls - 1);
      return { status: 'RUNNING', message: `webhook ${method} ${c.url} ${why}; retry ${calls} of ${c.retries} in ${backoff / 1000}s`,
        pollAfterMs: backoff, state: { calls, nextAt: new Date(s.clock.now() + backoff).toISOString() } };
    };
    let response: Response;
    try {
      response = await call(c.url, { method, headers, body });
    } catch (err) {
      return retry(`could not connect: ${(err as Error).cause ? String(((err as Error).cause as Error).message) : (err as Error).message}`);
    }
    if (response.statusCode >= 500) return retry(`answered ${response.statusCode}: ${excerpt(response.body)}`);
    const ok = c.successStatuses?.length ? c.successStatuses.includes(response.statusCode) : response.statusCode >= 200 && response.statusCode < 300;
    const outputs = { statusCode: response.statusCode, body: response.body };
    if (!ok) return { status: 'FAILED', message: `webhook ${method} ${c.url} answered ${response.statusCode}: ${excerpt(response.body)}`, outputs, state: { calls } };
    if (c.poll) {
      return { status: 'RUNNING', message: `called ${c.url} (${response.statusCode}); polling ${c.poll.statusUrl}`, outputs,
        pollAfterMs: 0, state: { calls, response } };
    }
    return { status: 'SUCCEEDED', message: `webhook ${method} ${c.url} answered ${response.statusCode}`, outputs, state: { calls } };
  },
};

async function poll(s: StageRun, p: Poll, state: { calls?: number; response?: Response }): Promise<StageOutcome> {
  const interval = parseDuration(String(interpolate(p.interval, s.scope)));
  const url = String(interpolate(p.statusUrl, { ...s.scope, response: state.response as unknown as Record<string, unknown> }));
  const next = { ...state, nextAt: new Date(s.clock.now() + interval).toISOString() };
  let response: Response;
  try {
    response = await call(url, { method: 'GET' });
  } catch (err) {
    return { status: 'RUNNING', message: `polling ${url}: could not connect (${(err as Error).message}); trying again`, pollAfterMs: interval, state: next };
  }
  const scope = { ...s.scope, response: response as unknown as Record<string, unknown> };
  const outputs = { statusCode: response.statusCode, body: response.body };
  // An answer an expression cannot judge fails the stage, naming the expression, and is the outputs
  // like any other: the last poll's answer, not the call's, is what the expression was given.
  const judge = (field: 'successExpression' | 'failureExpression', expression: string): boolean | string => {
    try {
      return evaluateCondition(expression, scope);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      return `poll.${field} could not judge the answer of ${url} (${response.statusCode}: ${excerpt(response.body)}): ${err.message}`;
    }
  };
  const failed = p.failureExpression ? judge('failureExpression', p.failureExpression) : false;
  if (typeof failed === 'string') return { status: 'FAILED', message: failed, outputs };
  if (failed) return { status: 'FAILED', message: `${url} reports failure: ${excerpt(response.body)}`, outputs };
  const done = judge('successExpression', p.successExpression);
  if (typeof done === 'string') return { status: 'FAILED', message: done, outputs };
  if (done) return { status: 'SUCCEEDED', message: `${url} reports success`, outputs };
  return { status: 'RUNNING', message: `polling ${url} every ${p.interval}: not done yet`, pollAfterMs: interval, outputs, state: next };
}
