// The CLI's cluster commands: show and follow a Cluster's rollout; set a container's image (a new
// rollout); roll back, retry, and promote or abort a running canary. Requests carry a new id in the
// Cluster's spec; the Cluster controller carries them out.
import { setTimeout as sleep } from 'node:timers/promises';
import { resources } from '../api/v1alpha1/index.ts';
import type { ClusterSpec, ClusterStatus } from '../api/v1alpha1/cluster.ts';
import type { KubeObject } from '../core/kube-client.ts';
import { clusterChanges, clusterPhase, clusterView, finalLine, isRolloutFinished } from './cluster-view.ts';
import { commandName } from './invocation.ts';
import { call, CliError, type Connection } from './kube.ts';
import { print, type Io, type Output } from './runs.ts';

type Cluster = KubeObject<ClusterSpec, ClusterStatus>;
const fieldManager = 'staysail';
const pollMs = 500;

async function getCluster(conn: Connection, name: string): Promise<Cluster> {
  return call(conn, () => conn.client.get<Cluster>(resources.cluster, conn.namespace, name),
    `Cluster "${name}" not found in namespace "${conn.namespace}" (kubectl get clusters shows the clusters there)`);
}

const follow = (name: string) => `follow it with: ${commandName()} get cluster ${name} --watch`;

/**
 * Shows a Cluster; with watch, follows its rollout until it finishes or Ctrl-C (redrawn on a
 * terminal, one line per change otherwise), then prints the final phase and message. Returns the
 * exit code: 0 when the rollout succeeded, 1 when it failed or rolled back, 130 when interrupted.
 */
export async function showCluster(conn: Connection, io: Io, name: string, options: { watch: boolean; output: Output; width?: number }): Promise<number> {
  let cluster = await getCluster(conn, name);
  const draw = (c: Cluster) => clusterView(c, io, options.width);
  if (options.output !== 'text') print(io, options.output, cluster);
  else if (!options.watch || io.tty) io.out(draw(cluster).join('\n'));
  else for (const line of clusterChanges(undefined, cluster)) io.out(line);
  if (!options.watch) return 0;
  let drawn = draw(cluster).length;
  while (!isRolloutFinished(cluster) && !io.signal?.aborted) {
    await sleep(pollMs, undefined, { signal: io.signal }).catch(() => undefined);
    if (io.signal?.aborted) break;
    const next = await getCluster(conn, name);
    if (next.metadata.resourceVersion === cluster.metadata.resourceVersion) continue;
    if (options.output !== 'text') {
      print(io, options.output, next);
    } else if (io.tty) {
      const lines = draw(next);
      io.out(`\x1b[${drawn}A\x1b[J${lines.join('\n')}`);
      drawn = lines.length;
    } else {
      for (const line of clusterChanges(cluster, next)) io.out(line);
    }
    cluster = next;
  }
  if (options.output === 'text') io.out(finalLine(cluster));
  return clusterPhase(cluster) === 'Succeeded' && isRolloutFinished(cluster) ? 0 : isRolloutFinished(cluster) ? 1 : 130;
}

/** Parses CONTAINER=IMAGE arguments. */
export function parseImages(pairs: string[]): Record<string, string> {
  if (!pairs.length) throw new CliError('set image takes CLUSTER CONTAINER=IMAGE [CONTAINER=IMAGE...]');
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0 || i === p.length - 1) throw new CliError(`${p}: give the image as CONTAINER=IMAGE, e.g. web=demo/web:2.0.0`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

type Container = { name?: string; image?: unknown };

/**
 * Sets the image of named containers of the Cluster's pod template, keeping everything else, as
 * kubectl patch would: a JSON patch guarded by the resourceVersion it read (tried again if the
 * Cluster changed meanwhile). The Cluster rolls the new template out.
 */
export async function setImage(conn: Connection, name: string, images: Record<string, string>): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const cluster = await getCluster(conn, name);
    const template = cluster.spec?.template;
    if (!template?.kubernetes) {
      const block = Object.keys(template ?? {})[0] ?? '?';
      throw new CliError(`Cluster "${name}" has no Kubernetes pod template (its template is spec.template.${block}): set image changes only the `
        + `containers of spec.template.kubernetes.podTemplate; change spec.template.${block} instead (kubectl edit cluster ${name})`);
    }
    const spec = (template.kubernetes.podTemplate as { spec?: Record<string, unknown> } | undefined)?.spec ?? {};
    const ops: object[] = [{ op: 'test', path: '/metadata/resourceVersion', value: cluster.metadata.resourceVersion }];
    const changed: string[] = [];
    const found = new Set<string>();
    for (const field of ['containers', 'initContainers'] as const) {
      const list = (Array.isArray(spec[field]) ? spec[field] : []) as Container[];
      list.forEach((c, i) => {
        const image = c.name !== undefined ? images[c.name] : undefined;
        if (image === undefined) return;
        found.add(c.name!);
        if (c.image === image) return;
        ops.push({ op: 'replace', path: `/spec/template/kubernetes/podTemplate/spec/${field}/${i}/image`, value: image });
        changed.push(`${c.name}=${image} (was ${c.image === undefined ? 'unset' : String(c.image)})`);
      });
    }
    const unknown = Object.keys(images).filter((k) => !found.has(k));
    if (unknown.length) {
      const names = (['containers', 'initContainers'] as const).flatMap((f) => ((Array.isArray(spec[f]) ? spec[f] : []) as Container[]).map((c) => c.name));
      throw new CliError(`Cluster "${name}" has no container ${unknown.map((u) => `"${u}"`).join(', ')} in spec.template.kubernetes.podTemplate `
        + `(it has: ${names.filter(Boolean).join(', ') || 'none'})`);
    }
    if (!changed.length) return `Cluster "${name}" already runs ${Object.entries(images).map(([k, v]) => `${k}=${v}`).join(', ')}; nothing to roll out`;
    try {
      await conn.client.jsonPatch(resources.cluster, conn.namespace, name, ops, { fieldManager });
      return `Cluster "${name}": ${changed.join(', ')}; rolling it out: ${follow(name)}`;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if ((status === 409 || status === 422) && attempt < 5) continue; // the Cluster changed since it was read
      await call(conn, () => Promise.reject(err));
    }
  }
}

export async function rollbackCluster(conn: Connection, name: string, to: string | undefined, now: number): Promise<string> {
  const cluster = await getCluster(conn, name);
  if (to && !cluster.status?.serverGroups?.some((g) => g.name === to)) {
    throw new CliError(`Cluster "${name}" has no server group "${to}" (it has: ${(cluster.status?.serverGroups ?? []).map((g) => g.name).join(', ') || 'none'})`);
  }
  const id = `rollback-${now.toString(36)}`;
  await call(conn, () => conn.client.mergePatch(resources.cluster, conn.namespace, name, { spec: { rollback: { id, ...(to ? { toServerGroup: to } : {}) } } }));
  return `rolling Cluster "${name}" back${to ? ` to ${to}` : ''} (request ${id}); ${follow(name)}`;
}

/** Rolls the Cluster's template out again after a rollback or a failed rollout (spec.retry). */
export async function retryCluster(conn: Connection, name: string, now: number): Promise<string> {
  const cluster = await getCluster(conn, name);
  const phase = cluster.status?.rollout?.phase;
  if (phase !== 'RolledBack' && phase !== 'Failed') {
    throw new CliError(`Cluster "${name}" has nothing to retry: its rollout is ${phase ?? 'not started'}; retry applies after a rollback or a failed rollout`);
  }
  const id = `retry-${now.toString(36)}`;
  await call(conn, () => conn.client.mergePatch(resources.cluster, conn.namespace, name, { spec: { retry: { id } } }));
  return `rolling the template of Cluster "${name}" out again (request ${id}); ${follow(name)}`;
}

export async function decideCanary(conn: Connection, name: string, decision: 'promote' | 'abort', now: number): Promise<string> {
  const cluster = await getCluster(conn, name);
  const phase = cluster.status?.rollout?.phase;
  if (phase !== 'Analyzing') {
    throw new CliError(`Cluster "${name}" is not running a canary analysis (its rollout is ${phase ?? 'not started'}); ${decision} applies only while it is Analyzing`);
  }
  const id = `${decision}-${now.toString(36)}`;
  await call(conn, () => conn.client.mergePatch(resources.cluster, conn.namespace, name, { spec: { canaryDecision: { id, decision } } }));
  return `${decision === 'promote' ? 'promoting' : 'aborting'} the canary of Cluster "${name}" (decision ${id}); ${follow(name)}`;
}
