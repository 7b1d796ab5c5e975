// An in-memory provider for planner simulations and the contract suites: server groups, load
// balancers and security groups in maps, instances that become healthy after a delay (or never, for
// templates marked unhealthy), and a log of every change.
import type { Clock } from '../../core/clock.ts';
import { conflict, notFound } from '../errors.ts';
import type { CreateServerGroup, LoadBalancerDescription, LoadBalancerProvider, Location, Provider, ProviderAccount,
  SecurityGroupDescription, SecurityGroupProvider, ServerGroupDescription, ServerGroupProvider } from '../interfaces.ts';

interface FakeServerGroup {
  desc: ServerGroupDescription;
  /** When instances last changed (create or resize). */
  changedAt: number;
}

export interface FakeOptions {
  clock: Clock;
  /** Time for new instances to become healthy (default 0). */
  readyAfterMs?: number;
}

const where = (a: ProviderAccount, l: Location, name: string) => `${a.name}/${l.namespace ?? l.region ?? a.namespace}/${name}`;

export class FakeProvider implements Provider {
  readonly name = 'fake' as const;
  readonly serverGroups: ServerGroupProvider;
  readonly loadBalancers: LoadBalancerProvider;
  readonly securityGroups: SecurityGroupProvider;
  /** Every change made, in order: the step log of simulations. */
  readonly log: string[] = [];
  private readonly groups = new Map<string, FakeServerGroup>();
  private readonly lbs = new Map<string, LoadBalancerDescription>();
  private readonly sgs = new Map<string, SecurityGroupDescription>();
  private readonly unhealthy = new Set<string>();
  private readonly o: Required<FakeOptions>;

  async verify(account: ProviderAccount): Promise<string> { return `the fake provider (account ${account.name})`; }

  constructor(options: FakeOptions) {
    this.o = { readyAfterMs: 0, ...options };
    this.serverGroups = {
      describe: async (a, l, name) => this.snapshot(this.groups.get(where(a, l, name))),
      list: async (a, l, cluster) => [...this.groups.entries()].filter(([k, g]) => k.startsWith(where(a, l, '')) && g.desc.cluster === cluster)
        .map(([, g]) => this.snapshot(g)!).sort((x, y) => y.createdAt.localeCompare(x.createdAt) || y.sequence - x.sequence),
      create: async (a, req) => this.create(a, req),
      resize: async (a, l, name, capacity) => {
        const g = this.mustGet(a, l, name);
        g.desc.capacity = { ...capacity };
        g.changedAt = this.o.clock.now();
        this.log.push(`resize ${name} to ${capacity.desired}`);
      },
      enable: async (a, l, name, loadBalancers) => {
        const g = this.mustGet(a, l, name);
        if (loadBalancers) this.setLoadBalancers(g, loadBalancers);
        if (!g.desc.enabled) this.log.push(`enable ${name}`);
        g.desc.enabled = true;
      },
      disable: async (a, l, name) => {
        const g = this.mustGet(a, l, name);
        if (g.desc.enabled) this.log.push(`disable ${name}`);
        g.desc.enabled = false;
      },
      setLoadBalancers: async (a, l, name, loadBalancers) => { this.setLoadBalancers(this.mustGet(a, l, name), loadBalancers); },
      destroy: async (a, l, name) => {
        if (this.groups.delete(where(a, l, name))) this.log.push(`destroy ${name}`);
      },
    };
    this.loadBalancers = {
      describe: async (a, l, name) => {
        const lb = this.lbs.get(where(a, l, name));
        if (!lb) return undefined;
        const members = [...this.groups.values()].filter((g) => g.desc.enabled && g.desc.loadBalancers.includes(name));
        return { ...lb, serverGroups: members.map((g) => g.desc.name).sort(),
          healthyEndpoints: members.reduce((n, g) => n + this.snapshot(g)!.instances.healthy, 0) };
      },
      upsert: async (a, l, name) => {
        const lb = { name, serverGroups: [], healthyEndpoints: 0, providerId: `fake-lb/${name}`, address: `${name}.fake` };
        if (!this.lbs.has(where(a, l, name))) this.log.push(`create load balancer ${name}`);
        this.lbs.set(where(a, l, name), lb);
        return (await this.loadBalancers.describe(a, l, name))!;
      },
      delete: async (a, l, name) => { if (this.lbs.delete(where(a, l, name))) this.log.push(`delete load balancer ${name}`); },
    };
    this.securityGroups = {
      describe: async (a, l, name) => this.sgs.get(where(a, l, name)),
      upsert: async (a, l, name, spec) => {
        const sg = { name, providerId: `fake-sg/${name}`, ingressRules: spec.ingress.length };
        this.sgs.set(where(a, l, name), sg);
        return sg;
      },
      delete: async (a, l, name) => { this.sgs.delete(where(a, l, name)); },
    };
  }

  /** Nothing collects what the fake holds: an object whose Account is gone is held until orphaned. */
  ownsByReference(): boolean { return false; }

  /** Server groups from this template never become healthy (a bad release). */
  markUnhealthy(templateHash: string): void { this.unhealthy.add(templateHash); }

  private mustGet(a: ProviderAccount, l: Location, name: string): FakeServerGroup {
    const g = this.groups.get(where(a, l, name));
    if (!g) throw notFound(`server group ${name} does not exist`);
    return g;
  }

  private setLoadBalancers(g: FakeServerGroup, loadBalancers: string[]): void {
    const members = [...new Set(loadBalancers)].sort();
    if (members.join() !== g.desc.loadBalancers.join()) this.log.push(`set load balancers of ${g.desc.name} to ${members.join(', ') || 'none'}`);
    g.desc.loadBalancers = members;
  }

  private async create(a: ProviderAccount, req: CreateServerGroup): Promise<ServerGroupDescription> {
    const key = where(a, req.location, req.name);
    const existing = this.groups.get(key);
    if (existing) {
      if (existing.desc.templateHash === req.templateHash) return this.snapshot(existing)!;
      throw conflict(`server group ${req.name} already exists with another template`);
    }
    const now = this.o.clock.now();
    this.groups.set(key, { changedAt: now, desc: {
      name: req.name, cluster: req.cluster, sequence: req.sequence, createdAt: new Date(now).toISOString(), enabled: req.enabled,
      capacity: { ...req.capacity }, instances: { total: 0, healthy: 0 }, loadBalancers: [...new Set(req.loadBalancers)].sort(),
      templateHash: req.templateHash, providerId: `fake-sg/${req.name}`,
    } });
    this.log.push(`create ${req.name} (${req.enabled ? 'enabled' : 'disabled'}, ${req.capacity.desired} instances)`);
    return this.snapshot(this.groups.get(key))!;
  }

  private snapshot(g: FakeServerGroup | undefined): ServerGroupDescription | undefined {
    if (!g) return undefined;
    const desired = g.desc.capacity.desired;
    const settled = this.o.clock.now() - g.changedAt >= this.o.readyAfterMs;
    const healthy = this.unhealthy.has(g.desc.templateHash) ? 0 : settled ? desired : Math.min(desired, g.desc.instances.healthy);
    g.desc.instances = { total: desired, healthy };
    return structuredClone(g.desc);
  }
}

