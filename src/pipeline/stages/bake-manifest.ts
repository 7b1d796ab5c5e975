// bakeManifest: renders a Helm chart (helm template) or a Kustomize overlay (kustomize build) into
// manifests, in a work folder of its own that is removed afterwards, and keeps them in a ConfigMap
// the run owns (bake/output.ts); deployManifest's manifestsFrom.stage deploys them. All of it is one
// pass: a pass repeated after a crash renders again and finds the ConfigMap already holding the same
// manifests, or rewrites it (a chart with random values renders anew), and the outputs say which.
// A cancel stops the download or the renderer under way, and a bake whose run was canceled meanwhile
// keeps nothing.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resources } from '../../api/v1alpha1/index.ts';
import type { PipelineRunSpec, PipelineRunStatus } from '../../api/v1alpha1/pipeline-run.ts';
import type { BakeManifestBlock } from '../../api/v1alpha1/stages/bake-manifest.ts';
import { ApiError, isTransientApiError } from '../../core/errors.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { isCancelRequested } from '../run/facts.ts';
import { BakeError } from './manifests/bake/errors.ts';
import { bakeKey, maxListedObjects, storeBake, summarize, type BakeOutputs } from './manifests/bake/output.ts';
import { bakeHelm, bakeKustomize, chartName, naming, overlayName } from './manifests/bake/renderers.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

const failed = (s: StageRun, message: string): StageOutcome => ({ status: 'FAILED', final: true, message: `bakeManifest "${s.stage.refId}": ${message}` });

/** The work folders' prefix in the temp folder. */
const workPrefix = 'staysail-bake-';
/** A work folder older than this is left from an operator that stopped mid-bake (a bake takes minutes at most): removed. */
export const staleWorkMs = 15 * 60_000;

/** Removes the work folders of bakes an operator did not finish (it crashed or was killed); each bake removes its own. */
export async function removeStaleWorkDirs(root = tmpdir(), now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of (await readdir(root).catch(() => [] as string[])).filter((n) => n.startsWith(workPrefix))) {
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory() || now - info.mtimeMs < staleWorkMs) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/** The bakes under way in this process, by run uid and stage, so cancel can stop one. */
const inFlight = new Map<string, AbortController>();
const bakeId = (s: StageRun) => `${s.run.metadata.uid ?? s.run.metadata.name}/${s.stage.refId}`;

/** The rendered YAML of the stage's chart or overlay, made in workDir. */
const render = (s: StageRun, c: BakeManifestBlock, workDir: string, signal: AbortSignal) =>
  c.templateRenderer === 'helm' ? bakeHelm(s, c.helm!, workDir, signal) : bakeKustomize(s, c.kustomize!, workDir, signal);

const describe = (c: BakeManifestBlock) => c.templateRenderer === 'helm' ? chartName(c.helm!) : overlayName(c.kustomize!);

/** Whether the run, as the API server has it now, was canceled while the bake rendered. */
async function canceledMeanwhile(s: StageRun): Promise<boolean> {
  const live = await s.client.get<KubeObject & { spec?: PipelineRunSpec; status?: PipelineRunStatus }>(resources.pipelineRun, s.run.metadata.namespace!, s.run.metadata.name);
  return isCancelRequested(live.spec, live.status);
}

export const bakeManifestStage: StageType = {
  type: 'bakeManifest',
  retryable: true,
  defaultTimeoutMs: 10 * 60_000,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as BakeManifestBlock;
    await removeStaleWorkDirs();
    const workDir = await mkdtemp(join(tmpdir(), workPrefix));
    const controller = new AbortController();
    inFlight.get(bakeId(s))?.abort();
    inFlight.set(bakeId(s), controller);
    try {
      const text = await render(s, c, workDir, controller.signal);
      const summary = await naming(describe(c), async () => summarize(text));
      if (controller.signal.aborted || await canceledMeanwhile(s)) return failed(s, 'the run was canceled while the bake rendered; its manifests were not kept');
      const configMap = await storeBake(s, text, summary.sha256);
      const outputs: BakeOutputs = { configMap, key: bakeKey, sha256: summary.sha256, objectCount: summary.objects.length,
        objects: summary.objects.slice(0, maxListedObjects) };
      return { status: 'SUCCEEDED', message: `rendered ${summary.objects.length} object${summary.objects.length === 1 ? '' : 's'} into ConfigMap ${configMap}`,
        outputs: outputs as unknown as Record<string, unknown> };
    } catch (err) {
      if (err instanceof BakeError) return failed(s, err.message);
      // A refusal no retry helps (403: the operator may not read or write ConfigMaps here) fails the stage; the rest is retried.
      if (err instanceof ApiError && !isTransientApiError(err)) return failed(s, err.message);
      if (err instanceof ApiError) throw new ApiError(err.status, err.reason, `bakeManifest "${s.stage.refId}": ${err.message}`, err.body);
      throw err;
    } finally {
      if (inFlight.get(bakeId(s)) === controller) inFlight.delete(bakeId(s));
      await rm(workDir, { recursive: true, force: true });
    }
  },
  /** Stops the download or renderer of this stage's bake under way here; what it rendered is not kept. */
  async cancel(s) {
    inFlight.get(bakeId(s))?.abort();
  },
};
