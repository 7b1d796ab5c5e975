// Leader election on a coordination.k8s.io Lease, as client-go does it: several operator processes
// run, one holds the Lease and reconciles. The holder renews it every retry period; the others take
// it over once it has not been renewed for the lease duration. A leader that cannot renew within the
// renew deadline stops leading (the process should then exit). release() hands the Lease back at once.
import type { Clock } from './clock.ts';
import { isConflict, isNotFound } from './errors.ts';
import type { KubeClient, KubeObject, ResourceType } from './kube-client.ts';
import type { Logger } from './logger.ts';

const leases: ResourceType = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true };

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}
type Lease = KubeObject<LeaseSpec>;

/** A Lease's times are MicroTime: RFC 3339 with exactly six fractional digits. */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  clock: Clock;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export class LeaderElector {
  private readonly o: Required<LeaderElectionOptions>;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private wake: (() => void) | undefined;
  /**
   * The Lease record as last seen, and when (by this process's clock) it last changed. Expiry is
   * judged from that local time, as client-go does, so clocks that disagree between hosts do not
   * let a candidate take a Lease that is still being renewed.
   */
  private observed: { record: string; at: number } | undefined;
  private holder: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  get isLeader(): boolean { return this.leading; }

  /** Who holds the Lease as last read or written (undefined: no one, or not read yet). */
  get leader(): string | undefined { return this.holder; }

  /**
   * Tries to acquire the Lease until it does, calls onStartedLeading, then renews until renewal fails
   * past the deadline or stop() is called; calls onStoppedLeading if it had led.
   */
  async run(onStartedLeading: () => void, onStoppedLeading: () => void): Promise<void> {
    const { clock, log, retryPeriodMs, renewDeadlineMs } = this.o;
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        log.warn('leader election: could not reach the Lease', { lease: this.leaseName, error: err });
      }
      const now = clock.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          log.info('became the leader', { lease: this.leaseName, identity: this.o.identity });
          onStartedLeading();
        }
      } else if (this.leading && now - this.lastRenew > renewDeadlineMs) {
        this.leading = false;
        log.error('lost the leader Lease', { lease: this.leaseName });
        onStoppedLeading();
        return;
      }
      await this.sleep(retryPeriodMs);
    }
    if (this.leading) {
      this.leading = false;
      onStoppedLeading();
    }
  }

  /** Stops the loop; if leading, gives the Lease up so another process can take over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (!this.leading) return;
    try {
      const lease = await this.o.client.get<Lease>(leases, this.o.namespace, this.o.name);
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      await this.o.client.replace<Lease>(leases, { ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1,
        renewTime: microTime(this.o.clock.now()) } });
      this.holder = undefined;
      this.o.log.info('released the leader Lease', { lease: this.leaseName });
    } catch (err) {
      this.o.log.warn('could not release the leader Lease', { lease: this.leaseName, error: err });
    }
  }

  private get leaseName(): string { return `${this.o.namespace}/${this.o.name}`; }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, clock, leaseDurationMs } = this.o;
    const now = microTime(clock.now());
    const durationSeconds = Math.ceil(leaseDurationMs / 1000);
    let lease: Lease;
    try {
      lease = await client.get<Lease>(leases, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await client.create<Lease>(leases, { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds,
          acquireTime: now, renewTime: now, leaseTransitions: 0 } });
        this.holder = identity;
        return true;
      } catch (createErr) {
        if (isConflict(createErr) || (createErr as { status?: number }).status === 409) return false;
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.holder = holder || undefined;
    const record = JSON.stringify([holder, spec.renewTime, spec.leaseTransitions, spec.leaseDurationSeconds]);
    if (this.observed?.record !== record) this.observed = { record, at: clock.now() };
    const expired = clock.now() > this.observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== identity && holder !== '' && !expired) return false;
    const takeover = holder !== identity;
    try {
      await client.replace<Lease>(leases, { ...lease, spec: {
        holderIdentity: identity, leaseDurationSeconds: durationSeconds,
        acquireTime: takeover ? now : spec.acquireTime ?? now, renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (takeover && holder !== '' ? 1 : 0),
      } });
      this.holder = identity;
      return true;
    } catch (err) {
      if (isConflict(err)) return false; // someone else wrote it first
      throw err;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.o.clock.setTimer(ms, resolve);
      this.wake = () => { t.cancel(); resolve(); };
    });
  }
}
