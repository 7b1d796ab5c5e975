// An in-process manager against the shared cluster, watching one namespace, for the core suites.
import { realClock, type Clock } from '../../../src/core/clock.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { Manager } from '../../../src/core/manager.ts';
import { parseOptions, type OperatorOptions } from '../../../src/core/options.ts';
import { sharedCluster } from '../../support/setup.ts';

/** clock: a suite that moves time (an offset real clock) gives its own. */
export function testManager(namespace: string, overrides: Partial<OperatorOptions> = {}, clock: Clock = realClock): Manager {
  const options = { ...(parseOptions([], {}) as OperatorOptions), namespaces: [namespace], healthAddr: '127.0.0.1:0',
    metricsAddr: '127.0.0.1:0', workers: 4, ...overrides };
  return new Manager({ kubeConfig: sharedCluster().kubeConfig(), options, clock, log: createLogger({ level: (process.env.TEST_LOG_LEVEL ?? 'error') as 'error' }) });
}
