// Controllers' view of the shared informers, whose change notifications wait behind a gate. The
// informers run on every replica so that each can serve reads from warm caches; only the leader's
// controllers may hear of changes, else a standby's work queues would fill with keys it must not
// reconcile. Opening the gate hands every handler each cached object as an add, as an informer's
// first list would, so a replica that becomes the leader starts from the whole cache at once.
import type { InformerHandlers, ObjectCache } from './informer.ts';
import type { KubeObject, ResourceType } from './kube-client.ts';
import type { Logger } from './logger.ts';

export class CacheGate {
  private opened = false;
  private readonly views: GatedCache[] = [];
  private readonly log: Logger;

  constructor(log: Logger) { this.log = log; }

  get isOpen(): boolean { return this.opened; }

  /** A view of cache whose handlers hear nothing until the gate opens. */
  view<T extends KubeObject>(cache: ObjectCache<T>): ObjectCache<T> {
    const v = new GatedCache<T>(cache, this);
    this.views.push(v as unknown as GatedCache);
    return v;
  }

  /**
   * Replays every cached object to every handler, then lets changes through. It runs in one go, with
   * no await, so no watch event can fall between the replay and the opening.
   */
  open(): void {
    if (this.opened) return;
    for (const v of this.views) v.replay(this.log);
    this.opened = true;
  }
}

class GatedCache<T extends KubeObject = KubeObject> implements ObjectCache<T> {
  readonly resource: ResourceType;
  private readonly cache: ObjectCache<T>;
  private readonly gate: CacheGate;
  private readonly handlers: InformerHandlers<T>[] = [];

  constructor(cache: ObjectCache<T>, gate: CacheGate) {
    this.cache = cache;
    this.gate = gate;
    this.resource = cache.resource;
  }

  on(handlers: InformerHandlers<T>): void {
    if (this.gate.isOpen) throw new Error(`a handler for ${this.resource.plural} was added after the controllers started`);
    this.handlers.push(handlers);
    // One registration per handler, so the informer isolates a handler that throws from the others.
    this.cache.on({
      add: (obj) => { if (this.gate.isOpen) handlers.add?.(obj); },
      update: (obj, old) => { if (this.gate.isOpen) handlers.update?.(obj, old); },
      delete: (obj) => { if (this.gate.isOpen) handlers.delete?.(obj); },
    });
  }

  get(key: string): T | undefined { return this.cache.get(key); }

  list(namespace?: string): T[] { return this.cache.list(namespace); }

  replay(log: Logger): void {
    const objects = this.cache.list();
    for (const h of this.handlers) {
      for (const obj of objects) {
        try { h.add?.(obj); } catch (err) { log.error('informer handler failed', { resource: this.resource.plural, error: err }); }
      }
    }
  }
}
