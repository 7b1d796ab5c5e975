// The AWS provider: server groups as Auto Scaling groups from launch templates, load balancers as
// ELBv2 load balancers with a target group per port, security groups as EC2 security groups, as
// Clouddriver's AWS provider makes them (docs/clusters.md has the mapping).
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { KubeClient } from '../../core/kube-client.ts';
import { CredentialsResolver } from '../credentials.ts';
import { invalid } from '../errors.ts';
import type { Provider, ProviderAccount } from '../interfaces.ts';
import { AwsClientPool, regionsOf } from './clients.ts';
import { aws } from './errors.ts';
import { awsLoadBalancers } from './load-balancers.ts';
import { awsSecurityGroups } from './security-groups.ts';
import { awsServerGroups } from './server-groups.ts';

export class AwsProvider implements Provider {
  readonly name = 'aws' as const;
  readonly serverGroups;
  readonly loadBalancers;
  readonly securityGroups;
  private readonly pool: AwsClientPool;

  /** home: the client of the cluster Staysail runs in (where Accounts and their Secrets live). */
  constructor(home: KubeClient) {
    this.pool = new AwsClientPool(new CredentialsResolver(home));
    this.serverGroups = awsServerGroups(this.pool);
    this.loadBalancers = awsLoadBalancers(this.pool);
    this.securityGroups = awsSecurityGroups(this.pool);
  }

  /** sts:GetCallerIdentity in every region of the Account; the account it reaches must be spec.aws.accountId. */
  async verify(account: ProviderAccount): Promise<string> {
    const want = account.spec.aws?.accountId;
    const regions = regionsOf(account);
    const reached = await Promise.all(regions.map(async (region) => {
      const c = await this.pool.for(account, region);
      const me = await aws(`Account "${account.name}": sts:GetCallerIdentity in ${region}`, () => c.sts.send(new GetCallerIdentityCommand({})));
      if (want && me.Account !== want) {
        throw invalid(`Account "${account.name}": its credentials reach AWS account ${me.Account} (as ${me.Arn}) in ${region}, not ${want} (spec.aws.accountId); `
          + 'correct the account ID, or use credentials of that account');
      }
      return me;
    }));
    return `reaches AWS account ${reached[0]!.Account} as ${reached[0]!.Arn} in ${regions.join(', ')}`;
  }

  /** Nothing on AWS carries a Kubernetes owner reference. */
  ownsByReference(): boolean {
    return false;
  }

  /** Drops every client (the operator is stopping). */
  close(): void {
    this.pool.close();
  }
}
