// bakeManifest with the real helm against the local control plane: a chart kept in a ConfigMap as
// its files or packaged, and one served by a chart repository on 127.0.0.1 (a plain HTTP server with
// the index.yaml and .tgz helm package and helm repo index made), rendered into the run's ConfigMap;
// values files, inline values and --set-string overrides in order (--set with rawOverrides); a packaged
// dependency beside the chart's files; helm's own message when a template fails, and the template of a
// document that is not an object; the size limit and the outputs' bound; a repeated pass keeping what
// the first stored or rewriting what renders anew; ConfigMaps not its own refused; a cancel keeping
// nothing; a ConfigMap the operator may not read named by its field; repository credentials bound
// to their repository, and 5xx left to a retry; and deployManifest reading the bake.
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { realClock } from '../../../src/core/clock.ts';
import { ApiError, isTransientApiError } from '../../../src/core/errors.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { deployManifestStage } from '../../../src/pipeline/stages/deploy-manifest.ts';
import type { StageRun } from '../../../src/pipeline/stages/stage-type.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { freshNamespace, namespaces } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { bakeManifestStage } from '../../../src/pipeline/stages/bake-manifest.ts';
import { ownerReference } from '../../../src/pipeline/stages/children.ts';
import { bakeConfigMapName, sha256Of } from '../../../src/pipeline/stages/manifests/bake/output.ts';
import { waitFor } from '../../cluster/probe.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { bakePass, bakeStageRun, fixture, folderConfigMap, helmBinary, ownerRun, putConfigMap, withRenderers } from './bake-world.ts';
import { newRecord } from './passes.ts';

const run = promisify(execFile);
const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
type ConfigMap = KubeObject & { data?: Record<string, string> };

/** A chart repository on 127.0.0.1 serving dir, asking for basic auth when given a password. */
function chartRepository(dir: string, auth?: { username: string; password: string }) {
  const requests: { path: string; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url!, authorization: req.headers.authorization });
    const expected = auth && `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (expected && req.headers.authorization !== expected) { res.writeHead(401, { 'www-authenticate': 'Basic' }).end(); return; }
    readFile(join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/charts\//, '')))
      .then((body) => res.writeHead(200).end(body), () => res.writeHead(404).end());
  });
  return { server, requests, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts` };
}

describe('the bakeManifest stage with helm', function () {
  this.timeout(120_000);
  withRenderers();
  let client: KubeClient;
  let ns: string;
  let owner: KubeObject;
  let work: string;

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await freshNamespace(client);
    owner = await ownerRun(client, ns, 'release-1');
    work = await mkdtemp(join(tmpdir(), 'bake-helm-test-'));
    await putConfigMap(client, ns, await folderConfigMap('web-chart', fixture('charts/web')));
  });
  after(async () => {
    await client.delete(namespaces, undefined, ns).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const stored = (name: string) => client.get<ConfigMap>(configMaps, ns, name);
  const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as KubeObject & { data?: Record<string, string> }).filter(Boolean);
  const helmBlock = (helm: Record<string, unknown>) => ({ templateRenderer: 'helm', helm: { releaseName: 'web', chartFrom: { configMapRef: { name: 'web-chart' } }, ...helm } });

  it('renders a chart kept as its files, values files then inline values then overrides, into a ConfigMap the run owns', async () => {
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-values' },
      data: { 'prod.yaml': 'replicas: 3\ncolor: red\ngreeting: from-file\n' } } as KubeObject);
    const outcome = await bakePass(client, owner, helmBlock({ valuesFrom: [{ configMapRef: { name: 'web-values' }, key: 'prod.yaml' }],
      values: { color: 'green', image: { tag: 'v7' } }, overrides: { 'image.tag': 'v8', greeting: 'hi, there' } }));
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    const outputs = outcome.outputs as { configMap: string; key: string; sha256: string; objects: unknown[] };
    assert.equal(outputs.configMap, 'release-1-bake-manifests');
    assert.equal(outputs.key, 'manifests.yaml');
    assert.deepEqual(outputs.objects, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'web-config' }, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }],
      'the test hook and the CRD are left out');
    const cm = await stored(outputs.configMap);
    assert.deepEqual(cm.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['PipelineRun', 'release-1', owner.metadata.uid]]);
    assert.equal(cm.metadata.annotations?.['staysail.dev/manifests-sha256'], outputs.sha256);
    const [config, deployment] = docsOf(cm.data!['manifests.yaml']!);
    assert.deepEqual(config!.data, { color: 'green', greeting: 'hi, there', releaseNamespace: ns, kubeVersion: config!.data!.kubeVersion, shell: 'echo ${HOME}' },
      'inline values win over the file, overrides over both; a comma stays in its value');
    assert.equal((deployment!.spec as { replicas: number }).replicas, 3);
    assert.equal((deployment!.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image, 'shop/web:v8');
  });

  it('renders again to the same result and leaves the stored ConfigMap as it was', async () => {
    const block = helmBlock({ values: { color: 'green' } });
    const first = await bakePass(client, owner, block, 'again');
    const before = await stored('release-1-again-manifests');
    const second = await bakePass(client, owner, block, 'again');
    assert.equal(second.status, 'SUCCEEDED', second.message);
    assert.equal((second.outputs as { sha256: string }).sha256, (first.outputs as { sha256: string }).sha256);
    assert.equal((await stored('release-1-again-manifests')).metadata.resourceVersion, before.metadata.resourceVersion, 'not written again');
  });

  it('renders a packaged chart from binaryData, with its CRDs, API versions and Kubernetes version when asked', async () => {
    await run(helmBinary(), ['package', fixture('charts/web'), '--destination', work]);
    const tgz = await readFile(join(work, 'web-0.1.0.tgz'));
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-packaged' }, binaryData: { 'web-0.1.0.tgz': tgz.toString('base64') } } as KubeObject);
    const outcome = await bakePass(client, owner, { templateRenderer: 'helm', helm: { releaseName: 'pkg', namespace: 'elsewhere',
      chartFrom: { configMapRef: { name: 'web-packaged' } }, includeCRDs: true, apiVersions: ['monitoring.coreos.com/v1'], kubeVersion: '1.33.2' } }, 'packaged');
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.deepEqual((outcome.outputs as { objects: { kind: string; name: string }[] }).objects.map((o) => `${o.kind}/${o.name}`),
      ['CustomResourceDefinition/widgets.example.com', 'ConfigMap/pkg-config', 'ConfigMap/pkg-monitoring', 'Deployment/pkg']);
    const config = docsOf((await stored('release-1-packaged-manifests')).data!['manifests.yaml']!).find((d) => d.metadata.name === 'pkg-config')!;
    assert.equal(config.data!.kubeVersion, 'v1.33.2');
    assert.equal(config.data!.releaseNamespace, 'elsewhere');
  });

  it('fails with helm\'s own message when a template fails, naming the stage and the chart', async () => {
    const outcome = await bakePass(client, owner, helmBlock({ values: { color: null } }), 'broken');
    assert.equal(outcome.status, 'FAILED');
    assert.match(outcome.message ?? '', /^bakeManifest "broken": chart in ConfigMap "web-chart": helm template failed: Error: .*values\.color is required: set color/);
    assert.equal((outcome as { final?: boolean }).final, true);
  });

  it('names the field of a ConfigMap that is not there, and refuses a rendering above the size limit', async () => {
    const missing = await bakePass(client, owner, helmBlock({ valuesFrom: [{ configMapRef: { name: 'nope' }, key: 'v.yaml' }] }), 'missing');
    assert.match(missing.message ?? '', /^bakeManifest "missing": chart in ConfigMap "web-chart": ConfigMap "nope" \(helm.valuesFrom\[0\]\) does not exist in namespace/);
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big-chart' }, data: {
      'Chart.yaml': 'apiVersion: v2\nname: big\nversion: 0.1.0\n',
      'templates__many.yaml': '{{- range $i := until 12000 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: "many-{{ $i }}" }\ndata: { padding: "0123456789012345678901234567890123456789" }\n{{- end }}\n' } } as KubeObject);
    const big = await bakePass(client, owner, { templateRenderer: 'helm', helm: { releaseName: 'big', chartFrom: { configMapRef: { name: 'big-chart' } } } }, 'big');
    assert.equal(big.status, 'FAILED');
    assert.match(big.message ?? '', /^bakeManifest "big": chart in ConfigMap "big-chart": the rendered manifests are \d+ KiB, above the 900 KiB a bake keeps/);
  });

  it('renders a chart kept as files with a packaged dependency (charts__dep-1.0.0.tgz) as that chart, not as the dependency', async () => {
    const dep = join(work, 'dep');
    await mkdir(join(dep, 'templates'), { recursive: true });
    await writeFile(join(dep, 'Chart.yaml'), 'apiVersion: v2\nname: dep\nversion: 1.0.0\n');
    await writeFile(join(dep, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: "{{ .Release.Name }}-dep" }\n');
    await run(helmBinary(), ['package', dep, '--destination', join(work, 'dep-out')]);
    const tgz = await readFile(join(work, 'dep-out', 'dep-1.0.0.tgz'));
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'with-dep' }, data: {
      'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: dep\n  version: 1.0.0\n',
      'templates__cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: "{{ .Release.Name }}-app" }\n' },
    binaryData: { 'charts__dep-1.0.0.tgz': tgz.toString('base64') } } as KubeObject);
    const outcome = await bakePass(client, owner, { templateRenderer: 'helm', helm: { releaseName: 'r', chartFrom: { configMapRef: { name: 'with-dep' } } } }, 'with-dep');
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.deepEqual((outcome.outputs as { objects: { name: string }[] }).objects.map((o) => o.name).sort(), ['r-app', 'r-dep']);
  });

  it('passes overrides as strings, as Spinnaker does, unless rawOverrides', async () => {
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typed' }, data: {
      'Chart.yaml': 'apiVersion: v2\nname: typed\nversion: 0.1.0\n',
      'templates__cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: typed }\ndata: { tag: {{ kindOf .Values.tag | quote }} }\n' } } as KubeObject);
    const typed = (raw?: boolean) => ({ templateRenderer: 'helm', helm: { releaseName: 'r', chartFrom: { configMapRef: { name: 'typed' } }, overrides: { tag: '10' },
      ...(raw === undefined ? {} : { rawOverrides: raw }) } });
    const kindOf = async (refId: string) => docsOf((await stored(bakeConfigMapName('release-1', refId))).data!['manifests.yaml']!)[0]!.data!.tag;
    assert.equal((await bakePass(client, owner, typed(), 'as-string')).status, 'SUCCEEDED');
    assert.equal(await kindOf('as-string'), 'string', 'a tag 10 stays "10"');
    assert.equal((await bakePass(client, owner, typed(true), 'as-yaml')).status, 'SUCCEEDED');
    assert.equal(await kindOf('as-yaml'), 'int64');
  });

  it('names the template of a rendered document that is not a Kubernetes object', async () => {
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-object' }, data: {
      'Chart.yaml': 'apiVersion: v2\nname: odd\nversion: 0.1.0\n',
      'templates__ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n', 'templates__odd.yaml': 'kind: Odd\n' } } as KubeObject);
    const outcome = await bakePass(client, owner, { templateRenderer: 'helm', helm: { releaseName: 'r', chartFrom: { configMapRef: { name: 'not-object' } } } }, 'odd');
    assert.equal(outcome.status, 'FAILED');
    assert.match(outcome.message ?? '', /^bakeManifest "odd": chart in ConfigMap "not-object": the rendered output: document \d \(odd\/templates\/odd.yaml\) is not a Kubernetes object: it needs apiVersion, kind and metadata.name$/);
  });

  it('lists the first 100 objects in its outputs and counts them all', async () => {
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'many' }, data: {
      'Chart.yaml': 'apiVersion: v2\nname: many\nversion: 0.1.0\n',
      'templates__many.yaml': '{{- range $i := until 150 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: "many-{{ $i }}" }\n{{- end }}\n' } } as KubeObject);
    const outcome = await bakePass(client, owner, { templateRenderer: 'helm', helm: { releaseName: 'r', chartFrom: { configMapRef: { name: 'many' } } } }, 'many');
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    const outputs = outcome.outputs as { objectCount: number; objects: { name: string }[] };
    assert.equal(outputs.objectCount, 150);
    assert.equal(outputs.objects.length, 100);
    assert.equal(outputs.objects[99]!.name, 'many-99');
  });

  it('rewrites its ConfigMap when a repeated pass renders differently, and says the new sha256', async () => {
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'random' }, data: {
      'Chart.yaml': 'apiVersion: v2\nname: random\nversion: 0.1.0\n',
      'templates__secret.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: random }\ndata: { token: {{ randAlphaNum 32 | quote }} }\n' } } as KubeObject);
    const block = { templateRenderer: 'helm', helm: { releaseName: 'r', chartFrom: { configMapRef: { name: 'random' } } } };
    const first = await bakePass(client, owner, block, 'random');
    const second = await bakePass(client, owner, block, 'random');
    assert.equal(second.status, 'SUCCEEDED', second.message);
    const [a, b] = [first, second].map((o) => (o.outputs as { sha256: string }).sha256);
    assert.notEqual(a, b);
    const cm = await stored(bakeConfigMapName('release-1', 'random'));
    assert.equal(cm.metadata.annotations?.['staysail.dev/manifests-sha256'], b);
    assert.equal(sha256Of(cm.data!['manifests.yaml']!), b, 'the ConfigMap holds what the second pass rendered');
  });

  it('refuses a ConfigMap of its name that the run did not make, or made for another stage, and leaves it as it was', async () => {
    const block = helmBlock({});
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'release-1-squat-manifests' }, data: { keep: 'me' } } as KubeObject);
    const squatted = await bakePass(client, owner, block, 'squat');
    assert.equal(squatted.status, 'FAILED');
    assert.equal(squatted.message, 'bakeManifest "squat": ConfigMap release-1-squat-manifests exists but was not made by this run; delete it, then restart the stage');
    assert.deepEqual((await stored('release-1-squat-manifests')).data, { keep: 'me' });

    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'release-1-shared-manifests', ownerReferences: [ownerReference(owner)],
      labels: { 'staysail.dev/stage': 'Shared' } }, data: { keep: 'me' } } as KubeObject);
    const other = await bakePass(client, owner, block, 'shared');
    assert.equal(other.message, 'bakeManifest "shared": ConfigMap release-1-shared-manifests exists but was made by this run for stage "Shared" (label staysail.dev/stage); delete it, then restart the stage');
    assert.deepEqual((await stored('release-1-shared-manifests')).data, { keep: 'me' });
  });

  it('keeps nothing when the run is canceled while it renders: the renderer is stopped, or the cancel is seen before it stores', async () => {
    const slow = join(work, 'slow-helm');
    const marker = join(work, 'slow-helm-started');
    await writeFile(slow, `#!/bin/sh\n: > ${marker}\nexec /bin/sleep 60\n`, { mode: 0o755 });
    const saved = process.env.STAYSAIL_HELM;
    process.env.STAYSAIL_HELM = slow;
    try {
      const stageRun = bakeStageRun(client, owner, helmBlock({}), 'canceled');
      const pass = bakeManifestStage.execute(stageRun);
      await waitFor(async () => (await readdir(work)).includes('slow-helm-started'), 10_000, () => 'the renderer did not start');
      const started = Date.now();
      await bakeManifestStage.cancel!(stageRun);
      const outcome = await pass;
      assert.ok(Date.now() - started < 10_000, 'the renderer was stopped, not waited for');
      assert.equal(outcome.status, 'FAILED');
      assert.match(outcome.message ?? '', /^bakeManifest "canceled": (chart in ConfigMap "web-chart": helm template was stopped: the run was canceled|the run was canceled while the bake rendered)/);
    } finally {
      if (saved === undefined) delete process.env.STAYSAIL_HELM; else process.env.STAYSAIL_HELM = saved;
    }
    const canceledRun = await ownerRun(client, ns, 'release-2');
    await client.mergePatch(resources.pipelineRun, ns, 'release-2', { spec: { status: 'Canceled' } });
    const outcome = await bakePass(client, canceledRun, helmBlock({}), 'canceled');
    assert.equal(outcome.message, 'bakeManifest "canceled": the run was canceled while the bake rendered; its manifests were not kept');
    for (const name of ['release-1-canceled-manifests', 'release-2-canceled-manifests']) {
      await assert.rejects(stored(name), (err: Error) => err instanceof ApiError && err.status === 404, name);
    }
  });

  it('names the field of a ConfigMap the operator may not read (403)', async () => {
    const k = (args: string[], input?: string) => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, ...args], input);
    await k(['create', 'serviceaccount', 'baker']);
    await k(['create', 'role', 'chart-only', '--verb=get', '--resource=configmaps', '--resource-name=web-chart']);
    await k(['create', 'rolebinding', 'baker-chart-only', '--role=chart-only', `--serviceaccount=${ns}:baker`]);
    const token = (await k(['create', 'token', 'baker', '--duration=1h'])).trim();
    const kc = parse(readFileSync(sharedCluster().kubeconfigPath, 'utf8')) as { users: unknown[]; contexts: { context: { user: string } }[] };
    kc.users = [{ name: 'baker', user: { token } }];
    for (const c of kc.contexts) c.context.user = 'baker';
    const config = new KubeConfig();
    config.loadFromString(stringify(kc));
    const limited = new KubeClient(config, { clock: realClock });
    const outcome = await bakePass(limited, owner, helmBlock({ valuesFrom: [{ configMapRef: { name: 'web-values' }, key: 'prod.yaml' }] }), 'forbidden');
    assert.equal(outcome.status, 'FAILED');
    assert.equal(outcome.message, `bakeManifest "forbidden": chart in ConfigMap "web-chart": ConfigMap "web-values" (helm.valuesFrom[0]) cannot be read: the operator may not get configmaps in namespace "${ns}"; grant it, or name another`);
  });

  describe('from a chart repository', () => {
    const auth = { username: 'ci', password: 's3cret' };
    let repo: ReturnType<typeof chartRepository>;
    before(async () => {
      const dir = join(work, 'repo');
      await run(helmBinary(), ['package', fixture('charts/web'), '--destination', dir]);
      await run(helmBinary(), ['repo', 'index', dir]);
      assert.deepEqual((await readdir(dir)).sort(), ['index.yaml', 'web-0.1.0.tgz']);
      repo = chartRepository(dir, auth);
      await new Promise<void>((resolve) => repo.server.listen(0, '127.0.0.1', resolve));
      const forRepo = { annotations: { 'staysail.dev/repository-url': repo.url() } };
      await client.create(secrets, { metadata: { name: 'charts', namespace: ns, ...forRepo }, stringData: auth } as KubeObject);
      await client.create(secrets, { metadata: { name: 'wrong', namespace: ns, ...forRepo }, stringData: { username: 'ci', password: 'nope' } } as KubeObject);
      await client.create(secrets, { metadata: { name: 'unbound', namespace: ns }, stringData: auth } as KubeObject);
      await client.create(secrets, { metadata: { name: 'other-repo', namespace: ns, annotations: { 'staysail.dev/repository-url': 'https://charts.example.com/stable' } },
        stringData: auth } as KubeObject);
    });
    after(() => new Promise<void>((resolve) => repo.server.close(() => resolve())));

    const fromRepo = (extra: Record<string, unknown>) => ({ templateRenderer: 'helm', helm: { releaseName: 'remote', values: { color: 'teal' },
      chartFrom: { repository: { url: repo.url(), chart: 'web', version: '0.1.0', credentialsSecretRef: { name: 'charts' }, ...extra } } } });

    it('reads index.yaml and the .tgz it names with the Secret\'s basic auth, and renders the chart', async () => {
      const outcome = await bakePass(client, owner, fromRepo({}), 'remote');
      assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
      assert.deepEqual((outcome.outputs as { objects: { name: string }[] }).objects.map((o) => o.name), ['remote-config', 'remote']);
      assert.deepEqual(repo.requests.map((r) => r.path), ['/charts/index.yaml', '/charts/web-0.1.0.tgz']);
      assert.ok(repo.requests.every((r) => r.authorization === `Basic ${Buffer.from('ci:s3cret').toString('base64')}`));
    });

    it('fails naming the credentials the repository refused, and the versions it has when asked for another', async () => {
      const refused = await bakePass(client, owner, fromRepo({ credentialsSecretRef: { name: 'wrong' } }), 'refused');
      assert.match(refused.message ?? '', /the chart repository refused index.yaml .* with 401: check the username and password of chartFrom.repository.credentialsSecretRef/);
      const unknown = await bakePass(client, owner, fromRepo({ version: '9.9.9' }), 'unknown');
      assert.match(unknown.message ?? '', /^bakeManifest "unknown": chart "web" 9.9.9 from http:\/\/127.0.0.1:\d+\/charts: the repository .* has no version 9.9.9 of chart "web"; it has 0.1.0/);
    });

    it('sends a Secret\'s credentials only to the repository its annotation names, and says how to bind it', async () => {
      repo.requests.length = 0;
      const unbound = await bakePass(client, owner, fromRepo({ credentialsSecretRef: { name: 'unbound' } }), 'unbound');
      assert.equal(unbound.status, 'FAILED');
      assert.match(unbound.message ?? '', /Secret "unbound" \(helm.chartFrom.repository.credentialsSecretRef\) has no annotation staysail.dev\/repository-url; annotate it with the repository URL its credentials are for \(http:\/\/127.0.0.1:\d+\/charts, or a prefix of it\)/);
      const other = await bakePass(client, owner, fromRepo({ credentialsSecretRef: { name: 'other-repo' } }), 'other');
      assert.match(other.message ?? '', /Secret "other-repo" \(helm.chartFrom.repository.credentialsSecretRef\) is for https:\/\/charts.example.com\/stable \(annotation staysail.dev\/repository-url\), not http:\/\/127.0.0.1:\d+\/charts; use a Secret made for this repository/);
      assert.deepEqual(repo.requests, [], 'nothing was sent');
    });

    it('leaves a repository answering 5xx or 429 to be retried, the stage not failed', async () => {
      for (const status of [502, 429]) {
        const failing = createServer((_req, res) => res.writeHead(status).end());
        await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
        try {
          const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/charts`;
          await assert.rejects(bakePass(client, owner, { templateRenderer: 'helm', helm: { releaseName: 'r', chartFrom: { repository: { url, chart: 'web', version: '0.1.0' } } } }, 'flaky'),
            (err: Error) => err instanceof ApiError && isTransientApiError(err) && err.message.startsWith(`bakeManifest "flaky": the chart repository answered ${status} for index.yaml`));
        } finally {
          await new Promise<void>((resolve) => failing.close(() => resolve()));
        }
      }
    });
  });

  describe('deployed by deployManifest (manifestsFrom.stage)', () => {
    let provider: KubernetesProvider;
    before(async () => { provider = new KubernetesProvider(client, realClock); });

    /** A deployManifest pass "deploy" after the bake "bake", the bake's record in the scope. */
    const deployPass = (bakeOutputs: unknown, requisites: string[], manifestsFrom: Record<string, unknown>) => deployManifestStage.execute({
      run: { ...owner, status: { pipelineSpec: { stages: [{ refId: 'bake', type: 'bakeManifest' }, { refId: 'deploy', type: 'deployManifest', requisiteStageRefIds: requisites }] } } },
      stage: { refId: 'deploy', type: 'deployManifest', requisiteStageRefIds: requisites },
      config: { accountRef: { name: 'local' }, manifestsFrom, waitForStable: false }, record: newRecord('deployManifest'),
      scope: { stages: { bake: { status: 'SUCCEEDED', outputs: bakeOutputs } } } as unknown as StageRun['scope'], clock: realClock, client,
      resolveAccount: () => ({ account: { name: 'local', namespace: ns, spec: { provider: 'kubernetes' } }, provider }),
      log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as StageRun['log'],
    } as unknown as StageRun);

    it('applies what the bake rendered, as rendered, and refuses a bake that is not upstream or whose ConfigMap changed', async () => {
      const bake = await bakePass(client, owner, helmBlock({ values: { color: 'plum' } }));
      assert.equal(bake.status, 'SUCCEEDED', bake.message);
      const outcome = await deployPass(bake.outputs, ['bake'], { stage: 'bake' });
      assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
      assert.deepEqual((outcome.outputs as { deployedNames: string[] }).deployedNames, ['configMap web-config-v000', 'deployment web']);
      const config = await client.get<ConfigMap>(configMaps, ns, 'web-config-v000');
      assert.equal(config.data!.color, 'plum');
      assert.equal(config.data!.shell, 'echo ${HOME}', 'no expression is evaluated in a bake by default');

      const evaluated = await deployPass(bake.outputs, ['bake'], { stage: 'bake', evaluateExpressions: true });
      assert.equal(evaluated.status, 'FAILED', 'asked to, it evaluates ${HOME}, which the run cannot');
      assert.match(evaluated.message ?? '', /HOME/);

      const notUpstream = await deployPass(bake.outputs, [], { stage: 'bake' });
      assert.equal(notUpstream.status, 'FAILED');
      assert.match(notUpstream.message ?? '', /^deployManifest "deploy": manifestsFrom.stage "bake" is not upstream of this stage; add it to requisiteStageRefIds/);

      await client.mergePatch(configMaps, ns, 'release-1-bake-manifests', { data: { 'manifests.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: other }\n' } });
      const changed = await deployPass(bake.outputs, ['bake'], { stage: 'bake' });
      assert.match(changed.message ?? '', /ConfigMap "release-1-bake-manifests" of stage "bake" no longer holds the manifests the bake rendered .*; restart stage "bake"/);
    });
  });
});
