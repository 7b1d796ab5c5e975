// AWS clients, one set (EC2, Auto Scaling, ELBv2, STS) per account and region, made once and reused.
// Credentials come from the Account's Secret (an access key, its secret and an optional session
// token) or the SDK's default chain (environment, IRSA web identity, ECS or EC2 instance role); with
// spec.aws.assumeRole every call is made as that role, whose session is renewed before it expires.
// A rotated Secret or a changed Account gives new clients from the next call on.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ClientPool } from '../client-pool.ts';
import { CredentialsResolver } from '../credentials.ts';
import { invalid } from '../errors.ts';
import type { Location, ProviderAccount } from '../interfaces.ts';
import { aws } from './errors.ts';

export interface AwsClients {
  region: string;
  /** The namespace of the Account, which is that of every object acting through these clients: what they find by name is its objects'. */
  namespace: string;
  ec2: EC2Client;
  asg: AutoScalingClient;
  elb: ElasticLoadBalancingV2Client;
  sts: STSClient;
  /** Closes every client of the set, the one an assumed role is renewed with included. */
  destroy(): void;
}

interface StaticCredentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }
type CredentialsProvider = () => Promise<StaticCredentials>;

/** How many times the SDK tries a call (its adaptive mode also slows down when AWS throttles). */
const maxAttempts = 6;
/** An assumed role's session is renewed this long before it expires. */
const renewBeforeMs = 5 * 60_000;

/** The region an operation acts in: the location's, else the Account's only one; Invalid, naming the field, when neither says. */
export function regionOf(account: ProviderAccount, location: Location): string {
  const allowed = account.spec.aws?.regions ?? [];
  const region = location.region ?? (allowed.length === 1 ? allowed[0] : undefined);
  if (!region) {
    throw invalid(`Account "${account.name}" ${allowed.length ? `has several regions (${allowed.join(', ')})` : 'names no region'}; `
      + 'set spec.location.region to the region to deploy to');
  }
  if (allowed.length && !allowed.includes(region)) {
    throw invalid(`region "${region}" (spec.location.region) is not one of Account "${account.name}"'s regions (${allowed.join(', ')}); `
      + 'use one of those, or add it to the Account\'s spec.aws.regions');
  }
  return region;
}

/** The regions an Account names, or the one STS answers in when it names none. */
export const regionsOf = (account: ProviderAccount): string[] => account.spec.aws?.regions?.length ? account.spec.aws.regions : ['us-east-1'];

export class AwsClientPool {
  private readonly credentials: CredentialsResolver;
  private readonly pool = new ClientPool<AwsClients>();

  constructor(credentials: CredentialsResolver) {
    this.credentials = credentials;
  }

  /** The clients of account in region. */
  async for(account: ProviderAccount, region: string): Promise<AwsClients> {
    const spec = account.spec.aws;
    if (!spec) throw invalid(`Account "${account.name}": provider aws needs spec.aws`);
    const base = await this.baseCredentials(account);
    return this.pool.get(account, region, { endpoint: spec.endpoint, assumeRole: spec.assumeRole }, base, () => this.make(account, region, base));
  }

  /** Drops every client (the operator is stopping). */
  close(): void {
    this.pool.close();
  }

  /** The Secret's access key, or undefined for the default chain. */
  private async baseCredentials(account: ProviderAccount): Promise<StaticCredentials | undefined> {
    const ref = account.spec.aws?.credentialsSecretRef;
    if (!ref) return undefined;
    return this.credentials.resolveKeys(account, { secretRef: ref, field: 'spec.aws.credentialsSecretRef', required: ['accessKeyId', 'secretAccessKey'],
      optional: ['sessionToken'], holds: 'an AWS access key' }, (data) => {
      const value: StaticCredentials = { accessKeyId: data.accessKeyId!.toString('utf8').trim(), secretAccessKey: data.secretAccessKey!.toString('utf8').trim() };
      if (data.sessionToken) value.sessionToken = data.sessionToken.toString('utf8').trim();
      return { value };
    });
  }

  private make(account: ProviderAccount, region: string, base: StaticCredentials | undefined): AwsClients {
    const spec = account.spec.aws!;
    const common = {
      region, maxAttempts, retryMode: 'adaptive' as const,
      // Without throwOnRequestTimeout the handler only warns, and a call that is never answered hangs the pass.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
      ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    };
    const sts = new STSClient({ ...common, ...(base ? { credentials: base } : {}) });
    const credentials = spec.assumeRole ? assumedRole(account, sts, spec.assumeRole) : base;
    const config = { ...common, ...(credentials ? { credentials } : {}) };
    const clients = { ec2: new EC2Client(config), asg: new AutoScalingClient(config), elb: new ElasticLoadBalancingV2Client(config),
      sts: spec.assumeRole ? new STSClient(config) : sts };
    return { region, namespace: account.namespace, ...clients,
      destroy: () => { for (const client of new Set([...Object.values(clients), sts])) client.destroy(); } };
  }
}

/** Credentials of the role, kept until shortly before they expire; one session at a time. */
function assumedRole(account: ProviderAccount, sts: STSClient, role: { roleArn: string; externalId?: string; sessionName?: string }): CredentialsProvider {
  let current: StaticCredentials | undefined;
  let pending: Promise<StaticCredentials> | undefined;
  const renew = async (): Promise<StaticCredentials> => {
    const out = await aws(`Account "${account.name}": assuming role ${role.roleArn} (spec.aws.assumeRole)`, () => sts.send(new AssumeRoleCommand({
      RoleArn: role.roleArn, RoleSessionName: role.sessionName ?? 'staysail', DurationSeconds: 3600,
      ...(role.externalId ? { ExternalId: role.externalId } : {}),
    })));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw invalid(`Account "${account.name}": AssumeRole of ${role.roleArn} returned no credentials`);
    current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}) };
    return current;
  };
  return async () => {
    if (current && (!current.expiration || current.expiration.getTime() - Date.now() > renewBeforeMs)) return current;
    pending ??= renew().finally(() => { pending = undefined; });
    return pending;
  };
}
