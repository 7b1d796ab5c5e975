// The Staysail operator process: reads its options, connects to the Kubernetes API named by the
// kubeconfig, serves /healthz and /readyz, and stops cleanly on SIGTERM or SIGINT.
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { startHealthServer } from './core/health-server.ts';
import { createLogger } from './core/logger.ts';
import { optionsHelp, OptionsError, parseOptions } from './core/options.ts';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof OptionsError) { process.stderr.write(`${err.message}\n`); return 2; }
    throw err;
  }
  if (options === 'help') { process.stdout.write(optionsHelp); return 0; }

  const log = createLogger({ level: options.logLevel });
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    log.error('cannot read the kubeconfig', { kubeconfig: options.kubeconfig || '(default)', error: err });
    return 1;
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) {
    log.error('the kubeconfig names no cluster: pass --kubeconfig or set KUBECONFIG', { kubeconfig: options.kubeconfig || '(default)' });
    return 1;
  }

  let connected = false;
  let stopping = false;
  const health = await startHealthServer(options.healthAddr, {
    healthz: { process: () => !stopping },
    readyz: { apiserver: () => connected && !stopping },
  });
  log.info('serving health probes', { address: health.address });

  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });

  // Connect with capped back-off; keep serving /healthz meanwhile so a slow API server does not kill the pod.
  const version = kc.makeApiClient(VersionApi);
  void (async () => {
    for (let delay = 500; !stopping; delay = Math.min(delay * 2, 30_000)) {
      try {
        const info = await version.getCode();
        connected = true;
        log.info('connected to the Kubernetes API', { server, version: info.gitVersion });
        return;
      } catch (err) {
        log.warn('cannot reach the Kubernetes API; retrying', { server, error: err, retryInMs: delay });
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  })();

  const signal = await stopped;
  stopping = true;
  log.info('stopping', { signal });
  await health.close();
  log.info('stopped');
  return 0;
}

process.exit(await main());
