// The operator as users run it: `node src/main.ts` against the shared cluster, watching one namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { waitFor } from '../cluster/probe.ts';
import { sharedCluster } from './setup.ts';

export class OperatorProcess {
  readonly child: ChildProcess;
  readonly lines: { msg: string; level: string; [k: string]: unknown }[] = [];
  private readonly exited: Promise<number | null>;

  /** Runs the operator with args, as the shared cluster's admin or as whoever the given kubeconfig names. */
  constructor(args: string[], kubeconfig = sharedCluster().kubeconfigPath) {
    this.child = spawn(process.execPath, [join(repoRoot, 'src/main.ts'), '--kubeconfig', kubeconfig,
      '--health-addr', '127.0.0.1:0', '--metrics-addr', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const p of parts) this.lines.push(JSON.parse(p) as { msg: string; level: string });
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  said(msg: string): boolean { return this.lines.some((l) => l.msg === msg); }

  async running(): Promise<void> {
    await waitFor(async () => this.said('controllers running'), 30_000, () => `the operator never ran its controllers: ${JSON.stringify(this.lines.slice(-5))}`);
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
