// bakeManifest with the real helm against the local control plane: a chart kept in a ConfigMap as
// its files or packaged, and one served by a chart repository on 127.0.0.1 (a plain HTTP server with
// the index.yaml and .tgz helm package and helm repo index made), rendered into the run's ConfigMap;
// values files, inline values and --set overrides in order; helm's own message when a template fails;
// the size limit; a repeated pass keeping what the first stored; and deployManifest reading the bake.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { deployManifestStage } from '../../../src/pipeline/stages/deploy-manifest.ts';
import type { StageRun } from '../../../src/pipeline/stages/stage-type.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { freshNamespace, namespaces } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';
import { bakePass, fixture, folderConfigMap, helmBinary, ownerRun, putConfigMap, withRenderers } from './bake-world.ts';
import { newRecord } from './passes.ts';

const run = promisify(execFile);
const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
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
      await client.create({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
        { metadata: { name: 'charts', namespace: ns }, stringData: auth } as KubeObject);
      await client.create({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
        { metadata: { name: 'wrong', namespace: ns }, stringData: { username: 'ci', password: 'nope' } } as KubeObject);
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
