// Spinnaker's names (Frigga / moniker): a cluster is app[-stack[-detail]] (app--detail without a
// stack); a server group is the cluster plus -vNNN. The next version follows the newest server
// group by creation time, wraps from v999 to v000, and skips numbers still in use.

export interface Moniker { app: string; stack?: string; detail?: string }

export function clusterName(m: Moniker): string {
  if (!m.stack && !m.detail) return m.app;
  return `${m.app}-${m.stack ?? ''}${m.detail ? `-${m.detail}` : ''}`;
}

export function serverGroupName(cluster: string, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) throw new Error(`sequence ${sequence} is outside 0..999`);
  return `${cluster}-v${String(sequence).padStart(3, '0')}`;
}

/** The cluster and version of a server group name; a version token has 3 to 6 digits. */
export function parseServerGroupName(name: string): { cluster: string; sequence?: number } {
  const m = /^(.*)-v(\d{3,6})$/.exec(name);
  return m ? { cluster: m[1]!, sequence: Number(m[2]) } : { cluster: name };
}

export interface ExistingServerGroup { name: string; createdAt: string }

/**
 * The next sequence for a cluster: the newest server group's (by creation time) plus one, modulo
 * 1000, skipping numbers in use. Throws when all 1000 are taken.
 */
export function nextSequence(cluster: string, existing: readonly ExistingServerGroup[]): number {
  const mine = existing.map((g) => ({ ...g, ...parseServerGroupName(g.name) }))
    .filter((g) => g.cluster === cluster && g.sequence !== undefined && g.sequence <= 999);
  const newest = [...mine].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.sequence! - b.sequence!).pop();
  const taken = new Set(mine.map((g) => g.sequence!));
  let next = ((newest?.sequence ?? -1) + 1) % 1000;
  for (let i = 0; i < 1000; i++, next = (next + 1) % 1000) if (!taken.has(next)) return next;
  throw new Error(`all server group names for cluster ${cluster} are taken (v000 to v999)`);
}
