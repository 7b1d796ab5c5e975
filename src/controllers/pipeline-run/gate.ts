// The concurrency gate of the PipelineRun controller: one start (or restart) decision at a time per
// pipeline, and the decisions taken but not yet visible in the API server. One gate per controller.

export type ClaimKind = 'start' | 'restart';

/**
 * Serializes slot decisions per pipeline key and remembers the runs this controller decided to start
 * or restart: the decision is taken under the lock, but the status that records it is written after
 * the lock is released, so a live list alone would not count them yet.
 */
export class ConcurrencyGate {
  private readonly locks = new Map<string, Promise<void>>();
  private readonly claims = new Map<string, Map<string, ClaimKind>>();

  /** Runs fn once every earlier holder of the key has finished; decisions for one key never overlap. */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const chained = previous.then(() => mine);
    this.locks.set(key, chained);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === chained) this.locks.delete(key);
    }
  }

  /** Records that the run was given a slot of the key's pipeline. */
  claim(key: string, run: string, kind: ClaimKind): void {
    if (!this.claims.has(key)) this.claims.set(key, new Map());
    this.claims.get(key)!.set(run, kind);
  }

  /**
   * The claims of the key still in force: a claim is dropped once `shown(run, kind)` says the API
   * server shows it carried out (or the run is gone).
   */
  claimsOf(key: string, shown: (run: string, kind: ClaimKind) => boolean): ReadonlyMap<string, ClaimKind> {
    const mine = this.claims.get(key);
    if (!mine) return new Map();
    for (const [run, kind] of [...mine]) if (shown(run, kind)) mine.delete(run);
    if (mine.size === 0) this.claims.delete(key);
    return new Map(mine);
  }

  /** Keys with a lock held or claims in force (for tests: an idle gate holds nothing). */
  get size(): number { return new Set([...this.locks.keys(), ...this.claims.keys()]).size; }
}
