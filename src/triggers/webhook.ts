// The webhook trigger: POST /webhooks/<namespace>/<source> on every replica's --health-addr. The
// replica that receives the call matches it against the Pipelines in its cache (every replica has
// them) and creates the runs. The body must be a JSON object; it becomes trigger.payload.
//
// Answers: 202 { runs } when runs were started (or had been, by the same event before); 200
// { runs: [] } when no trigger matched, an unknown namespace or source included (as Spinnaker's
// Echo answers; the log says so); 401 when a trigger with a secretRef refused the signature and none
// fired; 415 for a body that is not JSON; 400 for JSON that is not an object; 413 over the size limit;
// 422 when the triggers that matched could not evaluate their parameters.
import type { IncomingHttpHeaders } from 'node:http';
import { json, type Request, type Response, type Router } from '../core/router.ts';
import { matchConstraints } from './payload.ts';
import { checkStaysailSignature, checkStaysailSignatureForm, deliveryHeader, header, timestampHeader, type Refusal } from './signatures.ts';
import { candidatesOf, deliveryId, describeCandidate, readTriggerSecret, startRuns, type Candidate, type Firing, type TriggerDeps } from './fire.ts';

/** The largest webhook body accepted: it is kept in the run's spec.trigger.payload. */
export const webhookMaxBodyBytes = 256 * 1024;

/** Registers the webhook trigger's route on the router every replica serves. */
export function registerWebhookRoute(router: Router, deps: TriggerDeps): void {
  router.post('/webhooks/:namespace/:source', (req) => receiveWebhook(deps, req), { maxBodyBytes: webhookMaxBodyBytes });
}

/** The body as a JSON object, or the answer that refuses it. */
export function readJsonObject(req: Pick<Request, 'headers' | 'body'>): { body: Record<string, unknown> } | { refused: Response } {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    return { refused: json({ error: `the body must be JSON (Content-Type: application/json), not ${JSON.stringify(type || 'none')}` }, 415) };
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8'));
  } catch (err) {
    return { refused: json({ error: `the body is not valid JSON: ${(err as Error).message}` }, 400) };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { refused: json({ error: 'the body must be a JSON object' }, 400) };
  return { body: body as Record<string, unknown> };
}

/** Handles one webhook call. */
export async function receiveWebhook(deps: TriggerDeps, req: Request): Promise<Response> {
  const { namespace, source } = req.params as { namespace: string; source: string };
  const read = readJsonObject(req);
  if ('refused' in read) return read.refused;
  const candidates = candidatesOf(deps.pipelines.list(namespace), 'webhook', (t) => t.webhook?.source === source);
  const log = deps.log.with({ namespace, source });
  if (candidates.length === 0) {
    log.info('webhook matched no trigger: no enabled webhook trigger of a Pipeline in this namespace has this source');
    return json({ runs: [] });
  }
  const { accepted, refusals } = await verifyAll(deps, candidates, req.headers, req.body);
  const { body } = read;
  const firings: Firing[] = [];
  for (const c of accepted) {
    const result = matchConstraints(body, c.trigger.webhook?.payloadConstraints);
    if (result.matched) firings.push({ candidate: c, payload: body, event: webhookEventOf(c, req.headers, req.body) });
    else log.info('webhook did not match a trigger\'s payloadConstraints', { pipeline: c.pipeline.metadata.name, trigger: c.trigger.name, why: result.why });
  }
  const fired = await startRuns(deps, firings);
  return answer(fired.runs, fired.problems, refusals);
}

/** 202 with the runs; else 401 when a signature was refused; else 422 with the problems; else 200 with none. */
export function answer(runs: string[], problems: string[], refusals: string[]): Response {
  if (runs.length > 0) return json({ runs }, 202);
  if (refusals.length > 0) return json({ error: `the request is not signed with the trigger's secret: ${refusals[0]}`, runs: [] }, 401);
  if (problems.length > 0) return json({ error: problems.join('; '), runs: [] }, 422);
  return json({ runs: [] });
}

/**
 * What identifies a call's event for a candidate. For a trigger with a secretRef it is what the
 * signature covers, the timestamp and the body: the delivery header is not signed, so a captured call
 * resent under a new delivery id is the same event, and starts nothing new. A trigger without a
 * secretRef takes the sender's delivery id when there is one.
 */
export function webhookEventOf(c: Candidate, headers: IncomingHttpHeaders, body: Buffer): string {
  const timestamp = header(headers, timestampHeader) ?? '';
  return deliveryId(c.trigger.webhook?.secretRef ? undefined : header(headers, deliveryHeader), timestamp, body);
}

/**
 * The candidates whose secret (if any) signed this request, and why the others refused it. What
 * needs no secret (the headers are there, well-formed, and the timestamp is fresh) is checked first,
 * once: a request that fails it reads no Secret.
 */
async function verifyAll(deps: TriggerDeps, candidates: Candidate[], headers: IncomingHttpHeaders, body: Buffer) {
  const accepted: Candidate[] = [];
  const refusals: string[] = [];
  const nowMs = deps.clock.now();
  const form = checkStaysailSignatureForm(headers, nowMs);
  for (const c of candidates) {
    const ref = c.trigger.webhook?.secretRef;
    if (!ref) { accepted.push(c); continue; }
    const refusal = form ?? await checkWithSecret(deps, c, ref, { headers, body, nowMs });
    if (refusal) {
      deps.log.warn('webhook refused: bad signature', { trigger: describeCandidate(c), why: refusal });
      refusals.push(refusal);
    } else accepted.push(c);
  }
  return { accepted, refusals };
}

/** Why the candidate's secret does not sign the request, or undefined when it does. */
async function checkWithSecret(deps: TriggerDeps, c: Candidate, ref: { name: string; key?: string },
  req: { headers: IncomingHttpHeaders; body: Buffer; nowMs: number }): Promise<Refusal | undefined> {
  try {
    const secret = await readTriggerSecret(deps.client, c, ref, 'webhook.secretRef');
    return checkStaysailSignature(req.headers, req.body, secret, req.nowMs);
  } catch (err) {
    deps.log.error('webhook trigger cannot check signatures', { error: (err as Error).message });
    return 'the trigger\'s secret cannot be read (the operator\'s log says why)';
  }
}
