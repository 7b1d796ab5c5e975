// The Azure fake's resources in memory, keyed by their lower-cased resource ID (ARM compares IDs
// without case), each kept as the API answers it, with the ID in the casing of its first PUT.
// Resource IDs: /subscriptions/{s}/resourceGroups/{g}/providers/{namespace}/{type}/{name}[/{child}/{name}]...

type Json = Record<string, unknown>;

/** The parts of a resource ID. */
export interface ResourceId {
  subscription: string;
  group: string;
  /** Microsoft.Network/loadBalancers */
  type: string;
  name: string;
  /** Child segments after the top resource: [['backendAddressPools', 'pool']]. */
  children: [string, string][];
}

const idPattern = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)((?:\/[^/]+\/[^/]+)*)$/i;

/** Reads a resource ID; undefined when it is not one. */
export function parseId(id: string): ResourceId | undefined {
  const m = idPattern.exec(id);
  if (!m) return undefined;
  const rest = m[6] ? m[6].slice(1).split('/') : [];
  const children: [string, string][] = [];
  for (let i = 0; i < rest.length; i += 2) children.push([rest[i]!, rest[i + 1]!]);
  return { subscription: m[1]!, group: m[2]!, type: `${m[3]}/${m[4]}`, name: m[5]!, children };
}

/** The ID of a top-level resource. */
export const resourceId = (subscription: string, group: string, type: string, name: string): string =>
  `/subscriptions/${subscription}/resourceGroups/${group}/providers/${type}/${name}`;

/** The top-level resource an ID names (a pool's ID names its load balancer). */
export function topOf(id: string): string | undefined {
  const p = parseId(id);
  return p && resourceId(p.subscription, p.group, p.type, p.name);
}

export const sameId = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

export class Store {
  private readonly items = new Map<string, { id: string; body: Json }>();

  get(id: string): Json | undefined { return this.items.get(id.toLowerCase())?.body; }

  has(id: string): boolean { return this.items.has(id.toLowerCase()); }

  /** Stores a resource under its ID (keeping the casing of the first write). */
  set(id: string, body: Json): void {
    const key = id.toLowerCase();
    this.items.set(key, { id: this.items.get(key)?.id ?? id, body });
  }

  delete(id: string): void { this.items.delete(id.toLowerCase()); }

  /** Every resource of a type (Microsoft.Compute/virtualMachineScaleSets), optionally of one group. */
  list(type?: string, subscription?: string, group?: string): { id: string; body: Json }[] {
    return [...this.items.values()].filter(({ id }) => {
      const p = parseId(id);
      return p && (!type || p.type.toLowerCase() === type.toLowerCase())
        && (!subscription || p.subscription.toLowerCase() === subscription.toLowerCase())
        && (!group || p.group.toLowerCase() === group.toLowerCase());
    });
  }

  reset(): void { this.items.clear(); }
}
