// Container logs for pods on the kwok nodes. kwok serves every fake node's kubelet API on loopback,
// /containerLogs included, reading the files that Logs (one pod) and ClusterLogs (pods by namespace
// and name) objects point at; so `kubectl logs` and pods/log through the API server return what a
// test wrote.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './binaries.ts';
import { waitFor } from './probe.ts';

/** The kinds kwok watches for log sources (its --enable-crds), instead of reading them from --config. */
export const logKinds = ['Logs', 'ClusterLogs'];

const group = 'kwok.x-k8s.io';
const version = 'v1alpha1';

/** Installs the Logs and ClusterLogs CRDs and waits until both are served. */
export async function installLogCrds(kc: KubeConfig, deadlineMs: number): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crds = parseAllDocuments(readFileSync(join(repoRoot, 'hack', 'kwok', 'crds.yaml'), 'utf8'))
    .map((d) => d.toJS() as V1CustomResourceDefinition);
  for (const body of crds) await api.createCustomResourceDefinition({ body });
  await waitFor(async () => {
    const established = await Promise.all(crds.map(async (c) => (await api.readCustomResourceDefinition({ name: c.metadata!.name! }))
      .status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ?? false));
    return established.every(Boolean);
  }, deadlineMs, () => `kwok's log CRDs (${crds.map((c) => c.metadata!.name).join(', ')}) not established`, 100);
}

/** Lines in the CRI log format a container runtime writes and kwok reads, all stamped `at`. */
export function criLog(lines: string[], at: Date): string {
  return lines.flatMap((l) => l.split('\n')).map((l) => `${at.toISOString()} stdout F ${l}\n`).join('');
}

/**
 * Makes `lines` the log of every container named `container` in pods of `namespace`: writes them to
 * a file in dir and points a ClusterLogs object at it. Calling it again replaces the lines.
 */
export async function serveContainerLog(kc: KubeConfig, dir: string, namespace: string, container: string,
  lines: string[]): Promise<void> {
  const name = `${namespace}.${container}`;
  const logsFile = join(dir, `${name}.log`);
  writeFileSync(logsFile, criLog(lines, new Date()));
  const body = { apiVersion: `${group}/${version}`, kind: 'ClusterLogs', metadata: { name },
    spec: { selector: { matchNamespaces: [namespace] }, logs: [{ containers: [container], logsFile }] } };
  try {
    await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({ group, version, plural: 'clusterlogs', body });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err; // already there, pointing at the file just rewritten
  }
}
