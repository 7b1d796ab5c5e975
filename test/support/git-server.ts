// A real git server for the git trigger's poll mode: bare repositories in a temporary folder served
// over git's smart HTTP protocol by Debian's `git http-backend`, run per request as a CGI program
// behind an HTTP server on loopback. Tests commit with the git CLI in a clone and push over the same
// HTTP URL the operator polls. The folder shares the test clusters' prefix, so the leftover check
// finds a git process left running.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirPrefix } from '../cluster/cluster.ts';

export class LocalGitServer {
  private readonly server: Server;
  private readonly dir: string;
  /** http://127.0.0.1:<port>, to which a repository's name is appended. */
  readonly base: string;
  private constructor(server: Server, dir: string) {
    this.server = server;
    this.dir = dir;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Starts the HTTP server on a free loopback port. */
  static async start(): Promise<LocalGitServer> {
    const dir = mkdtempSync(join(tmpdir(), `${dataDirPrefix}git-`));
    mkdirSync(join(dir, 'repos'));
    mkdirSync(join(dir, 'home'));
    writeFileSync(join(dir, 'home', '.gitconfig'), '[user]\n\tname = Tester\n\temail = tester@example.com\n[init]\n\tdefaultBranch = main\n');
    const server = createServer((req, res) => serveCgi(dir, req, res));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
    return new LocalGitServer(server, dir);
  }

  /** The clone URL of a repository. */
  url(repo: string): string { return `${this.base}/${repo}.git`; }

  /** Creates a bare repository and a clone of it to commit in. */
  async create(repo: string): Promise<void> {
    await this.git(['init', '--bare', '--initial-branch=main', join(this.dir, 'repos', `${repo}.git`)]);
    await this.git(['clone', '--quiet', this.url(repo), this.work(repo)]);
  }

  /** Commits a change on branch (created from the current one if new) and pushes it over HTTP; answers the commit. */
  async commit(repo: string, branch: string, message: string): Promise<string> {
    const cwd = this.work(repo);
    await this.git(['checkout', '--quiet', '-B', branch], cwd);
    writeFileSync(join(cwd, 'change.txt'), `${message}\n${Date.now()}\n`);
    await this.git(['add', 'change.txt'], cwd);
    await this.git(['commit', '--quiet', '-m', message], cwd);
    await this.git(['push', '--quiet', 'origin', branch], cwd);
    return (await this.git(['rev-parse', 'HEAD'], cwd)).trim();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private work(repo: string): string { return join(this.dir, 'work', repo); }

  private git(args: string[], cwd = this.dir): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd, timeout: 30_000, env: { PATH: process.env.PATH, HOME: join(this.dir, 'home'), GIT_CONFIG_NOSYSTEM: '1' } },
        (err, stdout, stderr) => (err ? reject(new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`)) : resolve(stdout)));
    });
  }
}

/** Runs git http-backend for one request, as a web server runs a CGI program. */
function serveCgi(dir: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const cgi = spawn('git', ['http-backend'], { env: {
    PATH: process.env.PATH, GIT_PROJECT_ROOT: join(dir, 'repos'), GIT_HTTP_EXPORT_ALL: '1', GIT_CONFIG_NOSYSTEM: '1', HOME: join(dir, 'home'),
    REQUEST_METHOD: req.method ?? 'GET', PATH_INFO: decodeURIComponent(url.pathname), QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '', REMOTE_ADDR: '127.0.0.1', REMOTE_USER: 'tester', // a user: pushes are allowed
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
  } });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let sent = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (sent) { res.write(chunk); return; }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    sent = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const [name, ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (name!.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else if (name) res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', () => { if (!sent) res.writeHead(502).end(head); else res.end(); });
  cgi.on('error', (err) => { if (!sent) { sent = true; res.writeHead(500).end(err.message); } });
}
