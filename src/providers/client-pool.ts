// Clients of cloud accounts, one set per account and region, made once and reused. A set is keyed
// by the Account's settings that shape it and by the credentials it was made from (what the
// CredentialsResolver built, the same object while the Secret is unchanged): a changed Account or a
// rotated Secret gives a new set from the next call on, and the old one is closed a minute later, once
// calls already under way on it have had time to finish.

/** A set of clients that can be closed. */
export interface Closable { destroy(): void }

/** How long a set replaced by newer credentials or settings is kept for the calls still under way on it (a call times out in 30 s). */
const retiredClientsMs = 60_000;

export class ClientPool<C extends Closable> {
  private readonly pool = new Map<string, C>();
  private readonly sources = new WeakMap<object, number>();
  private nextSource = 0;

  /**
   * The set of account (namespace/name) in region made from these settings and credentials
   * (undefined: the default chain), made when there is none.
   */
  get(account: { namespace: string; name: string }, region: string, settings: unknown, credentials: object | undefined, make: () => C): C {
    const prefix = `${account.namespace}/${account.name}/${region}/`;
    const key = `${prefix}${JSON.stringify(settings)}/${this.sourceId(credentials)}`;
    let clients = this.pool.get(key);
    if (!clients) {
      clients = make();
      for (const [k, old] of this.pool) {
        if (!k.startsWith(prefix)) continue;
        this.pool.delete(k);
        setTimeout(() => old.destroy(), retiredClientsMs).unref();
      }
      this.pool.set(key, clients);
    }
    return clients;
  }

  /** Closes every set (the operator is stopping). */
  close(): void {
    for (const clients of this.pool.values()) clients.destroy();
    this.pool.clear();
  }

  private sourceId(credentials: object | undefined): number {
    if (!credentials) return -1;
    let id = this.sources.get(credentials);
    if (id === undefined) { id = this.nextSource++; this.sources.set(credentials, id); }
    return id;
  }
}
