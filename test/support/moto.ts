// moto's server (moto[server] from PyPI, hack/ensure-moto.sh) on a free loopback port: the AWS the
// AWS provider's tests talk to, with the real SDK. reset() empties it between tests. Its command
// line names a folder with the test clusters' prefix, so the leftover check finds a moto left running.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { dataDirPrefix } from '../cluster/cluster.ts';
import { ManagedProcess } from '../cluster/processes.ts';
import { freePorts, httpStatus, waitFor } from '../cluster/probe.ts';

let server: string | undefined;

/** moto_server's path, after hack/ensure-moto.sh made sure it is installed. */
export function motoServerPath(): string {
  if (!server) {
    const script = join(repoRoot, 'hack', 'ensure-moto.sh');
    try {
      server = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
    } catch (err) {
      throw new Error(`${script} failed; its output above says why`, { cause: err });
    }
  }
  return server!;
}

/** moto's default account, whatever credentials are given. */
export const motoAccountId = '123456789012';
/** Credentials moto accepts (it checks none). */
export const motoCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export class Moto {
  /** Where the SDK reaches it (moto asks for localhost rather than 127.0.0.1 in endpoints). */
  readonly endpoint: string;
  readonly port: number;
  private readonly process: ManagedProcess;
  private readonly dataDir: string;

  private constructor(port: number, proc: ManagedProcess, dataDir: string) {
    this.port = port;
    this.endpoint = `http://localhost:${port}`;
    this.process = proc;
    this.dataDir = dataDir;
  }

  /** Starts moto and waits until it answers. */
  static async start(): Promise<Moto> {
    const motoServer = motoServerPath();
    const dataDir = mkdtempSync(join(tmpdir(), `${dataDirPrefix}moto-`));
    const [port] = await freePorts(1);
    // moto's own entry point, through its venv's python, with the data folder in the command line (a comment).
    const proc = new ManagedProcess({
      name: 'moto', command: join(dirname(motoServer), 'python'), logFile: join(dataDir, 'moto.log'),
      args: ['-c', `import sys; from moto.server import main; main(sys.argv[1:])  # ${dataDir}`, '-H', '127.0.0.1', '-p', String(port)],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    const moto = new Moto(port!, proc, dataDir);
    try {
      await waitFor(async () => (await httpStatus(`http://127.0.0.1:${port}/moto-api/`)) === 200, 60_000,
        () => `moto not answering on port ${port}: ${proc.exit ?? ''}\n${proc.tail()}`);
    } catch (err) {
      await moto.stop();
      throw err;
    }
    return moto;
  }

  /** Forgets every resource: a fresh AWS. */
  async reset(): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.port}/moto-api/reset`, { method: 'POST' });
    if (!res.ok) throw new Error(`moto reset answered ${res.status}: ${await res.text()}`);
  }

  /** The last lines of moto's log (every request it served), for failure reports. */
  tail(lines = 30): string { return this.process.tail(lines); }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
