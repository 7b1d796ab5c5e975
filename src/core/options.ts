// The operator's flags, each with an environment variable for when flags are awkward (a Helm chart).
import { parseArgs } from 'node:util';
import { parseAddress } from './http-server.ts';
import { isLogLevel, type LogLevel } from './logger.ts';

export interface OperatorOptions {
  /** Path of a kubeconfig; empty means the default chain (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig: string;
  /** Namespaces to watch; empty means all. */
  namespaces: string[];
  /** Workers per controller. */
  workers: number;
  /** Kubernetes API client rate: sustained requests per second, and burst. */
  qps: number;
  burst: number;
  /** host:port of the routes every replica serves: /healthz, /readyz, /debug/caches. */
  healthAddr: string;
  /** host:port of /metrics; empty disables it. */
  metricsAddr: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  logLevel: LogLevel;
}

interface Flag { env: string; fallback: string; help: string; kind: 'string' | 'int' | 'bool' | 'list' | 'addr' }

const flags: Record<string, Flag> = {
  kubeconfig: { env: 'KUBECONFIG', fallback: '', kind: 'string', help: 'kubeconfig to use; empty: KUBECONFIG, ~/.kube/config, or in-cluster' },
  namespaces: { env: 'STAYSAIL_NAMESPACES', fallback: '', kind: 'list', help: 'comma-separated namespaces to watch; empty: all' },
  workers: { env: 'STAYSAIL_WORKERS', fallback: '2', kind: 'int', help: 'workers per controller' },
  qps: { env: 'STAYSAIL_KUBE_QPS', fallback: '20', kind: 'int', help: 'Kubernetes API requests per second, sustained' },
  burst: { env: 'STAYSAIL_KUBE_BURST', fallback: '40', kind: 'int', help: 'Kubernetes API requests allowed in a burst' },
  'health-addr': { env: 'STAYSAIL_HEALTH_ADDR', fallback: ':8081', kind: 'addr', help: 'where /healthz, /livez, /readyz and /debug/caches are served, on every replica' },
  'metrics-addr': { env: 'STAYSAIL_METRICS_ADDR', fallback: ':8080', kind: 'addr', help: 'where /metrics is served, on every replica; empty: not served' },
  'leader-elect': { env: 'STAYSAIL_LEADER_ELECT', fallback: 'false', kind: 'bool', help: 'elect one reconciling process through a Lease (run several replicas)' },
  'leader-election-namespace': { env: 'POD_NAMESPACE', fallback: 'default', kind: 'string', help: 'namespace of the leader Lease' },
  'leader-election-id': { env: 'STAYSAIL_LEADER_ELECTION_ID', fallback: 'staysail-operator', kind: 'string', help: 'name of the leader Lease' },
  'log-level': { env: 'STAYSAIL_LOG_LEVEL', fallback: 'info', kind: 'string', help: 'debug, info, warn or error' },
};

export const optionsHelp = `staysail operator\n\n${Object.entries(flags).map(([name, f]) =>
  `  --${name.padEnd(26)} ${f.help} (env ${f.env}; default ${JSON.stringify(f.fallback)})`).join('\n')}\n  --help                       this text\n`;

export class OptionsError extends Error {}

/** Reads flags, then the environment, then defaults; throws OptionsError naming the bad flag. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): OperatorOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(Object.keys(flags).map((name) => [name, { type: 'string' as const }])),
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new OptionsError(`${(err as Error).message}\n\n${optionsHelp}`);
  }
  if (values.help) return 'help';
  const raw = (name: string) => {
    const v = values[name];
    return typeof v === 'string' ? v : env[flags[name]!.env] ?? flags[name]!.fallback;
  };
  const int = (name: string, min: number) => {
    const v = raw(name);
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min) throw new OptionsError(`--${name} "${v}" must be a whole number of at least ${min}`);
    return n;
  };
  const bool = (name: string) => {
    const v = raw(name);
    if (v !== 'true' && v !== 'false') throw new OptionsError(`--${name} "${v}" must be true or false`);
    return v === 'true';
  };
  const addr = (name: string, allowEmpty: boolean) => {
    const v = raw(name);
    if (v === '' && allowEmpty) return v;
    try { parseAddress(v); } catch (err) { throw new OptionsError(`--${name}: ${(err as Error).message}`); }
    return v;
  };
  const level = raw('log-level');
  if (!isLogLevel(level)) throw new OptionsError(`--log-level "${level}" must be one of debug, info, warn, error`);
  return {
    kubeconfig: raw('kubeconfig'),
    namespaces: raw('namespaces').split(',').map((s) => s.trim()).filter(Boolean),
    workers: int('workers', 1),
    qps: int('qps', 1),
    burst: int('burst', 1),
    healthAddr: addr('health-addr', false),
    metricsAddr: addr('metrics-addr', true),
    leaderElect: bool('leader-elect'),
    leaderElectionNamespace: raw('leader-election-namespace'),
    leaderElectionId: raw('leader-election-id'),
    logLevel: level,
  };
}
