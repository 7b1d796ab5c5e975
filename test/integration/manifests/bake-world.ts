// What the bake integration tests share beside test/support/bake.ts: a real PipelineRun to own what a
// bake keeps (the garbage collector deletes a dependent whose owner does not exist), and a bake pass.
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { realClock } from '../../../src/core/clock.ts';
import type { KubeClient, KubeObject } from '../../../src/core/kube-client.ts';
import { bakeManifestStage } from '../../../src/pipeline/stages/bake-manifest.ts';
import type { StageOutcome, StageRun } from '../../../src/pipeline/stages/stage-type.ts';
import { installCrds } from '../../support/crds.ts';
import { sharedCluster } from '../../support/setup.ts';
export { fixture, folderConfigMap, helmBinary, kustomizeBinary, withRenderers } from '../../support/bake.ts';
import { newRecord } from './passes.ts';

const configMaps = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true } as const;

/** Creates (or replaces) a ConfigMap in ns. */
export async function putConfigMap(client: KubeClient, ns: string, cm: KubeObject): Promise<void> {
  await client.delete(configMaps, ns, cm.metadata.name).catch(() => undefined);
  await client.create(configMaps, { ...cm, metadata: { ...cm.metadata, namespace: ns } });
}

/** A real PipelineRun in ns (nothing runs it here): the owner of what the bake keeps. */
export async function ownerRun(client: KubeClient, ns: string, name: string): Promise<KubeObject> {
  await installCrds(sharedCluster().kubeconfigPath);
  return client.create(resources.pipelineRun, { metadata: { name, namespace: ns }, spec: { pipelineRef: { name: 'bake' } } } as KubeObject);
}

/** The StageRun of a bakeManifest stage "bake" of run with this block. */
export const bakeStageRun = (client: KubeClient, run: KubeObject, block: Record<string, unknown>, refId = 'bake'): StageRun => ({
  run, stage: { refId, type: 'bakeManifest' }, config: block, record: newRecord('bakeManifest'), scope: {} as StageRun['scope'], clock: realClock, client,
  resolveAccount: () => { throw new Error('bakeManifest needs no Account'); },
  log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as StageRun['log'],
} as unknown as StageRun);

/** One pass of a bakeManifest stage "bake" of run with this block. */
export const bakePass = (client: KubeClient, run: KubeObject, block: Record<string, unknown>, refId = 'bake'): Promise<StageOutcome> =>
  bakeManifestStage.execute(bakeStageRun(client, run, block, refId));
