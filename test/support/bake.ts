// What the bake suites share: the helm and kustomize the control-plane build made, given as the
// operator finds them (STAYSAIL_HELM, STAYSAIL_KUSTOMIZE; a process the suite starts inherits them),
// and ConfigMaps holding a folder's files as bakeManifest reads them ("__" in a key for "/").
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { KubeObject } from '../../src/core/kube-client.ts';
import { keyOfPath } from '../../src/pipeline/stages/manifests/bake/files.ts';
import { binDir, repoRoot } from '../cluster/binaries.ts';

export const helmBinary = () => join(binDir(), 'helm');
export const kustomizeBinary = () => join(binDir(), 'kustomize');
export const fixture = (...parts: string[]) => join(repoRoot, 'test/fixtures', ...parts);

/** Sets STAYSAIL_HELM and STAYSAIL_KUSTOMIZE for the suite (call it before a hook that starts the operator), restored after. */
export function withRenderers(): void {
  const saved = { STAYSAIL_HELM: process.env.STAYSAIL_HELM, STAYSAIL_KUSTOMIZE: process.env.STAYSAIL_KUSTOMIZE };
  before(() => {
    process.env.STAYSAIL_HELM = helmBinary();
    process.env.STAYSAIL_KUSTOMIZE = kustomizeBinary();
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

/** A ConfigMap holding every file under dir, each under the key of its relative path. */
export async function folderConfigMap(name: string, dir: string): Promise<KubeObject> {
  const data: Record<string, string> = {};
  for (const path of await filesUnder(dir)) data[keyOfPath(path)] = await readFile(join(dir, path), 'utf8');
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } as KubeObject;
}
