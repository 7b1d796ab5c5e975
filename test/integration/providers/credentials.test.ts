// Credentials read from an Account's Secret against the local control plane: built once per version
// of the Secret, rebuilt (and the old one dropped) from the next call after it changes, so a rotated
// kubeconfig is used without a restart; what is wrong with a Secret names the Account, the Secret,
// the key and what to do.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { realClock } from '../../../src/core/clock.ts';
import { ApiError } from '../../../src/core/errors.ts';
import { KubeClient, type KubeObject } from '../../../src/core/kube-client.ts';
import { CredentialsResolver, type CredentialsRef } from '../../../src/providers/credentials.ts';
import { isProviderError } from '../../../src/providers/errors.ts';
import type { ProviderAccount } from '../../../src/providers/interfaces.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { sharedCluster } from '../../support/setup.ts';
import { freshNamespace, namespaces, realOwner, template } from '../../support/provider-world.ts';

const secrets = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
const admin = () => readFileSync(sharedCluster().kubeconfigPath, 'utf8');

/** The shared cluster's kubeconfig with another user: a ServiceAccount's token. */
function asServiceAccount(token: string): string {
  const kc = parse(admin()) as { users: unknown[]; contexts: { context: { user: string } }[] };
  kc.users = [{ name: 'deployer', user: { token } }];
  for (const c of kc.contexts) c.context.user = 'deployer';
  return stringify(kc);
}

const invalidWith = (pattern: RegExp) => (err: unknown) => {
  assert.ok(isProviderError(err, 'Invalid'), `not Invalid: ${String(err)}`);
  assert.match(err.message, pattern);
  return true;
};

describe('credentials from an Account\'s Secret', function () {
  this.timeout(120_000);
  let client: KubeClient;
  let ns: string;

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await freshNamespace(client);
  });
  after(async () => { await client?.delete(namespaces, undefined, ns).catch(() => undefined); });

  const writeSecret = async (name: string, data: Record<string, string>) => {
    const body = { metadata: { name, namespace: ns }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
    await client.apply(secrets, body as KubeObject, 'credentials-test', { force: true });
  };
  const account = (name: string, secret: string, extra: object = {}): ProviderAccount =>
    ({ name, namespace: ns, spec: { provider: 'kubernetes', kubernetes: { kubeconfigSecretRef: { name: secret }, ...extra } } });

  it('builds once per version of the Secret, and from the next call after it changes drops the old one', async () => {
    const resolver = new CredentialsResolver(client);
    const ref: CredentialsRef = { secretRef: { name: 'token', key: 'value' }, field: 'spec.test.secretRef', defaultKey: 'value', holds: 'a token' };
    const built: string[] = [];
    const disposed: string[] = [];
    const build = (value: Buffer) => { const v = value.toString(); built.push(v); return { value: v, dispose: () => disposed.push(v) }; };
    await writeSecret('token', { value: 'one' });
    const a = account('acct', 'token');
    assert.equal(await resolver.resolve(a, ref, build), 'one');
    assert.equal(await resolver.resolve(a, ref, build), 'one');
    assert.deepEqual(built, ['one'], 'built again while the Secret did not change');

    await writeSecret('token', { value: 'two' });
    assert.equal(await resolver.resolve(a, ref, build), 'two');
    assert.deepEqual([built, disposed], [['one', 'two'], ['one']]);
  });

  it('uses a rotated kubeconfig from the next operation on, without a restart', async () => {
    await kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'create', 'serviceaccount', 'deployer']);
    const token = (await kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'create', 'token', 'deployer', '--duration=1h'])).trim();
    await writeSecret('rotating', { kubeconfig: admin() });
    const provider = new KubernetesProvider(client, realClock);
    const remote = account('rotating', 'rotating');
    await provider.serverGroups.create(remote, { name: 'rot-v000', cluster: 'rot', sequence: 0, location: {}, template: template('v1'), templateHash: 'h',
      capacity: { min: 0, max: 1, desired: 0 }, enabled: false, loadBalancers: [], securityGroups: [], owner: await realOwner(client, ns, 'Cluster', 'rot-prod') });
    assert.equal((await provider.serverGroups.describe(remote, {}, 'rot-v000'))?.name, 'rot-v000');

    await writeSecret('rotating', { kubeconfig: asServiceAccount(token) });
    await assert.rejects(provider.serverGroups.describe(remote, {}, 'rot-v000'), (err: unknown) => err instanceof ApiError && err.status === 403
      && err.message.includes(`system:serviceaccount:${ns}:deployer`));

    await writeSecret('rotating', { kubeconfig: admin() });
    assert.equal((await provider.serverGroups.describe(remote, {}, 'rot-v000'))?.name, 'rot-v000', 'the admin kubeconfig, put back, is not used');
  });

  it('names the Account, the Secret, the key and what to do when a Secret cannot be used', async () => {
    const provider = new KubernetesProvider(client, realClock);
    const describeThrough = (a: ProviderAccount) => provider.serverGroups.describe(a, {}, 'x');
    await assert.rejects(describeThrough(account('a1', 'absent')), invalidWith(new RegExp(
      `^Account "a1": Secret "absent" \\(spec\\.kubernetes\\.kubeconfigSecretRef\\) does not exist in namespace "${ns}"; create it with a kubeconfig under "kubeconfig", or name another Secret$`)));

    await writeSecret('wrong-key', { config: admin() });
    await assert.rejects(describeThrough(account('a2', 'wrong-key')), invalidWith(
      /^Account "a2": Secret "wrong-key" \(spec\.kubernetes\.kubeconfigSecretRef\) has no key "kubeconfig"; put a kubeconfig under "kubeconfig", or name the key that holds it in spec\.kubernetes\.kubeconfigSecretRef\.key$/));
    const keyed: ProviderAccount = { name: 'a3', namespace: ns, spec: { provider: 'kubernetes', kubernetes: { kubeconfigSecretRef: { name: 'wrong-key', key: 'config' } } } };
    assert.equal(await describeThrough(keyed), undefined, 'the key the Account names is not read');

    await writeSecret('garbage', { kubeconfig: 'not a kubeconfig' });
    await assert.rejects(describeThrough(account('a4', 'garbage')), invalidWith(
      /^Account "a4": key "kubeconfig" of Secret "garbage" \(spec\.kubernetes\.kubeconfigSecretRef\) is not a kubeconfig: .+; replace it$/));

    await writeSecret('admin', { kubeconfig: admin() });
    await assert.rejects(describeThrough(account('a5', 'admin', { context: 'prod' })), invalidWith(
      /^Account "a5": the kubeconfig in Secret "admin" has no context "prod" \(spec\.kubernetes\.context\); use one of "staysail-local", or leave the field out for its current context$/));
  });
});
