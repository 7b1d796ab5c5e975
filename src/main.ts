// The Staysail operator process: reads its options, connects to the Kubernetes API named by the
// kubeconfig, fills its caches and serves /healthz, /readyz, /debug/caches, the webhook triggers and /metrics, runs every
// controller (once elected leader, with --leader-elect=true), and stops cleanly on SIGTERM or SIGINT.
// A leader that loses its Lease exits 1, to restart as a standby.
import { KubeConfig } from '@kubernetes/client-node';
import { realClock } from './core/clock.ts';
import type { KubeClient } from './core/kube-client.ts';
import { createLogger } from './core/logger.ts';
import { Manager } from './core/manager.ts';
import { optionsHelp, OptionsError, parseOptions } from './core/options.ts';
import { registerControllers } from './controllers/index.ts';
import { AwsProvider } from './providers/aws/provider.ts';
import { AzureProvider } from './providers/azure/provider.ts';
import { GceProvider } from './providers/gce/provider.ts';
import { KubernetesProvider } from './providers/kubernetes/provider.ts';
import { ProviderRegistry } from './providers/registry.ts';
import { registerTriggerRoutes } from './triggers/routes.ts';
import { resources } from './api/v1alpha1/index.ts';
import type { Pipeline } from './triggers/fire.ts';

/** Every provider this operator offers, and how to drop their clients on stop. */
function providers(client: KubeClient): { registry: ProviderRegistry; close(): void } {
  const aws = new AwsProvider(client);
  // Its compute clients load on an Account's first call, so an operator without GCE Accounts pays nothing for it.
  const gce = new GceProvider(client);
  // Likewise its compute, network and identity packages, imported on an Azure Account's first call.
  const azure = new AzureProvider(client);
  return { registry: new ProviderRegistry().register(new KubernetesProvider(client, realClock)).register(aws).register(gce).register(azure),
    close: () => { aws.close(); gce.close(); azure.close(); } };
}

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
  if (!kc.getCurrentCluster()?.server) {
    log.error('the kubeconfig names no cluster: pass --kubeconfig or set KUBECONFIG', { kubeconfig: options.kubeconfig || '(default)' });
    return 1;
  }

  const manager = new Manager({ kubeConfig: kc, options, clock: realClock, log });
  const clouds = providers(manager.client);
  registerControllers(manager, clouds.registry);
  registerTriggerRoutes(manager.router, { pipelines: manager.informer<Pipeline>(resources.pipeline), client: manager.client, clock: realClock, log });
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    void manager.leadershipLost.then(() => resolve('lost the leader Lease'));
  });
  await manager.start();
  const why = await stopped;
  log.info('stopping', { why });
  await manager.stop().finally(() => clouds.close());
  log.info('stopped');
  return why === 'lost the leader Lease' ? 1 : 0;
}

process.exit(await main());
