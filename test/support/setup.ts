// Mocha global fixture for the integration and e2e suites: one local control plane for the whole run,
// stopped at the end (and by the watchdog should the runner die).
import { LocalCluster } from '../cluster/cluster.ts';
import { Moto } from './moto.ts';

let cluster: LocalCluster | undefined;
let moto: Promise<Moto> | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  cluster = await LocalCluster.start({ nodes: 3 });
}

export async function mochaGlobalTeardown(): Promise<void> {
  await (await moto?.catch(() => undefined))?.stop();
  await cluster?.stop();
}

/** The moto server the AWS suites share, started by the first to ask; each suite resets it as it needs. */
export function sharedMoto(): Promise<Moto> {
  moto ??= Moto.start();
  return moto;
}

/** The cluster every integration and e2e suite shares. */
export function sharedCluster(): LocalCluster {
  if (!cluster) throw new Error('the local cluster is not running: run these suites with --require test/support/setup.ts');
  return cluster;
}

/** When a test fails, the tail of every component's log, to tell a controller bug from a cluster problem. */
export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    if (this.currentTest?.state === 'failed' && cluster) process.stderr.write(`\n${cluster.logTails(15)}\n`);
  },
};
