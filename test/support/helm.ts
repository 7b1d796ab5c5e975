// helm, built from its Go module with the control plane, against the shared cluster.
import { execFile } from 'node:child_process';
import { binary } from '../cluster/binaries.ts';
import { sharedCluster } from './setup.ts';

/** Runs helm with the shared cluster's kubeconfig; input, when given, is its stdin. Never rejects: code is 1 on failure. */
export function helm(args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(binary('helm'), ['--kubeconfig', sharedCluster().kubeconfigPath, ...args], { timeout: 180_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }));
    if (input !== undefined) child.stdin?.end(input);
  });
}
