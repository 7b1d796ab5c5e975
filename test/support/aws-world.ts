// What the AWS suites share: moto (one per run, reset for each world), an Account in a fresh
// namespace whose credentials are a real Secret, a template moto runs, and owners that need not
// exist in Kubernetes (nothing on AWS is collected by owner reference).
import { randomUUID } from 'node:crypto';
import { apiVersion } from '../../src/api/v1alpha1/index.ts';
import { realClock } from '../../src/core/clock.ts';
import { KubeClient } from '../../src/core/kube-client.ts';
import { AwsProvider } from '../../src/providers/aws/provider.ts';
import type { CreateServerGroup, Owner, ProviderAccount } from '../../src/providers/interfaces.ts';
import { waitFor } from '../cluster/probe.ts';
import type { ContractWorld } from '../contracts/server-groups.ts';
import { motoAccountId, motoCredentials, type Moto } from './moto.ts';
import { freshNamespace, namespaces } from './provider-world.ts';
import { sharedCluster, sharedMoto } from './setup.ts';

/** An image moto knows in every region (one of the AMIs it ships). */
export const motoImage = 'ami-1e749f67';
export const region = 'us-east-1';

const secrets = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/** A template moto runs: version lands in a tag, so two versions are two templates. */
export const awsTemplate = (version: string): CreateServerGroup['template'] =>
  ({ aws: { imageId: motoImage, instanceType: 't3.micro', tags: { version } } });

/** The AWS Account of a namespace, reaching moto with the credentials of its Secret "aws". */
export const awsAccountSpec = (endpoint: string): ProviderAccount['spec'] => ({
  provider: 'aws', aws: { accountId: motoAccountId, regions: [region], endpoint, credentialsSecretRef: { name: 'aws' } },
});

/** A fresh namespace holding the Secret "aws" with credentials moto takes. */
export async function awsNamespace(client: KubeClient): Promise<string> {
  const ns = await freshNamespace(client);
  await client.create(secrets, { metadata: { name: 'aws', namespace: ns },
    stringData: { accessKeyId: motoCredentials.accessKeyId, secretAccessKey: motoCredentials.secretAccessKey } } as never);
  return ns;
}

export interface AwsWorld extends ContractWorld {
  provider: AwsProvider;
  moto: Moto;
  client: KubeClient;
}

/** A contract world on a freshly reset moto. */
export async function awsWorld(): Promise<AwsWorld> {
  const moto = await sharedMoto();
  await moto.reset();
  const client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
  const ns = await awsNamespace(client);
  const provider = new AwsProvider(client);
  const owners = new Map<string, Owner>();
  return {
    provider, moto, client,
    account: { name: 'aws', namespace: ns, spec: awsAccountSpec(moto.endpoint) },
    location: { region },
    template: awsTemplate,
    pause: (ms) => new Promise((r) => setTimeout(r, ms)),
    eventually: (check, what) => waitFor(check, 30_000, () => `never ${what}\nmoto:\n${moto.tail(20)}`, 200),
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
