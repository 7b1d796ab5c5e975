// A keyed, de-duplicating work queue, as controllers need: it holds keys, not events. A key waiting
// is queued once however often it is added; a key being worked on is never handed to a second worker
// (added meanwhile, it comes back once the first worker is done); of several delays for one key the
// earliest wins; failures back off per key, exponentially.
import type { Clock, Timer } from './clock.ts';

export interface QueueObserver {
  /** Keys waiting to be picked up. */
  depth?(depth: number): void;
  /** How long a key waited between being ready and being picked up. */
  waited?(ms: number): void;
  added?(): void;
}

export interface WorkQueueOptions {
  clock: Clock;
  /** First back-off after a failure (default 100 ms), doubled per consecutive failure. */
  baseBackoffMs?: number;
  /** Longest back-off (default 5 minutes). */
  maxBackoffMs?: number;
  observer?: QueueObserver;
}

export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly observer: QueueObserver;
  /** Ready keys in order, with when each became ready. */
  private readonly ready = new Map<string, number>();
  private readonly processing = new Set<string>();
  /** Keys added while processing: queued again when done. */
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: Timer }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.clock = options.clock;
    this.baseBackoffMs = options.baseBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
    this.observer = options.observer ?? {};
  }

  /** Makes key ready now (dropping any pending delay, which would only be later). */
  add(key: string): void {
    if (this.shuttingDown) return;
    this.observer.added?.();
    this.cancelDelay(key);
    if (this.processing.has(key)) { this.dirty.add(key); return; }
    if (this.ready.has(key)) return;
    this.ready.set(key, this.clock.now());
    this.handOut();
  }

  /** Makes key ready after ms, unless it is ready sooner by another add. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) { this.add(key); return; }
    if (this.ready.has(key) || this.dirty.has(key)) return;
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    this.delayed.set(key, { at, timer: this.clock.setTimer(ms, () => { this.delayed.delete(key); this.add(key); }) });
  }

  /** Makes key ready after its back-off, which doubles with each failure until forget(). */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** n);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears key's failure count (call after a success). */
  forget(key: string): void { this.failures.delete(key); }

  /** Consecutive failures recorded for key. */
  failureCount(key: string): number { return this.failures.get(key) ?? 0; }

  /** The next ready key, waiting for one; undefined once the queue shuts down. The caller must call done(key). */
  get(): Promise<string | undefined> {
    const key = this.take();
    if (key !== undefined || this.shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends work on key; if it was added meanwhile, it is ready again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key) && !this.shuttingDown) {
      this.ready.set(key, this.clock.now());
      this.handOut();
    }
  }

  get length(): number { return this.ready.size; }

  /** Stops handing out keys; waiting get() calls resolve undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Whether no worker holds a key (used to drain before exit). */
  get idle(): boolean { return this.processing.size === 0; }

  private cancelDelay(key: string): void {
    this.delayed.get(key)?.timer.cancel();
    this.delayed.delete(key);
  }

  private take(): string | undefined {
    if (this.shuttingDown) return undefined;
    for (const [key, since] of this.ready) {
      this.ready.delete(key);
      this.processing.add(key);
      this.observer.waited?.(this.clock.now() - since);
      this.observer.depth?.(this.ready.size);
      return key;
    }
    return undefined;
  }

  private handOut(): void {
    this.observer.depth?.(this.ready.size);
    while (this.waiters.length > 0 && this.ready.size > 0) this.waiters.shift()!(this.take());
  }
}
