// kubectl staysail as npm installs it, for the suites that drive the CLI as a person would:
// kubectl-staysail on PATH (a link to bin/staysail.js, run by the first node on PATH), in one namespace.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { sharedCluster } from './setup.ts';

export interface Ran { code: number; out: string; err: string }

export class Plugin {
  private readonly dir = mkdtempSync(join(tmpdir(), 'staysail-plugin-'));
  private readonly ns: string;

  constructor(ns: string) {
    this.ns = ns;
    symlinkSync(join(repoRoot, 'bin/staysail.js'), join(this.dir, 'kubectl-staysail'));
  }

  private env() { return { ...process.env, PATH: `${this.dir}${delimiter}${process.env.PATH}`, NO_COLOR: '' }; }

  /** Runs `kubectl staysail ARGS` (its output a pipe); never throws. */
  run(args: string[], timeoutMs = 90_000): Promise<Ran> {
    return new Promise((resolve) => {
      execFile('kubectl', ['staysail', ...args, '--kubeconfig', sharedCluster().kubeconfigPath, '-n', this.ns], { timeout: timeoutMs, env: this.env() },
        (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }));
    });
  }

  /** Runs `kubectl staysail ARGS` on a terminal (script gives it one); returns what the terminal got. */
  onTerminal(args: string[], timeoutMs = 90_000): Promise<string> {
    const command = ['kubectl', 'staysail', ...args, '--kubeconfig', sharedCluster().kubeconfigPath, '-n', this.ns].join(' ');
    return new Promise((resolve) => execFile('script', ['-qec', command, '/dev/null'], { timeout: timeoutMs, env: this.env() }, (_e, out) => resolve(out)));
  }

  remove(): void { rmSync(this.dir, { recursive: true, force: true }); }
}
