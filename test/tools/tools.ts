// The Go programs under test/tools, through which tests read an object as other tools do: kstatus as
// Flux, Helm's --wait and kpt compute it, and Argo CD's health scripts (docs/argocd/health.yaml) as
// Argo CD runs them. hack/build-test-tools.sh builds them once per version and prints their folder.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../cluster/binaries.ts';

/** What a tool says of one object. */
export interface Verdict { kind: string; namespace?: string; name: string; status: string; message: string }

let folder: string | undefined;

function tool(name: 'kstatus' | 'lua-health'): string {
  if (!folder) {
    const script = join(repoRoot, 'hack', 'build-test-tools.sh');
    try {
      folder = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
    } catch (err) {
      throw new Error(`${script} failed; its output above says why`, { cause: err });
    }
  }
  return join(folder!, name);
}

function run(path: string, args: string[], input: string): Promise<Verdict[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(path, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Verdict));
    });
    child.stdin!.end(input);
  });
}

/** What kstatus computes for each object in json (one object or a List, as `kubectl get -o json` prints them). */
export const kstatus = (json: string): Promise<Verdict[]> => run(tool('kstatus'), [], json);

/** The argocd-cm keys of docs/argocd/health.yaml: resource.customizations.health.<group>_<Kind> -> Lua. */
export function argoHealthScripts(): Record<string, string> {
  return (parse(readFileSync(join(repoRoot, 'docs', 'argocd', 'health.yaml'), 'utf8')) as { data: Record<string, string> }).data;
}

const scriptFiles = new Map<string, string>();

/**
 * What Argo CD's health check says of each object in json (objects of one kind, as `kubectl get -o
 * json` or `kubectl get -w -o json` prints them): the script Argo CD picks for the group and kind from
 * docs/argocd/health.yaml, run as Argo CD runs it.
 */
export async function argoHealth(json: string): Promise<Verdict[]> {
  const first = JSON.parse(splitJson(json)[0] ?? '{}') as { apiVersion?: string; kind?: string; items?: { apiVersion: string; kind: string }[] };
  const o = first.items?.[0] ?? first;
  const key = `resource.customizations.health.${o.apiVersion?.split('/')[0]}_${o.kind}`;
  const script = argoHealthScripts()[key];
  if (!script) throw new Error(`docs/argocd/health.yaml has no ${key}`);
  if (!scriptFiles.has(key)) {
    const file = join(mkdtempSync(join(tmpdir(), 'argo-health-')), `${o.kind}.lua`);
    writeFileSync(file, script);
    scriptFiles.set(key, file);
  }
  return run(tool('lua-health'), [scriptFiles.get(key)!], json);
}

/** The JSON objects of text, written one after another (as `kubectl get -w -o json` prints them). */
export function splitJson(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && --depth === 0) {
      out.push(text.slice(start, i + 1));
    }
  }
  return out;
}
