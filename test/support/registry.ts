// A real container registry for image-trigger tests: Debian's docker-registry (the distribution
// registry) on a free loopback port with its storage in a temporary folder, open, behind htpasswd
// basic auth, or behind the bearer-token flow with a token server this file serves on loopback
// (ES256 JWTs signed by a key whose certificate is the registry's rootcertbundle, as docker_auth
// and Docker Hub's auth server issue them). Images are pushed with crane, a real client.
// hack/ensure-registry.sh installs the registry and htpasswd and builds crane. The data folder
// shares the test clusters' prefix, so the leftover check finds a registry left running.
import { execFile, execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { dataDirPrefix } from '../cluster/cluster.ts';
import { ManagedProcess } from '../cluster/processes.ts';
import { freePorts, httpStatus, waitFor } from '../cluster/probe.ts';

/** How the registry asks for credentials. */
export type RegistryAuth = 'none' | 'basic' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** Users and their passwords (default: one user, "tester", with a random password). */
  users?: Record<string, string>;
}

/** One file per name, in a layer crane appends to an empty image. */
export type LayerFiles = Record<string, string>;

let crane: string | undefined;

/** crane's path, after hack/ensure-registry.sh made sure of the registry, htpasswd and crane. */
function cranePath(): string {
  if (!crane) {
    const script = join(repoRoot, 'hack', 'ensure-registry.sh');
    try {
      crane = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
    } catch (err) {
      throw new Error(`${script} failed; its output above says why`, { cause: err });
    }
  }
  return crane!;
}

export class LocalRegistry {
  /** host:port, as image references and the docker trigger's registry field write it. */
  readonly host: string;
  readonly users: Readonly<Record<string, string>>;
  /** The token server, when auth is 'token'. */
  readonly tokens: TokenServer | undefined;
  private readonly process: ManagedProcess;
  private readonly dataDir: string;
  private constructor(host: string, users: Record<string, string>, proc: ManagedProcess, dataDir: string, tokens?: TokenServer) {
    this.host = host;
    this.users = users;
    this.process = proc;
    this.dataDir = dataDir;
    this.tokens = tokens;
  }

  /** Starts a registry and waits until it answers /v2/. */
  static async start(options: RegistryOptions = {}): Promise<LocalRegistry> {
    const auth = options.auth ?? 'none';
    const users = options.users ?? { tester: randomBytes(12).toString('hex') };
    cranePath(); // first, so a missing prerequisite is said before anything starts
    const dataDir = mkdtempSync(join(tmpdir(), `${dataDirPrefix}registry-`));
    const [port] = await freePorts(1);
    let tokens: TokenServer | undefined;
    try {
      tokens = auth === 'token' ? await TokenServer.start(dataDir, users) : undefined;
      writeFileSync(join(dataDir, 'config.yml'), JSON.stringify(registryConfig(dataDir, port!, authConfig(auth, dataDir, users, tokens))));
      writeDockerConfig(dataDir, `127.0.0.1:${port}`, auth === 'none' ? {} : users);
    } catch (err) {
      await tokens?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    const proc = new ManagedProcess({
      name: 'registry', command: process.env.STAYSAIL_REGISTRY ?? 'docker-registry', logFile: join(dataDir, 'registry.log'),
      args: ['serve', join(dataDir, 'config.yml')],
    });
    const registry = new LocalRegistry(`127.0.0.1:${port}`, users, proc, dataDir, tokens);
    try {
      await waitFor(async () => [200, 401].includes(await httpStatus(`http://${registry.host}/v2/`)), 30_000,
        () => `registry not answering on ${registry.host}: ${proc.exit ?? ''}\n${proc.tail()}`);
    } catch (err) {
      await registry.stop();
      throw err;
    }
    return registry;
  }

  /** The first user and its password, as a client of the registry gives them. */
  get credentials(): { username: string; password: string } {
    const [username, password] = Object.entries(this.users)[0]!;
    return { username, password };
  }

  /** host/repository:tag */
  ref(repository: string, tag: string): string { return `${this.host}/${repository}:${tag}`; }

  /**
   * Pushes an image of one layer holding files as repository:tag and returns its manifest digest.
   * The same files give the same digest; oci chooses OCI media types instead of Docker's.
   */
  async push(repository: string, tag: string, files: LayerFiles, oci = false): Promise<string> {
    const layer = join(this.dataDir, `layer-${randomBytes(6).toString('hex')}.tar`);
    writeFileSync(layer, tarArchive(files));
    try {
      await this.crane(['append', '-f', layer, '-t', this.ref(repository, tag), ...(oci ? ['--oci-empty-base'] : [])]);
    } finally {
      rmSync(layer, { force: true });
    }
    return this.digest(repository, tag);
  }

  /** Tags repository:from as repository:to too (crane copy: the digest stays the same). */
  async copy(repository: string, from: string, to: string): Promise<void> {
    await this.crane(['copy', this.ref(repository, from), this.ref(repository, to)]);
  }

  /** Pushes an image index (a multi-platform image) of the given tags' manifests as repository:tag; returns its digest. */
  async pushIndex(repository: string, tag: string, manifests: string[]): Promise<string> {
    await this.crane(['index', 'append', '-t', this.ref(repository, tag), ...manifests.flatMap((m) => ['-m', this.ref(repository, m)])]);
    return this.digest(repository, tag);
  }

  /** The digest crane reads for repository:tag. */
  async digest(repository: string, tag: string): Promise<string> {
    return (await this.crane(['digest', this.ref(repository, tag)])).trim();
  }

  /** Runs crane with the registry's credentials (a Docker config of its own: nothing of the user's is read). */
  crane(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(cranePath(), [...args, '--insecure'], { timeout: 60_000, env: { ...process.env, DOCKER_CONFIG: join(this.dataDir, 'docker') } },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`crane ${args.join(' ')} failed: ${stderr || err.message}\nregistry log:\n${this.process.tail(15)}`));
          else resolve(stdout);
        });
    });
  }

  /** The last lines of the registry's log, for failure reports. */
  tail(lines = 30): string { return this.process.tail(lines); }

  async stop(): Promise<void> {
    await this.process.stop();
    await this.tokens?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function registryConfig(dataDir: string, port: number, auth: object | undefined): object {
  return {
    version: 0.1,
    log: { level: 'info', fields: { service: 'registry' } },
    storage: { filesystem: { rootdirectory: join(dataDir, 'storage') }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
    ...(auth ? { auth } : {}),
  };
}

function authConfig(auth: RegistryAuth, dataDir: string, users: Record<string, string>, tokens?: TokenServer): object | undefined {
  if (auth === 'basic') {
    const file = join(dataDir, 'htpasswd');
    // The registry reads bcrypt entries only; cost 4 keeps each request's check fast.
    writeFileSync(file, Object.entries(users).map(([u, p]) => execFileSync('htpasswd', ['-nbB', '-C', '4', u, p], { encoding: 'utf8' }).trim()).join('\n') + '\n');
    return { htpasswd: { realm: 'staysail-test-registry', path: file } };
  }
  if (auth === 'token') {
    return { token: { realm: tokens!.realm, service: TokenServer.service, issuer: TokenServer.issuer, rootcertbundle: tokens!.certFile } };
  }
  return undefined;
}

function writeDockerConfig(dataDir: string, host: string, users: Record<string, string>): void {
  const dir = join(dataDir, 'docker');
  mkdirSync(dir);
  const first = Object.entries(users)[0];
  const auths = first ? { [host]: { auth: Buffer.from(`${first[0]}:${first[1]}`).toString('base64') } } : {};
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths }));
}

/** What the token server was asked for: who (undefined when anonymous), and the scopes. */
export interface TokenRequest { user: string | undefined; service: string | null; scopes: string[]; granted: boolean }

/**
 * The token endpoint of the registry's bearer-token flow: GET realm?service=&scope= with basic
 * credentials answers a JWT granting the scopes asked for; anonymous requests get a token granting
 * nothing (as for a private repository), and wrong credentials get 401.
 */
export class TokenServer {
  static readonly service = 'staysail-test-registry';
  static readonly issuer = 'staysail-test-token-server';
  readonly realm: string;
  readonly certFile: string;
  /** Every request, in order. */
  readonly requests: TokenRequest[] = [];
  private readonly server: Server;
  private readonly key: KeyObject;
  private readonly kid: string;
  private readonly users: Record<string, string>;
  private constructor(server: Server, realm: string, certFile: string, key: KeyObject, users: Record<string, string>) {
    this.server = server;
    this.realm = realm;
    this.certFile = certFile;
    this.key = key;
    this.kid = libtrustKeyId(key);
    this.users = users;
  }

  static async start(dataDir: string, users: Record<string, string>): Promise<TokenServer> {
    const keyFile = join(dataDir, 'token.key');
    const certFile = join(dataDir, 'token.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile,
      '-out', certFile, '-subj', '/CN=staysail-test-token-server', '-days', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // localhost, not 127.0.0.1: clients such as crane refuse a realm at a loopback or private IP
    // address unless it is the registry's own host and port (a guard against a registry sending
    // credentials elsewhere), and check IP literals only.
    const realm = `http://localhost:${(server.address() as { port: number }).port}/token`;
    const tokens = new TokenServer(server, realm, certFile, createPrivateKey(readFileSync(keyFile)), users);
    server.on('request', (req, res) => tokens.answer(req, res));
    return tokens;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.realm);
    if (url.pathname !== '/token') { res.writeHead(404).end(); return; }
    const user = this.authenticate(req.headers.authorization);
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    this.requests.push({ user: user || undefined, service: url.searchParams.get('service'), scopes, granted: user !== false && user !== '' });
    if (user === false) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="staysail-test-token-server"' })
        .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'wrong username or password' }] }));
      return;
    }
    const token = this.token(user, user ? scopes : []);
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  }

  /** The user the basic credentials name, '' when there are none, false when they are wrong. */
  private authenticate(header: string | undefined): string | false {
    if (!header) return '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m) return false;
    const text = Buffer.from(m[1]!, 'base64').toString('utf8');
    const [user, password] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
    const want = this.users[user];
    if (want === undefined || want.length !== password.length) return false;
    return timingSafeEqual(Buffer.from(want), Buffer.from(password)) ? user : false;
  }

  private token(user: string, scopes: string[]): string {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => s.split(':')).filter((p) => p.length >= 3)
      .map((p) => ({ type: p[0], name: p.slice(1, -1).join(':'), actions: p.at(-1)!.split(',') }));
    const header = { typ: 'JWT', alg: 'ES256', kid: this.kid };
    const claims = { iss: TokenServer.issuer, sub: user, aud: TokenServer.service, exp: now + 300, nbf: now - 10, iat: now,
      jti: randomBytes(8).toString('hex'), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' }))}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const b64url = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

/**
 * The key ID by which the registry finds a rootcertbundle key (docker/libtrust): the SHA-256 of the
 * DER public key, its first 240 bits in base32, in groups of four joined by colons.
 */
function libtrustKeyId(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const bytes = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  const chars = (bits.match(/.{5}/g) ?? []).map((c) => alphabet[parseInt(c, 2)]).join('');
  return (chars.match(/.{4}/g) ?? []).join(':');
}

/** A tar archive (ustar) of files, with fixed owners and times so the same files give the same bytes. */
export function tarArchive(files: LayerFiles): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const body = Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148); // the checksum field counts as spaces while summing
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
