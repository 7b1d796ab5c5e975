// The status writer of one controller. A reconciler declares the status fields and condition types it
// owns; only those are written (server-side apply of the status subresource under the controller's
// own field manager), and only when they changed. Each write is guarded by the resourceVersion the
// pass started from: a conflict means the pass acted on an old copy, so the object is read again from
// the API server, never overwritten blindly. After a write, until the cache shows it, a pass reads the
// object live rather than act on the copy from before its own write. The watch event of the write
// itself, which changes nothing but the status to what was written, does not wake the object again.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from './conditions.ts';
import { isConflict, isNotFound } from './errors.ts';
import { objectKey, type ObjectCache } from './informer.ts';
import type { KubeClient, KubeObject } from './kube-client.ts';

/** The part of a kind's status a reconciler writes; observedGeneration is always the skeleton's. */
export interface StatusOwnership {
  /** Top-level status fields (other than observedGeneration and conditions). */
  readonly fields: readonly string[];
  /** Condition types (the skeleton adds Reconciling, Stalled and the reconciler's ready condition). */
  readonly conditions: readonly string[];
}

type Status = Record<string, unknown> & { conditions?: Condition[] };

export interface StatusWriterOptions<T extends KubeObject> {
  client: KubeClient;
  informer: ObjectCache<T>;
  fieldManager: string;
  owns: StatusOwnership;
  /** The finalizer the controller adds: a change that only adds it is the controller's own write. */
  finalizer?: string;
}

export class StatusWriter<T extends KubeObject> {
  private readonly fields: Set<string>;
  private readonly conditions: Set<string>;
  /** The resourceVersion of each key's last write, until the cache shows it. */
  private readonly unseen = new Map<string, string>();
  /** Keys whose last write was refused (409): the next pass reads them live. */
  private readonly refused = new Set<string>();
  /** A fingerprint of what was last written per key, to recognise the write's own watch event. */
  private readonly written = new Map<string, string>();

  private readonly o: StatusWriterOptions<T>;

  constructor(options: StatusWriterOptions<T>, skeletonConditions: readonly string[]) {
    const o = this.o = options;
    this.fields = new Set(['observedGeneration', ...o.owns.fields]);
    this.conditions = new Set([...skeletonConditions, ...o.owns.conditions]);
  }

  /** The owned part of a status: the fields this controller writes and its conditions. */
  owned(status: unknown): Status {
    const s = (status ?? {}) as Status;
    const part: Status = {};
    for (const f of this.fields) if (s[f] !== undefined) part[f] = s[f];
    const conditions = (s.conditions ?? []).filter((c) => this.conditions.has(c.type));
    if (conditions.length) part.conditions = conditions;
    return part;
  }

  /** Notes an object the cache now holds; true when it changed nothing but this writer's own status write. */
  observe(obj: T, old?: T): boolean {
    const key = objectKey(obj);
    if (this.unseen.get(key) === obj.metadata.resourceVersion) this.unseen.delete(key);
    if (!old) return false;
    // The pass that added the finalizer went on from that version: nothing in it is news (and waking
    // again would cut short a wait that pass asks for, such as a provider's Retry-After).
    if (this.o.finalizer && addsOnlyFinalizer(old, obj, this.o.finalizer)) return true;
    if (!sameMetadata(obj, old)) return false;
    return this.written.get(key) === fingerprint(this.owned(obj.status));
  }

  /** A write of the object was refused as made from an old copy: the next pass reads it live. */
  readAgain(key: string): void { this.refused.add(key); }

  forget(key: string): void {
    this.unseen.delete(key);
    this.refused.delete(key);
    this.written.delete(key);
  }

  /** The object a pass starts from: the cached copy, or a live read while the cache is behind this writer. */
  async current(key: string): Promise<T | undefined> {
    if (!this.unseen.has(key) && !this.refused.has(key)) return this.o.informer.get(key);
    const [namespace, name] = key.includes('/') ? key.split('/') : [undefined, key];
    try {
      const live = await this.o.client.get<T>(this.o.informer.resource, namespace, name!);
      this.refused.delete(key);
      // The cache may have skipped the write's own version (a relist, a later change): once it holds
      // what the API server holds, it is not behind any more.
      if (this.o.informer.get(key)?.metadata.resourceVersion === live.metadata.resourceVersion) this.unseen.delete(key);
      return live;
    } catch (err) {
      if (isNotFound(err)) { this.forget(key); return undefined; }
      throw err;
    }
  }

  /**
   * Writes the owned part of status when it differs from the object's. False when nothing was
   * written: unchanged, or the object is gone. A conflict is thrown after marking the key to be read again.
   */
  async write(obj: T, status: unknown): Promise<boolean> {
    const next = this.owned(status);
    if (isDeepStrictEqual(this.owned(obj.status), next)) return false;
    const key = objectKey(obj);
    this.written.set(key, fingerprint(next));
    let updated: T;
    try {
      updated = await this.o.client.apply<T>(this.o.informer.resource, {
        metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, resourceVersion: obj.metadata.resourceVersion }, status: next,
      } as T, this.o.fieldManager, { force: true, subresource: 'status' });
    } catch (err) {
      this.written.delete(key);
      if (isNotFound(err)) return false;
      if (isConflict(err)) this.readAgain(key);
      throw err;
    }
    this.wrote(key, updated);
    return true;
  }

  /**
   * Notes a write of the object (its status, or its finalizers): until the cache shows it, passes read
   * it live. The answer to a write that ended the object (its last finalizer removed) may be a Status,
   * without the object's resourceVersion: then passes read live until the cache says it is gone.
   */
  wrote(key: string, updated: KubeObject | undefined): void {
    const rv = updated?.metadata?.resourceVersion ?? '';
    // The watch may have delivered the write before this call returned: then the cache already shows it.
    if (!rv || this.o.informer.get(key)?.metadata.resourceVersion !== rv) this.unseen.set(key, rv);
  }
}

/** Whether b is a with finalizer appended to its finalizers, and nothing else a reconciler acts on changed. */
function addsOnlyFinalizer(a: KubeObject, b: KubeObject, finalizer: string): boolean {
  return !a.metadata.finalizers?.includes(finalizer) && isDeepStrictEqual(b.metadata.finalizers, [...(a.metadata.finalizers ?? []), finalizer])
    && sameMetadata({ ...b, metadata: { ...b.metadata, finalizers: a.metadata.finalizers } }, a) && isDeepStrictEqual(a.status, b.status);
}

/** Whether two copies of an object differ in nothing a reconciler acts on but status. */
function sameMetadata(a: KubeObject, b: KubeObject): boolean {
  const m = (o: KubeObject) => [o.metadata.generation, o.metadata.labels, o.metadata.annotations, o.metadata.finalizers,
    o.metadata.deletionTimestamp, o.metadata.ownerReferences];
  return isDeepStrictEqual(m(a), m(b));
}

/** A digest of a value that does not depend on the order of its keys (the API server sorts them). */
function fingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown => Array.isArray(v) ? v.map(canonical)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('base64url').slice(0, 22);
}
