// The operator's flags, each with an environment variable for when flags are awkward (a Helm chart).
import { parseArgs } from 'node:util';
import { isLogLevel, type LogLevel } from './logger.ts';
import { parseAddress } from './health-server.ts';

export interface OperatorOptions {
  /** Path of a kubeconfig; empty means the default chain (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig: string;
  /** host:port of /healthz and /readyz. */
  healthAddr: string;
  logLevel: LogLevel;
}

export const optionsHelp = `staysail operator

  --kubeconfig PATH     kubeconfig to use (env KUBECONFIG; default: ~/.kube/config or in-cluster)
  --health-addr ADDR    where /healthz and /readyz are served (env STAYSAIL_HEALTH_ADDR; default :8081)
  --log-level LEVEL     debug, info, warn or error (env STAYSAIL_LOG_LEVEL; default info)
  --help                this text
`;

export class OptionsError extends Error {}

/** Reads flags, then the environment, then defaults; throws OptionsError naming the bad flag. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): OperatorOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        'health-addr': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new OptionsError(`${(err as Error).message}\n\n${optionsHelp}`);
  }
  if (values.help) return 'help';
  const pick = (flag: string, envName: string, fallback: string) => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[envName] ?? fallback;
  };
  const options: OperatorOptions = {
    kubeconfig: pick('kubeconfig', 'KUBECONFIG', ''),
    healthAddr: pick('health-addr', 'STAYSAIL_HEALTH_ADDR', ':8081'),
    logLevel: 'info',
  };
  const level = pick('log-level', 'STAYSAIL_LOG_LEVEL', 'info');
  if (!isLogLevel(level)) throw new OptionsError(`--log-level "${level}" must be one of debug, info, warn, error`);
  options.logLevel = level;
  try { parseAddress(options.healthAddr); } catch (err) { throw new OptionsError(`--health-addr: ${(err as Error).message}`); }
  return options;
}
