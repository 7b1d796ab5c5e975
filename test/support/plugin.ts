// kubectl staysail as npm installs it, for the suites that drive the CLI as a person would:
// kubectl-staysail on PATH (a link to bin/staysail.js, run by the first node on PATH), in one namespace.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { repoRoot } from '../cluster/binaries.ts';
import { sharedCluster } from './setup.ts';

export interface Ran { code: number; out: string; err: string }

function follow(stream: Readable | null, onOutput: ((soFar: string) => void) | undefined): void {
  if (!stream || !onOutput) return;
  let soFar = '';
  stream.on('data', (d: Buffer | string) => { soFar += d.toString(); onOutput(soFar); });
}

/** A promise that resolves once the output holds text, and the onOutput callback that watches for it. */
export function outputShows(text: string): { shown: Promise<void>; onOutput: (soFar: string) => void } {
  let done: () => void = () => undefined;
  const shown = new Promise<void>((resolve) => { done = resolve; });
  return { shown, onOutput: (soFar) => { if (soFar.includes(text)) done(); } };
}

export class Plugin {
  private readonly dir = mkdtempSync(join(tmpdir(), 'staysail-plugin-'));
  private readonly ns: string;

  constructor(ns: string) {
    this.ns = ns;
    symlinkSync(join(repoRoot, 'bin/staysail.js'), join(this.dir, 'kubectl-staysail'));
  }

  private env() { return { ...process.env, PATH: `${this.dir}${delimiter}${process.env.PATH}`, NO_COLOR: '' }; }

  /** Runs `kubectl staysail ARGS` (its output a pipe); never throws. onOutput sees its output so far as it comes. */
  run(args: string[], timeoutMs = 90_000, onOutput?: (soFar: string) => void): Promise<Ran> {
    return new Promise((resolve) => {
      const child = execFile('kubectl', ['staysail', ...args, '--kubeconfig', sharedCluster().kubeconfigPath, '-n', this.ns], { timeout: timeoutMs, env: this.env() },
        (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }));
      follow(child.stdout, onOutput);
    });
  }

  /** Runs `kubectl staysail ARGS` on a terminal (script gives it one); returns what the terminal got. onOutput as for run. */
  onTerminal(args: string[], timeoutMs = 90_000, onOutput?: (soFar: string) => void): Promise<string> {
    const command = ['kubectl', 'staysail', ...args, '--kubeconfig', sharedCluster().kubeconfigPath, '-n', this.ns].join(' ');
    return new Promise((resolve) => {
      const child = execFile('script', ['-qec', command, '/dev/null'], { timeout: timeoutMs, env: this.env() }, (_e, out) => resolve(out));
      follow(child.stdout, onOutput);
    });
  }

  remove(): void { rmSync(this.dir, { recursive: true, force: true }); }
}
