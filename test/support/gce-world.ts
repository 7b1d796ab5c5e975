// What the GCE suites share: the fake of Compute's REST API (one per run, reset for each world), an
// Account in a fresh namespace whose credentials are a real Secret holding a service-account JSON key
// (its own RSA key, signed into self-signed JWTs as against Google; the fake accepts any token), a
// template, and owners that need not exist in Kubernetes (nothing on GCE is collected by owner
// reference).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { apiVersion } from '../../src/api/v1alpha1/index.ts';
import { realClock } from '../../src/core/clock.ts';
import { KubeClient } from '../../src/core/kube-client.ts';
import { GceProvider } from '../../src/providers/gce/provider.ts';
import type { CreateServerGroup, Owner, ProviderAccount } from '../../src/providers/interfaces.ts';
import { waitFor } from '../cluster/probe.ts';
import type { ContractWorld } from '../contracts/server-groups.ts';
import { FakeGce } from '../fakes/gce/server.ts';
import { freshNamespace, namespaces } from './provider-world.ts';
import { sharedCluster } from './setup.ts';

export const project = 'test-project';
export const region = 'europe-west1';
export const zone = 'europe-west1-b';

const secrets = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

let fake: Promise<{ fake: FakeGce; endpoint: string }> | undefined;

/** The run's fake, started on first use. */
export function sharedFakeGce(): Promise<{ fake: FakeGce; endpoint: string }> {
  fake ??= (async () => { const f = new FakeGce({ projects: [project] }); return { fake: f, endpoint: await f.start() }; })();
  return fake;
}

/** Stops the run's fake, if it was started. */
export async function stopFakeGce(): Promise<void> {
  const f = fake;
  fake = undefined;
  if (f) await (await f).fake.stop();
}

/** A service-account JSON key of its own RSA key. */
export function serviceAccountKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({ type: 'service_account', project_id: project, private_key_id: randomUUID().replace(/-/g, ''),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: `staysail@${project}.iam.gserviceaccount.com`,
    client_id: '1234567890', token_uri: 'https://oauth2.googleapis.com/token' });
}

/** A template the fake runs: version lands in a label, so two versions are two templates. */
export const gceTemplate = (version: string): CreateServerGroup['template'] =>
  ({ gce: { image: 'projects/debian-cloud/global/images/family/debian-12', machineType: 'e2-small', tags: { version } } });

/** The GCE Account of a namespace, reaching the fake with the key of its Secret "gce". */
export const gceAccountSpec = (endpoint: string): ProviderAccount['spec'] => ({
  provider: 'gce', gce: { project, regions: [region], endpoint, credentialsSecretRef: { name: 'gce' } },
});

/** A fresh namespace holding the Secret "gce" with a service-account key. */
export async function gceNamespace(client: KubeClient): Promise<string> {
  const ns = await freshNamespace(client);
  await client.create(secrets, { metadata: { name: 'gce', namespace: ns }, stringData: { 'credentials.json': serviceAccountKey() } } as never);
  return ns;
}

export interface GceWorld extends ContractWorld {
  provider: GceProvider;
  fake: FakeGce;
  client: KubeClient;
}

/** Where a world's server groups live: one zone (zonal managed instance groups), or the region over two of its zones (regional ones). */
export const gceLocations = { zonal: { region, zones: [zone] }, regional: { region, zones: [zone, `${region}-c`] } } as const;

/** A contract world on a freshly reset fake, its location zonal unless asked. */
export async function gceWorld(where: keyof typeof gceLocations = 'zonal'): Promise<GceWorld> {
  const { fake: f, endpoint } = await sharedFakeGce();
  f.reset();
  const client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
  const ns = await gceNamespace(client);
  const provider = new GceProvider(client);
  const owners = new Map<string, Owner>();
  return {
    provider, fake: f, client,
    account: { name: 'gce', namespace: ns, spec: gceAccountSpec(endpoint) },
    location: { region, zones: [...gceLocations[where].zones] },
    template: gceTemplate,
    pause: (ms) => new Promise((r) => setTimeout(r, ms)),
    eventually: (check, what) => waitFor(check, 30_000, () => `never ${what}\nlast requests:\n${f.requests.slice(-10).map((r) => `${r.method} ${r.path}`).join('\n')}`, 200),
    owner: async (kind, name) => {
      const key = `${kind}/${name}`;
      if (!owners.has(key)) owners.set(key, { apiVersion, kind, namespace: ns, name, uid: randomUUID() });
      return owners.get(key)!;
    },
    cleanup: async () => {
      provider.close();
      await client.delete(namespaces, undefined, ns).catch(() => undefined);
    },
  };
}
