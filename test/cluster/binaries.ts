// Finds the control-plane binaries: hack/build-control-plane.sh builds them once per pinned version
// into the per-user cache (or names STAYSAIL_BIN_DIR) and prints the folder as its last line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const componentNames = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'helm', 'kustomize'] as const;
export type Component = (typeof componentNames)[number];

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let cached: string | undefined;

/** The folder holding every control-plane binary, building them on first use. */
export function binDir(): string {
  if (cached) return cached;
  const script = join(repoRoot, 'hack', 'build-control-plane.sh');
  let out: string;
  try {
    out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (err) {
    throw new Error(`${script} failed; its output above names the missing prerequisite`, { cause: err });
  }
  const dir = out.trim().split('\n').pop() ?? '';
  for (const name of componentNames) {
    if (!existsSync(join(dir, name))) throw new Error(`control-plane binary ${name} missing from ${dir}`);
  }
  cached = dir;
  return dir;
}

export function binary(name: Component): string { return join(binDir(), name); }
