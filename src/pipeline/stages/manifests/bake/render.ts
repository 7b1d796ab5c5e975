// Running a renderer (helm, kustomize) as a subprocess: found by an environment variable or on the
// operator's PATH, run in the bake's own work folder with an environment of its own (none of the
// operator's: no kubeconfig, cloud credentials or service-account variables), a deadline, and
// bounded output. A renderer that fails says why on stderr; that is the stage's message, trimmed.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { BakeError } from './errors.ts';

/** How long a renderer may run. */
export const renderTimeoutMs = 120_000;
/** The most a renderer may print on stdout or stderr before it is stopped. */
export const maxRenderOutputBytes = 4 << 20;
/** How much of a renderer's error message the stage keeps. */
const maxMessageChars = 1500;

/** A renderer the stage runs, and the environment variable naming its path. */
export interface Renderer { name: 'helm' | 'kustomize'; envVar: string }
export const helmRenderer: Renderer = { name: 'helm', envVar: 'STAYSAIL_HELM' };
export const kustomizeRenderer: Renderer = { name: 'kustomize', envVar: 'STAYSAIL_KUSTOMIZE' };

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The renderer's path: its environment variable's, else the first on PATH. */
export function findRenderer(r: Renderer, env: NodeJS.ProcessEnv = process.env): string {
  const named = env[r.envVar];
  if (named) {
    if (isAbsolute(named) && isExecutable(named)) return named;
    throw new BakeError(`${r.envVar}=${named} is not an executable file given by its absolute path; point it at the ${r.name} binary`);
  }
  const found = (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, r.name)).find(isExecutable);
  if (!found) throw new BakeError(`${r.name} is not on the operator's PATH: install it beside the operator or set ${r.envVar} to its path`);
  return found;
}

/** Where nothing listens: a renderer told to go out through it cannot reach the network by HTTP(S). */
const nowhere = 'http://127.0.0.1:9';
const proxyVars = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/**
 * The renderer's whole environment: a home, caches and temp folder inside the work folder, and no
 * PATH (so no git for remote bases) nor way out by HTTP(S), unless network is allowed, when it gets
 * the operator's PATH and proxy settings.
 */
export function renderEnv(workDir: string, allowNetwork: boolean, operatorEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const home = join(workDir, '.home');
  const env: Record<string, string> = {
    HOME: home, TMPDIR: join(home, 'tmp'), XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'),
    HELM_CACHE_HOME: join(home, 'helm-cache'), HELM_CONFIG_HOME: join(home, 'helm-config'), HELM_DATA_HOME: join(home, 'helm-data'),
    LANG: 'C.UTF-8',
  };
  if (!allowNetwork) return { ...env, PATH: '', HTTP_PROXY: nowhere, HTTPS_PROXY: nowhere, NO_PROXY: '', http_proxy: nowhere, https_proxy: nowhere, no_proxy: '' };
  const passed = Object.fromEntries(proxyVars.filter((k) => operatorEnv[k] !== undefined).map((k) => [k, operatorEnv[k]!]));
  return { ...env, PATH: operatorEnv.PATH ?? '', ...passed };
}

/** Advice helm prints that a stage's user cannot take (the stage passes no --debug). */
const unhelpful = /^Use --debug flag/;

/** The renderer's error output made a message: its lines joined, cut to a readable length. */
export function trimMessage(stderr: string): string {
  const text = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !unhelpful.test(l)).join('; ');
  return text.length > maxMessageChars ? `${text.slice(0, maxMessageChars)}…` : text;
}

export interface RenderRun {
  binary: string; args: string[]; cwd: string; env: Record<string, string>; what: string; timeoutMs?: number;
  /** Stops the renderer (the run was canceled). */
  signal?: AbortSignal;
}

/** The renderer's stdout; a BakeError with its own message when it fails, runs too long, prints too much or is stopped. */
export function runRenderer(r: RenderRun): Promise<string> {
  const timeoutMs = r.timeoutMs ?? renderTimeoutMs;
  return new Promise((resolve, reject) => {
    execFile(r.binary, r.args, { cwd: r.cwd, env: r.env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: maxRenderOutputBytes, encoding: 'utf8', signal: r.signal },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (r.signal?.aborted) return reject(new BakeError(`${r.what} was stopped: the run was canceled`));
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(new BakeError(`${r.what} printed more than ${maxRenderOutputBytes >> 20} MiB; render less`));
        if (e.killed) return reject(new BakeError(`${r.what} did not finish within ${timeoutMs / 1000}s`));
        if (e.code === 'ENOENT' || e.code === 'EACCES') return reject(new BakeError(`${r.what}: ${r.binary} cannot be run (${e.code})`));
        reject(new BakeError(`${r.what} failed: ${trimMessage(stderr) || e.message}`));
      });
  });
}
