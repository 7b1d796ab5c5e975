// The Helm chart on the local control plane: lint, a server-side dry run of everything it renders,
// install (kwok makes the operator's pods Ready), upgrade and uninstall. Its RBAC is proven by
// running the operator as the chart's ServiceAccount, limited to one namespace, through a rollout
// and a pipeline with a Job; and by what namespace users granted edit or view may do.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../cluster/binaries.ts';
import { waitFor } from '../cluster/probe.ts';
import { installCrds } from '../support/crds.ts';
import { kubectl, kubectlOk } from '../support/kubectl.ts';
import { OperatorProcess } from '../support/operator-process.ts';
import { api, pipeline, run } from '../support/runs.ts';
import { helm } from '../support/helm.ts';
import { sharedCluster } from '../support/setup.ts';

const chart = join(repoRoot, 'charts/staysail');
const id = Date.now().toString(36);
const release = `sail-${id}`;
const fullname = `${release}-staysail`;
const system = `staysail-${id}`;
const team = `team-${id}`;
const sa = `system:serviceaccount:${system}:${fullname}`;

const k = (args: string[], input?: string) => kubectlOk(sharedCluster().kubeconfigPath, args, input);
/** kubectl auth can-i for `as`; a resource written resource/subresource asks about the subresource. */
const canI = async (as: string, verb: string, resource: string, ns?: string) => {
  const [type, sub] = resource.split('/');
  return (await kubectl(sharedCluster().kubeconfigPath, ['auth', 'can-i', verb, type!, ...(sub ? [`--subresource=${sub}`] : []), '--as', as,
    ...(ns ? ['-n', ns] : ['--all-namespaces'])])).stdout.trim();
};

describe('the Helm chart', function () {
  this.timeout(300_000);
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'staysail-chart-'));
    await installCrds(sharedCluster().kubeconfigPath);
    await k(['create', 'namespace', system]);
    await k(['create', 'namespace', team]);
  });
  after(async () => {
    await helm(['uninstall', release, '-n', system, '--ignore-not-found']);
    await kubectl(sharedCluster().kubeconfigPath, ['delete', 'namespace', system, team, '--wait=false']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lints strictly, and everything it renders passes a server-side dry run', async () => {
    const lint = await helm(['lint', '--strict', chart]);
    assert.equal(lint.code, 0, lint.out);
    for (const set of [[], ['--set', `watchNamespaces={${team}}`], ['--set', 'replicaCount=1,rbac.aggregateToDefaultRoles=false,judgmentPolicy.enabled=false']]) {
      const rendered = await helm(['template', release, chart, '-n', system, '--include-crds', ...set]);
      assert.equal(rendered.code, 0, rendered.out);
      const dry = await kubectl(sharedCluster().kubeconfigPath, ['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], rendered.out);
      assert.equal(dry.code, 0, `${set.join(' ')}: ${dry.stderr}`);
    }
    const bad = await helm(['template', release, chart, '--set', 'replicaCount=0']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.out, /replicaCount.*minimum: got 0, want 1/);
  });

  it('installs and waits for two Ready replicas, and upgrades', async () => {
    const install = await helm(['install', release, chart, '-n', system, '--set', `watchNamespaces={${team}}`, '--wait', '--timeout', '2m']);
    assert.equal(install.code, 0, install.out);
    assert.match(install.out, /STATUS: deployed/);
    assert.match(install.out, new RegExp(`acting in ${team}`), 'NOTES.txt');
    const deployment = JSON.parse(await k(['-n', system, 'get', 'deployment', fullname, '-o', 'json']));
    assert.equal(deployment.status.readyReplicas, 2);
    const pod = deployment.spec.template.spec;
    assert.deepEqual(pod.containers[0].securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.containers[0].args.includes('--leader-elect=true') && pod.containers[0].args.includes(`--namespaces=${team}`));

    const upgrade = await helm(['upgrade', release, chart, '-n', system, '--reuse-values', '--set', 'replicaCount=1,logLevel=debug', '--wait', '--timeout', '2m']);
    assert.equal(upgrade.code, 0, upgrade.out);
    assert.match(upgrade.out, /REVISION: 2/);
    const upgraded = JSON.parse(await k(['-n', system, 'get', 'deployment', fullname, '-o', 'json']));
    assert.equal(upgraded.spec.replicas, 1);
    assert.ok(upgraded.spec.template.spec.containers[0].args.includes('--log-level=debug'));
  });

  it('gives the operator what it needs in its namespaces and nothing beyond them', async () => {
    const expectations: [string, string, string | undefined, string][] = [
      ['create', 'replicasets.apps', team, 'yes'], ['patch', 'pipelineruns.staysail.dev/status', team, 'yes'],
      ['update', 'pipelines.staysail.dev', team, 'no'], ['create', 'accounts.staysail.dev', team, 'no'],
      ['create', 'jobs.batch', team, 'yes'], ['get', 'pods/log', team, 'yes'], ['patch', 'pods', team, 'yes'], ['delete', 'pods', team, 'no'], ['get', 'secrets', team, 'yes'], ['list', 'secrets', team, 'no'],
      // The manifest stages' kinds (rbac.manifestRules): workloads and their scale, ConfigMaps, Services; not Secrets.
      ['patch', 'deployments.apps', team, 'yes'], ['update', 'deployments.apps/scale', team, 'yes'], ['list', 'configmaps', team, 'yes'],
      ['delete', 'services', team, 'yes'], ['create', 'secrets', team, 'no'], ['create', 'deployments.apps', 'default', 'no'],
      ['create', 'leases.coordination.k8s.io', system, 'yes'], ['create', 'leases.coordination.k8s.io', team, 'no'],
      ['create', 'replicasets.apps', 'default', 'no'], ['get', 'nodes', undefined, 'yes'], ['delete', 'nodes', undefined, 'no'],
    ];
    for (const [verb, resource, ns, want] of expectations) assert.equal(await canI(sa, verb, resource, ns), want, `${verb} ${resource} in ${ns ?? 'all namespaces'}`);

    // The operator itself, as that ServiceAccount: a rollout behind a Service, a pipeline that runs a Job, and one that deploys manifests.
    const token = (await k(['-n', system, 'create', 'token', fullname, '--duration', '1h'])).trim();
    const admin = parse(await k(['config', 'view', '--raw', '--minify'])) as { clusters: unknown[] };
    const kubeconfig = join(dir, 'operator.kubeconfig');
    writeFileSync(kubeconfig, stringify({ apiVersion: 'v1', kind: 'Config', clusters: admin.clusters, 'current-context': 'sa',
      contexts: [{ name: 'sa', context: { cluster: (admin.clusters[0] as { name: string }).name, user: 'sa' } }], users: [{ name: 'sa', user: { token } }] }));
    const operator = new OperatorProcess(['--namespaces', team, '--leader-elect=true', '--leader-election-namespace', system,
      '--leader-election-id', `${fullname}-test`], kubeconfig);
    try {
      await operator.running();
      await waitFor(async () => (await kubectl(sharedCluster().kubeconfigPath, ['-n', team, 'get', 'serviceaccount', 'default'])).code === 0, 30_000, () => 'no default ServiceAccount');
      const docs = [
        { apiVersion: api, kind: 'Account', metadata: { name: 'local' }, spec: { provider: 'kubernetes' } },
        { apiVersion: api, kind: 'LoadBalancer', metadata: { name: 'web' }, spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
        { apiVersion: api, kind: 'Cluster', metadata: { name: 'shop-prod' }, spec: { moniker: { app: 'shop', stack: 'prod' }, accountRef: { name: 'local' },
          capacity: { min: 1, max: 2, desired: 1 }, loadBalancerRefs: [{ name: 'web' }],
          template: { kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image: 'shop:1' }] } } } } } },
        pipeline('job', [{ refId: 'job', type: 'runJob', runJob: { jobTemplate: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'tool:1' }] } } } } }]),
        run('job-1', 'job'),
        pipeline('manifests', [{ refId: 'deploy', type: 'deployManifest', deployManifest: { accountRef: { name: 'local' }, manifests: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { level: 'info' } },
          { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 1, selector: { matchLabels: { app: 'api' } },
            template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1', envFrom: [{ configMapRef: { name: 'settings' } }] }] } } } },
        ] } }]),
        run('manifests-1', 'manifests'),
      ];
      await k(['-n', team, 'apply', '--server-side', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
      let phase = '';
      await waitFor(async () => { phase = await k(['-n', team, 'get', 'cluster', 'shop-prod', '-o', 'jsonpath={.status.rollout.phase}']); return phase === 'Succeeded'; },
        60_000, () => `the rollout did not succeed as the chart's ServiceAccount: ${phase}`);
      let result = '';
      await waitFor(async () => { result = await k(['-n', team, 'get', 'pipelinerun', 'job-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Succeeded")].reason}']); return result === 'Succeeded'; },
        60_000, () => `the run did not succeed as the chart's ServiceAccount: ${result}`);
      await waitFor(async () => { result = await k(['-n', team, 'get', 'pipelinerun', 'manifests-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Succeeded")].reason}']); return result === 'Succeeded'; },
        60_000, () => `the deployManifest run did not succeed as the chart's ServiceAccount: ${result}`);
      assert.equal(await k(['-n', team, 'get', 'deployment', 'api', '-o', 'jsonpath={.spec.template.spec.containers[0].envFrom[0].configMapRef.name}']), 'settings-v000');
      await waitFor(async () => (await k(['-n', team, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o',
        'jsonpath={.items[*].endpoints[*].addresses[*]}'])).trim().length > 0, 30_000,
      () => `the Service never had the rollout's pods; the operator said: ${JSON.stringify(operator.lines.filter((l) => l.level !== 'info').slice(-5))}`);
      assert.deepEqual(operator.lines.filter((l) => l.level !== 'info' && l.level !== 'debug' && /forbidden/i.test(JSON.stringify(l))), [], 'nothing was forbidden');
    } finally {
      assert.equal(await operator.stop(), 0);
    }
  });

  it('lets namespace users granted edit drive Staysail, and view read it', async () => {
    await k(['-n', team, 'create', 'rolebinding', 'alice-edit', '--clusterrole=edit', '--user=alice']);
    await k(['-n', team, 'create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob']);
    await waitFor(async () => (await canI('alice', 'create', 'pipelineruns.staysail.dev', team)) === 'yes', 30_000, () => 'edit never included Staysail\'s kinds');
    assert.equal(await canI('alice', 'patch', 'clusters.staysail.dev', team), 'yes');
    assert.equal(await canI('bob', 'get', 'pipelineruns.staysail.dev', team), 'yes');
    assert.equal(await canI('bob', 'patch', 'pipelineruns.staysail.dev', team), 'no');
    assert.equal(await canI('alice', 'patch', 'pipelineruns.staysail.dev/status', team), 'no', 'status is the operator\'s');
    assert.equal(await canI('alice', 'get', 'accounts.staysail.dev', team), 'yes');
    assert.equal(await canI('alice', 'create', 'accounts.staysail.dev', team), 'no', 'where deploys may go is for administrators');
  });

  it('uninstalls, leaving nothing of the release behind', async () => {
    const uninstall = await helm(['uninstall', release, '-n', system, '--wait']);
    assert.equal(uninstall.code, 0, uninstall.out);
    assert.equal((await kubectl(sharedCluster().kubeconfigPath, ['-n', system, 'get', 'deployment', fullname])).code, 1);
    const left = await k(['get', 'clusterroles,clusterrolebindings,validatingadmissionpolicies', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
    assert.equal(left.trim(), '');
    assert.match(await k(['get', 'crds', '-l', 'app.kubernetes.io/part-of=staysail', '-o', 'name']), /pipelineruns\.staysail\.dev/, 'CRDs stay (Helm never deletes them)');
  });

  it('installs as release "staysail" on a cluster where the judgment policy was applied with kubectl (as npm run dev does)', async () => {
    const ns = `dev-${id}`;
    await k(['create', 'namespace', ns]);
    const before = parse(await k(['get', 'validatingadmissionpolicy', 'staysail-judgment-identity', '-o', 'yaml'])) as { metadata: { uid: string; annotations?: object } };
    try {
      const install = await helm(['install', 'staysail', chart, '-n', ns, '--set', 'replicaCount=1']);
      assert.equal(install.code, 0, install.out);
      assert.match(install.out, /The policy staysail-judgment-identity was already applied outside Helm .*\n.*this release installs no second copy/);
      const after = parse(await k(['get', 'validatingadmissionpolicy', 'staysail-judgment-identity', '-o', 'yaml'])) as { metadata: { uid: string; annotations?: object } };
      assert.equal(after.metadata.uid, before.metadata.uid, 'the kubectl-applied policy is left in place');
      assert.equal(after.metadata.annotations, undefined, 'and not taken into the release');
      const manifest = await helm(['get', 'manifest', 'staysail', '-n', ns]);
      assert.doesNotMatch(manifest.out, /kind: ValidatingAdmissionPolicy/);
      assert.match(manifest.out, /kind: Deployment/);
    } finally {
      await helm(['uninstall', 'staysail', '-n', ns, '--wait']);
      await kubectl(sharedCluster().kubeconfigPath, ['delete', 'namespace', ns, '--wait=false']);
    }
    assert.equal((await kubectl(sharedCluster().kubeconfigPath, ['get', 'validatingadmissionpolicy', 'staysail-judgment-identity'])).code, 0,
      'uninstalling the release leaves the policy it did not install');
  });
});
