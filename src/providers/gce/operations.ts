// Waiting on Compute operations. Every mutating call returns an Operation (zonal or regional for
// groups, as the group is; global for templates, backend services, health checks, firewalls); it is
// waited on through the wait of the operations client of the zone or region it names, else the
// global one (which returns when the operation is done or after a while), for a bounded time: one
// still running then is InProgress naming it, and the controller comes back (every step asks first
// whether the world is already so, so nothing is done twice). One that ends with an error is the
// typed error of that error, naming the resource.
import type { google } from '@google-cloud/compute/build/protos/protos.js';
import { inProgress } from '../errors.ts';
import { callOptions, type GceClients } from './clients.ts';
import { gce, operationError } from './errors.ts';

export type Operation = google.cloud.compute.v1.IOperation;

/** How long one call waits for an operation in all, and how long the controller is asked to wait after that. */
export const operationBudget = { waitMs: 20_000, comeBackMs: 5_000 };

/** The last path segment of a URL (a zone's name from its URL). */
export const lastSegment = (url: string | null | undefined): string => (url ?? '').split('/').pop() ?? '';

/** What a mutating call resolves to: [LROperation], whose latestResponse is the Operation. */
export type Started = readonly [{ latestResponse?: unknown } | unknown, ...unknown[]];

/** The Operation a mutating call started. */
export function operationOf(started: Started): Operation {
  const first = started[0] as { latestResponse?: Operation } | Operation;
  return ('latestResponse' in first && first.latestResponse ? first.latestResponse : first) as Operation;
}

/** Waits on op until it is done (or the budget is spent: InProgress); DONE with an error throws that error, naming what. */
export async function waitFor(c: GceClients, what: string, op: Operation, now: () => number = Date.now): Promise<void> {
  const deadline = now() + operationBudget.waitMs;
  let current = op;
  while (current.status !== 'DONE') {
    if (now() >= deadline) {
      throw inProgress(`${what}: operation ${current.name} is still ${current.status ?? 'PENDING'}; Staysail looks again shortly`, operationBudget.comeBackMs);
    }
    const [zone, region] = [lastSegment(current.zone), lastSegment(current.region)];
    const name = current.name!;
    const waited = await gce(`${what}: waiting on operation ${name}`, async () => zone
      ? (await c.get('zoneOps')).wait({ project: c.project, zone, operation: name }, callOptions)
      : region
        ? (await c.get('regionOps')).wait({ project: c.project, region, operation: name }, callOptions)
        : (await c.get('globalOps')).wait({ project: c.project, operation: name }, callOptions));
    current = waited[0];
  }
  const errors = current.error?.errors ?? [];
  if (errors.length) throw operationError(what, errors, current.httpErrorStatusCode);
}

/** Starts a mutating call and waits for its operation (see waitFor). */
export async function run(c: GceClients, what: string, start: () => Promise<Started>): Promise<void> {
  const started = await gce(what, start);
  await waitFor(c, what, operationOf(started));
}
