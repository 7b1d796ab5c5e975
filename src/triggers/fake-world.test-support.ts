// A fake of what the webhook routes reach: the Pipelines cache, a client holding Secrets (it notes
// each Secret read) and the runs created (a second create of one name is "already exists", as the API
// server answers), a clock.
import { ApiError } from '../core/errors.ts';
import { ManualClock } from '../core/clock.ts';
import type { ObjectCache } from '../core/informer.ts';
import type { KubeClient, KubeObject } from '../core/kube-client.ts';
import { createLogger } from '../core/logger.ts';
import type { CreatedRun } from '../pipeline/create-run.ts';
import type { Request } from '../core/router.ts';
import type { Pipeline, Trigger, TriggerDeps } from './fire.ts';

export interface FakeWorld {
  deps: TriggerDeps; runs: Map<string, CreatedRun>; logs: Record<string, unknown>[]; clock: ManualClock;
  /** The Secrets read, as namespace/name, once per read. */
  secretReads: string[];
}

export function fakeWorld(pipelines: Pipeline[], secrets: Record<string, Record<string, string>> = {}): FakeWorld {
  const runs = new Map<string, CreatedRun>();
  const logs: Record<string, unknown>[] = [];
  const secretReads: string[] = [];
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 23, 0, 0));
  const cache = { list: (ns?: string) => pipelines.filter((p) => !ns || p.metadata.namespace === ns) } as unknown as ObjectCache<Pipeline>;
  const client = {
    async get(_rt: unknown, ns: string, name: string) {
      secretReads.push(`${ns}/${name}`);
      const data = secrets[`${ns}/${name}`];
      if (!data) throw new ApiError(404, 'NotFound', `secrets "${name}" not found`);
      return { metadata: { name, namespace: ns }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
    },
    async create(_rt: unknown, obj: CreatedRun) {
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      if (runs.has(key)) throw new ApiError(409, 'AlreadyExists', `pipelineruns "${obj.metadata.name}" already exists`);
      runs.set(key, obj);
      return obj;
    },
  } as unknown as KubeClient;
  const log = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  return { deps: { pipelines: cache, client, clock, log }, runs, logs, clock, secretReads };
}

/** A Pipeline in ns with the triggers given. */
export const pipelineWith = (ns: string, name: string, triggers: Partial<Trigger>[], extra: Partial<Pipeline['spec']> = {}): Pipeline => ({
  metadata: { name, namespace: ns } as KubeObject['metadata'],
  spec: { application: 'shop', stages: [{ refId: 'a', type: 'wait', wait: { duration: '1s' } }], triggers: triggers as Trigger[], ...extra } as Pipeline['spec'],
});

/** A POST as the router hands it to a handler. */
export const post = (path: string, params: Record<string, string>, body: string | Buffer, headers: Record<string, string> = {}): Request => ({
  method: 'POST', path, params, query: new URLSearchParams(), headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
});
