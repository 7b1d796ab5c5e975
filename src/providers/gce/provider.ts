// The GCE provider: server groups as zonal or regional managed instance groups from instance
// templates, load balancers as backend services with a health check (and, for external ones, a
// global forwarding rule and target TCP proxy per port), security groups as firewall rules
// targeting a network tag, as Clouddriver's Google provider makes them (docs/clusters.md has the
// mapping).
import type { KubeClient } from '../../core/kube-client.ts';
import { CredentialsResolver } from '../credentials.ts';
import { invalid, isProviderError } from '../errors.ts';
import type { Provider, ProviderAccount } from '../interfaces.ts';
import { callOptions, GceClientPool } from './clients.ts';
import { gce } from './errors.ts';
import { gceLoadBalancers } from './load-balancers.ts';
import { gceSecurityGroups } from './security-groups.ts';
import { gceServerGroups } from './server-groups.ts';

export class GceProvider implements Provider {
  readonly name = 'gce' as const;
  readonly serverGroups;
  readonly loadBalancers;
  readonly securityGroups;
  private readonly pool: GceClientPool;

  /** home: the client of the cluster Staysail runs in (where Accounts and their Secrets live). */
  constructor(home: KubeClient) {
    this.pool = new GceClientPool(new CredentialsResolver(home));
    this.serverGroups = gceServerGroups(this.pool);
    this.loadBalancers = gceLoadBalancers(this.pool);
    this.securityGroups = gceSecurityGroups(this.pool);
  }

  /** A read of the project (projects.get), the cheapest call that proves the credentials reach it. */
  async verify(account: ProviderAccount): Promise<string> {
    const project = account.spec.gce?.project;
    if (!project) throw invalid(`Account "${account.name}": provider gce needs spec.gce.project`);
    const c = await this.pool.for(account, account.spec.gce?.regions?.[0] ?? 'global');
    try {
      const [p] = await gce(`Account "${account.name}": reading project ${project}`,
        async () => (await c.get('projects')).get({ project }, callOptions));
      return `reaches GCE project ${p.name ?? project}${p.id ? ` (number ${String(p.id)})` : ''}`;
    } catch (err) {
      if (isProviderError(err, 'NotFound') || (isProviderError(err, 'Invalid') && /\b40[13]\b/.test(err.message))) {
        throw invalid(`Account "${account.name}": its credentials do not reach GCE project "${project}" (spec.gce.project): ${err.message}; `
          + 'correct the project ID, or use credentials of a service account with access to it (spec.gce.credentialsSecretRef)');
      }
      throw err;
    }
  }

  /** Nothing on GCE carries a Kubernetes owner reference. */
  ownsByReference(): boolean {
    return false;
  }

  /** Drops every client (the operator is stopping). */
  close(): void {
    this.pool.close();
  }
}
