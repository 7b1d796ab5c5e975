// The Azure provider: server groups as virtual machine scale sets, load balancers as Standard load
// balancers (with a public IP address when external), security groups as a network security group
// and an application security group, all in the Account's resource group and tagged as Staysail's,
// as Clouddriver's Azure provider makes them.
import type { KubeClient } from '../../core/kube-client.ts';
import { CredentialsResolver } from '../credentials.ts';
import { invalid } from '../errors.ts';
import type { Provider, ProviderAccount } from '../interfaces.ts';
import { AzureClientPool } from './clients.ts';
import { azure } from './errors.ts';
import { azureLoadBalancers } from './load-balancers.ts';
import { azureSecurityGroups } from './security-groups.ts';
import { azureServerGroups } from './server-groups.ts';

export class AzureProvider implements Provider {
  readonly name = 'azure' as const;
  readonly serverGroups;
  readonly loadBalancers;
  readonly securityGroups;
  private readonly pool: AzureClientPool;

  /** home: the client of the cluster Staysail runs in (where Accounts and their Secrets live). */
  constructor(home: KubeClient) {
    this.pool = new AzureClientPool(new CredentialsResolver(home));
    this.serverGroups = azureServerGroups(this.pool);
    this.loadBalancers = azureLoadBalancers(this.pool);
    this.securityGroups = azureSecurityGroups(this.pool);
  }

  /**
   * The first page of the resource group's scale sets, the cheapest call that proves the credentials
   * reach the subscription and the resource group (and may read what Staysail makes there).
   */
  async verify(account: ProviderAccount): Promise<string> {
    const spec = account.spec.azure;
    if (!spec) throw invalid(`Account "${account.name}": provider azure needs spec.azure`);
    const c = await this.pool.for(account, spec.regions?.[0] ?? 'global');
    await azure(`Account "${account.name}": listing the scale sets of resource group ${spec.resourceGroup}`,
      () => c.compute.virtualMachineScaleSets.list(spec.resourceGroup).byPage().next());
    return `reaches Azure subscription ${spec.subscriptionId}, resource group ${spec.resourceGroup}`;
  }

  /** Nothing on Azure carries a Kubernetes owner reference. */
  ownsByReference(): boolean {
    return false;
  }

  /** Drops every client (the operator is stopping). */
  close(): void {
    this.pool.close();
  }
}
