// Where the background cluster of `npm run cluster:up` keeps its state: $STAYSAIL_STATE_DIR, else
// $STAYSAIL_CACHE/local-cluster/ (default ~/.cache/staysail/local-cluster/).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface State { pid: number; dataDir?: string; kubeconfig?: string; error?: string }

export const cacheDir = process.env.STAYSAIL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'staysail');
export const stateDir = process.env.STAYSAIL_STATE_DIR ?? join(cacheDir, 'local-cluster');
export const stateFile = join(stateDir, 'state.json');
export const logFile = join(stateDir, 'supervisor.log');
/** Where the running cluster's kubeconfig is copied: the same path every time. */
export const kubeconfigPath = join(stateDir, 'kubeconfig');

export function readState(): State | undefined {
  try { return JSON.parse(readFileSync(stateFile, 'utf8')) as State; } catch { return undefined; }
}
