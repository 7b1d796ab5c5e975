// The two bakes: each writes its inputs into the stage's work folder and runs its renderer there,
// giving the rendered YAML. Every message names what was rendered (the chart or the overlay).
import { join } from 'node:path';
import type { BakeManifestBlock } from '../../../../api/v1alpha1/stages/bake-manifest.ts';
import type { StageRun } from '../../stage-type.ts';
import { BakeError } from './errors.ts';
import { filesOf, folderSeparator, writeFiles, type BakeFile } from './files.ts';
import { helmTemplateArgs } from './helm.ts';
import { readBasicAuth, readConfigMap, readConfigMapKey } from './inputs.ts';
import { kustomizeBuildArgs } from './kustomize.ts';
import { findRenderer, helmRenderer, kustomizeRenderer, renderEnv, runRenderer } from './render.ts';
import { fetchChart } from './repository.ts';

type HelmBlock = NonNullable<BakeManifestBlock['helm']>;
type KustomizeBlock = NonNullable<BakeManifestBlock['kustomize']>;

/** A BakeError's message prefixed with what was being rendered. */
export async function naming<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof BakeError) throw new BakeError(`${what}: ${err.message}`);
    throw err;
  }
}

/** What a helm bake renders, for messages. */
export function chartName(h: HelmBlock): string {
  const r = h.chartFrom.repository;
  return r ? `chart "${r.chart}" ${r.version} from ${r.url}` : `chart in ConfigMap "${h.chartFrom.configMapRef!.name}"`;
}

/** The chart as files in the work folder, and the path helm template is given. */
async function chartFiles(s: StageRun, h: HelmBlock, signal?: AbortSignal): Promise<{ files: BakeFile[]; chart: string }> {
  const repo = h.chartFrom.repository;
  if (repo) {
    const auth = repo.credentialsSecretRef
      ? await readBasicAuth(s, repo.credentialsSecretRef.name, 'helm.chartFrom.repository.credentialsSecretRef', repo.url) : undefined;
    return { files: [{ path: 'chart.tgz', content: await fetchChart(repo, auth, signal) }], chart: 'chart.tgz' };
  }
  const name = h.chartFrom.configMapRef!.name;
  const cm = await readConfigMap(s, name, 'helm.chartFrom.configMapRef');
  const keys = [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})];
  // A chart kept as its files may hold packaged dependencies (charts__dep-1.0.0.tgz): only a top-level
  // .tgz, with no Chart.yaml beside it, is the chart itself.
  const packaged = Object.keys(cm.binaryData ?? {}).filter((k) => k.endsWith('.tgz') && !k.includes(folderSeparator));
  if (!keys.includes('Chart.yaml')) {
    if (packaged.length > 1) throw new BakeError(`ConfigMap "${name}" holds ${packaged.length} packaged charts (${packaged.join(', ')}); keep one`);
    if (packaged.length === 1) {
      return { files: [{ path: 'chart.tgz', content: Buffer.from(cm.binaryData![packaged[0]!]!, 'base64') }], chart: 'chart.tgz' };
    }
  }
  const files = filesOf(cm, 'chart');
  if (!files.some((f) => f.path === 'chart/Chart.yaml')) {
    throw new BakeError(`ConfigMap "${name}" holds neither a packaged chart (a binaryData key ending .tgz) nor a Chart.yaml key; it has ${files.map((f) => f.path.slice(6)).join(', ') || 'no keys'}`);
  }
  return { files, chart: 'chart' };
}

/** helm template of the stage's chart, values and overrides. */
export function bakeHelm(s: StageRun, h: HelmBlock, workDir: string, signal?: AbortSignal): Promise<string> {
  const what = chartName(h);
  return naming(what, async () => {
    const binary = findRenderer(helmRenderer);
    const { files, chart } = await chartFiles(s, h, signal);
    const valuesFiles: BakeFile[] = [];
    for (const [i, v] of (h.valuesFrom ?? []).entries()) {
      const text = await readConfigMapKey(s, v.configMapRef.name, v.key, `helm.valuesFrom[${i}]`);
      valuesFiles.push({ path: `values-${i}.yaml`, content: Buffer.from(text, 'utf8') });
    }
    // JSON is YAML: the inline values go last, over the files'.
    if (h.values) valuesFiles.push({ path: 'values-inline.yaml', content: Buffer.from(JSON.stringify(h.values), 'utf8') });
    await writeFiles(workDir, [...files, ...valuesFiles]);
    const args = helmTemplateArgs({ releaseName: h.releaseName, chart, namespace: h.namespace ?? s.run.metadata.namespace!,
      valuesFiles: valuesFiles.map((f) => f.path), overrides: h.overrides, rawOverrides: h.rawOverrides, includeCRDs: h.includeCRDs,
      apiVersions: h.apiVersions, kubeVersion: h.kubeVersion });
    return runRenderer({ binary, args, cwd: workDir, env: renderEnv(workDir, false), what: 'helm template', signal });
  });
}

/** What a kustomize bake renders, for messages. */
export const overlayName = (k: KustomizeBlock) => `overlay ${k.path ?? '.'} (ConfigMap${k.filesFrom.length > 1 ? 's' : ''} ${k.filesFrom.map((f) => `"${f.configMapRef.name}"`).join(', ')})`;

/** What kustomize says when an overlay names a git base: the operator runs no git, network or not. */
const noGit = /no 'git' program on path/;
const noGitAdvice = 'git remote bases are not supported (the operator has no git): keep the base in a ConfigMap of filesFrom; allowNetwork fetches HTTP(S) resources only';

/** kustomize build of the stage's overlay. */
export function bakeKustomize(s: StageRun, k: KustomizeBlock, workDir: string, signal?: AbortSignal): Promise<string> {
  return naming(overlayName(k), async () => {
    const binary = findRenderer(kustomizeRenderer);
    const files: BakeFile[] = [];
    for (const [i, from] of k.filesFrom.entries()) {
      files.push(...filesOf(await readConfigMap(s, from.configMapRef.name, `kustomize.filesFrom[${i}].configMapRef`), join('tree', from.path ?? '.')));
    }
    await writeFiles(workDir, files);
    try {
      return await runRenderer({ binary, args: kustomizeBuildArgs(join('tree', k.path ?? '.')), cwd: workDir, env: renderEnv(workDir, k.allowNetwork === true),
        what: 'kustomize build', signal });
    } catch (err) {
      if (err instanceof BakeError && noGit.test(err.message)) throw new BakeError(`${err.message}; ${noGitAdvice}`);
      throw err;
    }
  });
}
