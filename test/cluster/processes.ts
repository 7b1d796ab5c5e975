// Child processes of the local control plane: each runs in its own process group, writes to its own
// log file, and is stopped by signalling the whole group (SIGTERM, then SIGKILL after a grace period).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/** One running component of the local control plane. */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  constructor(spec: ProcessSpec) {
    this.name = spec.name;
    this.logFile = spec.logFile;
    const fd = openSync(spec.logFile, 'a');
    try {
      this.child = spawn(spec.command, spec.args, {
        detached: true, // its own process group, so stop() reaches any grandchildren too
        stdio: ['ignore', fd, fd],
        env: spec.env ?? process.env,
      });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => { this.exitInfo = { code, signal }; resolve(); });
      this.child.once('error', (err) => {
        this.exitInfo = { code: -1, signal: null };
        logLine(spec.logFile, `failed to start ${spec.command}: ${err.message}`);
        resolve();
      });
    });
    this.child.unref();
  }

  get pid(): number | undefined { return this.child.pid; }

  /** Why the process ended, or undefined while it runs. */
  get exit(): string | undefined {
    if (!this.exitInfo) return undefined;
    return this.exitInfo.signal ? `killed by ${this.exitInfo.signal}` : `exited with code ${this.exitInfo.code}`;
  }

  /** Stops the process group: SIGTERM, then SIGKILL once graceMs has passed. */
  async stop(graceMs = 10_000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.exitInfo) return;
    this.child.ref(); // keep the event loop alive until the process is gone, even during a runner's final teardown
    signalGroup(pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), graceMs); });
    const outcome = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      signalGroup(pid, 'SIGKILL');
      await this.exited;
    }
    signalGroup(pid, 'SIGKILL'); // anything the leader left behind in its group
  }

  /** The last lines of the log, for failure reports. */
  tail(lines = 30): string { return tailFile(this.logFile, lines); }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pid, signal); } catch { /* the group is already gone */ }
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

export function tailFile(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function logLine(file: string, line: string): void {
  try { appendFileSync(file, `${line}\n`); } catch { process.stderr.write(`${line}\n`); }
}

/** Processes (pid and command line) whose command line mentions needle: how leftovers are found. */
export function processesMentioning(needle: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let cmdline: string;
    try { cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(); } catch { continue; }
    if (cmdline.includes(needle) && !isZombie(entry)) found.push({ pid, cmdline });
  }
  return found;
}

function isZombie(pid: string): boolean {
  try { return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return true; }
}
