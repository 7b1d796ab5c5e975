// AWS credentials from an Account's Secret, against the real API server and moto: the keys the
// clients sign with are the Secret's, a rotated Secret gives clients with the new keys from the next
// call on, and with assumeRole the clients sign with the role's session from STS.
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient } from '../../../src/core/kube-client.ts';
import { AwsClientPool } from '../../../src/providers/aws/clients.ts';
import { CredentialsResolver } from '../../../src/providers/credentials.ts';
import type { ProviderAccount } from '../../../src/providers/interfaces.ts';
import { awsAccountSpec, awsNamespace, region } from '../../support/aws-world.ts';
import { motoAccountId } from '../../support/moto.ts';
import { namespaces } from '../../support/provider-world.ts';
import { sharedCluster, sharedMoto } from '../../support/setup.ts';

const secrets = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

describe('AWS credentials of an Account', function () {
  this.timeout(60_000);
  let client: KubeClient;
  let ns: string;
  let pool: AwsClientPool;
  let endpoint: string;

  before(async () => {
    endpoint = (await sharedMoto()).endpoint;
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await awsNamespace(client);
  });
  beforeEach(() => { pool = new AwsClientPool(new CredentialsResolver(client)); });
  afterEach(() => pool.close());
  after(async () => { await client.delete(namespaces, undefined, ns).catch(() => undefined); });

  const signedWith = async (account: ProviderAccount) => {
    const c = await pool.for(account, region);
    const identity = await c.ec2.config.credentials();
    return { clients: c, accessKeyId: identity.accessKeyId, sessionToken: identity.sessionToken };
  };

  it('signs with the Secret\'s keys, and with the new ones once the Secret is rotated', async () => {
    await client.create(secrets, { metadata: { name: 'rotating', namespace: ns },
      stringData: { accessKeyId: 'AKIAFIRST', secretAccessKey: 'first', sessionToken: 'token-1' } } as never);
    const account: ProviderAccount = { name: 'aws', namespace: ns, spec: { ...awsAccountSpec(endpoint), aws: { ...awsAccountSpec(endpoint).aws!, credentialsSecretRef: { name: 'rotating' } } } };
    const first = await signedWith(account);
    assert.deepEqual([first.accessKeyId, first.sessionToken], ['AKIAFIRST', 'token-1']);
    assert.equal((await signedWith(account)).clients, first.clients, 'the same clients while the Secret is unchanged');

    await client.mergePatch(secrets, ns, 'rotating', { stringData: { accessKeyId: 'AKIASECOND', secretAccessKey: 'second' }, data: { sessionToken: null } });
    const second = await signedWith(account);
    assert.notEqual(second.clients, first.clients);
    assert.deepEqual([second.accessKeyId, second.sessionToken], ['AKIASECOND', undefined]);
  });

  it('signs as the assumed role, with the session STS gave', async () => {
    const spec = awsAccountSpec(endpoint);
    const account: ProviderAccount = { name: 'aws', namespace: ns,
      spec: { ...spec, aws: { ...spec.aws!, assumeRole: { roleArn: `arn:aws:iam::${motoAccountId}:role/deployer`, sessionName: 'ci-run' } } } };
    const signed = await signedWith(account);
    assert.notEqual(signed.accessKeyId, 'testing', 'signs with the role\'s keys, not the Secret\'s');
    assert.ok(signed.sessionToken, 'a role session has a token');
    const me = await signed.clients.sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, `arn:aws:sts::${motoAccountId}:assumed-role/deployer/ci-run`);
  });
});
