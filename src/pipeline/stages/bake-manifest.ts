// bakeManifest: renders a Helm chart (helm template) or a Kustomize overlay (kustomize build) into
// manifests, in a work folder of its own that is removed afterwards, and keeps them in a ConfigMap
// the run owns (bake/output.ts); deployManifest's manifestsFrom.stage deploys them. All of it is one
// pass: a pass repeated after a crash renders again and finds the ConfigMap already holding the same
// manifests, or rewrites it (a chart with random values renders anew), and the outputs say which.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BakeManifestBlock } from '../../api/v1alpha1/stages/bake-manifest.ts';
import { ApiError, isTransientApiError } from '../../core/errors.ts';
import { BakeError } from './manifests/bake/errors.ts';
import { bakeKey, storeBake, summarize, type BakeOutputs } from './manifests/bake/output.ts';
import { bakeHelm, bakeKustomize, chartName, overlayName } from './manifests/bake/renderers.ts';
import type { StageOutcome, StageRun, StageType } from './stage-type.ts';

const failed = (s: StageRun, message: string): StageOutcome => ({ status: 'FAILED', final: true, message: `bakeManifest "${s.stage.refId}": ${message}` });

/** The rendered YAML of the stage's chart or overlay, made in workDir. */
const render = (s: StageRun, c: BakeManifestBlock, workDir: string) =>
  c.templateRenderer === 'helm' ? bakeHelm(s, c.helm!, workDir) : bakeKustomize(s, c.kustomize!, workDir);

const describe = (c: BakeManifestBlock) => c.templateRenderer === 'helm' ? chartName(c.helm!) : overlayName(c.kustomize!);

export const bakeManifestStage: StageType = {
  type: 'bakeManifest',
  retryable: true,
  defaultTimeoutMs: 10 * 60_000,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as BakeManifestBlock;
    const workDir = await mkdtemp(join(tmpdir(), 'staysail-bake-'));
    try {
      const text = await render(s, c, workDir);
      let summary: ReturnType<typeof summarize>;
      try {
        summary = summarize(text);
      } catch (err) {
        if (err instanceof BakeError) throw new BakeError(`${describe(c)}: ${err.message}`);
        throw err;
      }
      const configMap = await storeBake(s, text, summary.sha256);
      const outputs: BakeOutputs = { configMap, key: bakeKey, sha256: summary.sha256, objects: summary.objects };
      return { status: 'SUCCEEDED', message: `rendered ${summary.objects.length} object${summary.objects.length === 1 ? '' : 's'} into ConfigMap ${configMap}`,
        outputs: outputs as unknown as Record<string, unknown> };
    } catch (err) {
      if (err instanceof BakeError) return failed(s, err.message);
      // A refusal no retry helps (403: the operator may not read or write ConfigMaps here) fails the stage; the rest is retried.
      if (err instanceof ApiError && !isTransientApiError(err)) return failed(s, err.message);
      if (err instanceof ApiError) throw new ApiError(err.status, err.reason, `bakeManifest "${s.stage.refId}": ${err.message}`, err.body);
      throw err;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  },
};
