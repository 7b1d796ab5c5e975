// The GCE fake's resources in memory, keyed by their path (projects/p/zones/z/instanceGroupManagers/g),
// and the generic methods every collection shares: insert, get, list (filter, maxResults/pageToken),
// patch (fields given replace, objects merge, arrays replace, as Compute's patch semantics), update
// (PUT: the whole resource) and delete. Rules that hold across collections, as Compute has them:
// - insert: 409 alreadyExists for a taken name; the resource is visible at once and undone if its
//   operation fails; kind, id, creationTimestamp, selfLink, zone/region and fingerprint are the
//   server's; every URL it names (rules.ts referencesOf) must exist, else 404;
// - patch / update: a resource with a fingerprint field (backend services, URL maps, managed instance
//   groups) needs the current fingerprint, else 412 conditionNotMet; the change is undone if its
//   operation fails; a name in the body must be the resource's;
// - delete: refused with 400 resourceInUseByAnotherResource while another resource names it (a
//   group in a backend service's backends, a template under a group, a health check under a backend
//   service); the resource goes when its operation is DONE.
// URLs are read in any form Compute accepts (full https://compute.googleapis.com/compute/v1/..., the
// fake's own http://127.0.0.1:port/compute/v1/..., projects/p/..., or global/... / zones/... relative
// to the request's project); an instance group URL (zones/z/instanceGroups/g) names the managed group g.
import { randomBytes } from 'node:crypto';
import { alreadyExists, inUse, invalidField, notFound, staleFingerprint } from './errors.ts';
import { parseFilter } from './filter.ts';
import { randomId, timestamp, type Operations, type OperationScope } from './operations.ts';
import { applyDefaults, checkGlobalForwardingRule, checkRequired, kindWord, referencesOf } from './rules.ts';
import { messageFields } from './schema.ts';

type Json = Record<string, unknown>;

/** A collection the fake serves, derived from its protos service. */
export interface Collection {
  service: string;
  /** URL segment: instanceGroupManagers. */
  collection: string;
  scope: 'global' | 'zones' | 'regions';
  /** The resource message: InstanceGroupManager. */
  message: string;
}

/** Where one call points: the project, the scope's name (zone or region) and the resource name. */
export interface Target { project: string; location?: string; name?: string }

/** What a collection does around the generic methods (managed instance groups' instances). */
export interface Lifecycle {
  /** Checks a new resource beyond rules.ts, and fills in what Compute fills in from where it lives (may throw the 400). */
  placed?(c: Collection, t: Target, r: Json): void;
  inserted?(key: string, r: Json): { onDone?: () => void; onFail?: () => void };
  deleting?(key: string, r: Json): { onDone?: () => void; onFail?: () => void };
  /** Fields computed when read (currentActions, status). */
  decorate?(key: string, r: Json): void;
}

const outputFields = ['kind', 'id', 'creationTimestamp', 'selfLink', 'fingerprint', 'zone', 'region'];

export class Resources {
  private readonly items = new Map<string, Json>();
  readonly lifecycles = new Map<string, Lifecycle>();

  private readonly base: () => string;
  private readonly ops: Operations;
  private readonly now: () => number;

  constructor(base: () => string, ops: Operations, now: () => number = Date.now) { this.base = base; this.ops = ops; this.now = now; }

  /** The path of a resource: projects/p/zones/z/instanceGroupManagers/g. */
  key(c: Collection, t: Target, name = t.name): string {
    return `projects/${t.project}/${c.scope === 'global' ? 'global' : `${c.scope}/${t.location}`}/${c.collection}${name ? `/${name}` : ''}`;
  }

  /** The full URL of a path. */
  url(key: string): string { return `${this.base()}/compute/v1/${key}`; }

  /** The path a URL names, in any form Compute accepts; undefined when it names no resource path. */
  keyOf(url: string, project: string): string | undefined {
    let p = url.replace(/^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\//, '');
    if (/^(global|zones|regions)\//.test(p)) p = `projects/${project}/${p}`;
    if (!p.startsWith('projects/')) return undefined;
    return p.replace(/\/(zones|regions)\/([^/]+)\/instanceGroups\//, '/$1/$2/instanceGroupManagers/');
  }

  /** The resource at a path, decorated, as the API answers it; 404 when absent. */
  read(key: string): Json {
    const r = this.items.get(key);
    if (!r) throw notFound(key);
    const out = structuredClone(r);
    this.lifecycles.get(collectionOf(key))?.decorate?.(key, out);
    return out;
  }

  /** The stored object itself (for the lifecycles). */
  raw(key: string): Json | undefined { return this.items.get(key); }

  has(key: string): boolean { return this.items.has(key); }

  /** Every resource as [path, JSON] (for assertions), optionally of one collection segment. */
  all(collection?: string): [string, Json][] {
    return [...this.items.keys()].filter((k) => !collection || collectionOf(k) === collection).map((k) => [k, this.read(k)]);
  }

  reset(): void { this.items.clear(); }

  insert(c: Collection, t: Target, body: Json): Json {
    checkRequired(c.collection, body);
    if (c.collection === 'forwardingRules' && c.scope === 'global') checkGlobalForwardingRule(body);
    const key = this.key(c, t, body.name as string);
    if (this.items.has(key)) throw alreadyExists(key);
    this.checkReferences(c, t, body);
    const fields = messageFields(c.message);
    const r: Json = { ...stripOutput(body), kind: `compute#${c.message[0]!.toLowerCase()}${c.message.slice(1)}`, id: randomId(),
      creationTimestamp: timestamp(this.now()), selfLink: this.url(key) };
    if (c.scope !== 'global') r[c.scope === 'zones' ? 'zone' : 'region'] = this.url(`projects/${t.project}/${c.scope}/${t.location}`);
    if ('fingerprint' in fields) r.fingerprint = newFingerprint();
    if (c.collection === 'instanceGroupManagers') r.instanceGroup = this.url(key.replace('/instanceGroupManagers/', '/instanceGroups/'));
    applyDefaults(c.collection, r);
    this.lifecycles.get(c.collection)?.placed?.(c, t, r);
    this.items.set(key, r);
    const life = this.lifecycles.get(c.collection)?.inserted?.(key, r) ?? {};
    return this.ops.start({ project: t.project, scope: scopeOf(c, t), operationType: operationType(c, 'insert'),
      targetLink: this.url(key), targetId: r.id as string, onDone: life.onDone,
      onFail: () => { life.onFail?.(); this.items.delete(key); } });
  }

  list(c: Collection, t: Target, query: URLSearchParams): Json {
    const prefix = `${this.key(c, t)}/`;
    const match = parseFilter(query.get('filter'));
    const items = [...this.items.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/'))
      .sort().map((k) => this.read(k)).filter(match);
    const max = Math.min(Number(query.get('maxResults') ?? 500) || 500, 500);
    const from = Number(query.get('pageToken') ?? 0) || 0;
    const page = items.slice(from, from + max);
    return { kind: `compute#${c.message[0]!.toLowerCase()}${c.message.slice(1)}List`, id: this.key(c, t), selfLink: this.url(this.key(c, t)),
      ...(page.length ? { items: page } : {}), ...(from + max < items.length ? { nextPageToken: String(from + max) } : {}) };
  }

  /** PATCH (merge) or PUT (replace) of a resource's writable fields. */
  change(c: Collection, t: Target, body: Json, how: 'patch' | 'update'): Json {
    const key = this.key(c, t);
    const current = this.items.get(key);
    if (!current) throw notFound(key);
    if ('fingerprint' in current && body.fingerprint !== current.fingerprint) throw staleFingerprint();
    if (body.name !== undefined && body.name !== current.name) {
      throw invalidField('resource.name', body.name, 'Resource name in the request body does not match the one in the URL.');
    }
    const next: Json = how === 'patch' ? merge(structuredClone(current), stripOutput(body)) : { ...stripOutput(body), name: current.name };
    for (const f of outputFields) if (current[f] !== undefined) next[f] = current[f];
    if (c.collection === 'instanceGroupManagers') next.instanceGroup = current.instanceGroup;
    if (how === 'update') checkRequired(c.collection, next);
    this.checkReferences(c, t, next);
    if ('fingerprint' in current) next.fingerprint = newFingerprint();
    const before = current;
    this.items.set(key, next);
    return this.ops.start({ project: t.project, scope: scopeOf(c, t), operationType: operationType(c, how), targetLink: this.url(key),
      targetId: current.id as string, onFail: () => { if (this.items.get(key) === next) this.items.set(key, before); } });
  }

  delete(c: Collection, t: Target): Json {
    const key = this.key(c, t);
    const r = this.items.get(key);
    if (!r) throw notFound(key);
    const user = this.userOf(key, t.project);
    if (user) throw inUse(kindWord(c.collection), key, user);
    const life = this.lifecycles.get(c.collection)?.deleting?.(key, r) ?? {};
    return this.ops.start({ project: t.project, scope: scopeOf(c, t), operationType: operationType(c, 'delete'), targetLink: this.url(key),
      targetId: r.id as string, onFail: life.onFail, onDone: () => { life.onDone?.(); this.items.delete(key); } });
  }

  private checkReferences(c: Collection, t: Target, r: Json): void {
    for (const ref of referencesOf(c.collection, r)) {
      const k = this.keyOf(ref.url, t.project);
      if (!k) throw invalidField(ref.field, ref.url, 'The URL is malformed.');
      if (!this.items.has(k)) throw notFound(k);
    }
  }

  /** The path of another resource naming this one, if any. */
  private userOf(key: string, project: string): string | undefined {
    for (const [k, r] of this.items) {
      if (k === key) continue;
      const named = referencesOf(collectionOf(k), r).some((ref) => this.keyOf(ref.url, project) === key);
      if (named) return k;
    }
    return undefined;
  }
}

/** The collection segment of a path (projects/p/zones/z/instanceGroupManagers/g -> instanceGroupManagers). */
export const collectionOf = (key: string): string => key.split('/').slice(-2)[0]!;

/** The scope an operation on a collection lives in. */
export const scopeOf = (c: Collection, t: Target): OperationScope =>
  c.scope === 'zones' ? { zone: t.location! } : c.scope === 'regions' ? { region: t.location! } : {};

/**
 * Compute names the operations of older collections by the verb alone (insert, patch) and of managed
 * instance groups and instance templates as compute.<collection>.<method>.
 */
export function operationType(c: Collection, method: string): string {
  if (c.collection !== 'instanceGroupManagers' && c.collection !== 'instanceTemplates') return method;
  const collection = c.service[0]!.toLowerCase() + c.service.slice(1);
  return `compute.${collection}.${method}`;
}

const newFingerprint = (): string => randomBytes(8).toString('base64');

function stripOutput(body: Json): Json {
  const out = structuredClone(body);
  for (const f of outputFields) delete out[f];
  return out;
}

function merge(into: Json, patch: Json): Json {
  for (const [k, v] of Object.entries(patch)) {
    const cur = into[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) merge(cur as Json, v as Json);
    else if (v === null) delete into[k];
    else into[k] = v;
  }
  return into;
}
