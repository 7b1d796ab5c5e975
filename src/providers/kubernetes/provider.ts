// The Kubernetes provider: server groups as ReplicaSets, load balancers as Services, security
// groups as NetworkPolicies, in the cluster Staysail runs in or another one (a kubeconfig Secret).
import { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../../core/clock.ts';
import { isNotFound } from '../../core/errors.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../core/kube-client.ts';
import { invalid } from '../errors.ts';
import type { ChangeSource, Provider, ProviderAccount } from '../interfaces.ts';
import { managedBy, serverGroupLabel } from './labels.ts';
import { kubernetesLoadBalancers } from './load-balancers.ts';
import { kubernetesSecurityGroups } from './security-groups.ts';
import { kubernetesServerGroups, replicaSets, type ClientFor } from './server-groups.ts';

const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

export class KubernetesProvider implements Provider {
  readonly name = 'kubernetes' as const;
  readonly serverGroups;
  readonly loadBalancers;
  readonly securityGroups;
  /** ReplicaSets Staysail made: their pods becoming ready is a server group changing. */
  readonly changeSources: ChangeSource[] = [{
    resource: replicaSets,
    labelSelector: Object.entries(managedBy).map(([k, v]) => `${k}=${v}`).join(','),
    serverGroupKeyOf: (rs) => (rs.metadata.labels?.[serverGroupLabel] ? `${rs.metadata.namespace}/${rs.metadata.labels[serverGroupLabel]}` : undefined),
  }];

  private readonly clientFor: ClientFor;

  /** home: the client of the cluster Staysail runs in (where Accounts and their Secrets live). */
  constructor(home: KubeClient, clock: Clock) {
    const clients = new Map<string, KubeClient>();
    const clientFor: ClientFor = async (account: ProviderAccount) => {
      const ref = account.spec.kubernetes?.kubeconfigSecretRef;
      if (!ref) return home;
      const secret = await home.get<KubeObject & { data?: Record<string, string> }>(secrets, account.namespace, ref.name).catch((err: unknown) => {
        if (isNotFound(err)) throw invalid(`Account "${account.name}": Secret "${ref.name}" (spec.kubernetes.kubeconfigSecretRef) does not exist`);
        throw err;
      });
      const key = ref.key ?? 'kubeconfig';
      const data = secret.data?.[key];
      if (!data) throw invalid(`Account "${account.name}": Secret "${ref.name}" has no key "${key}"`);
      const cacheKey = `${account.namespace}/${ref.name}/${secret.metadata.resourceVersion}/${account.spec.kubernetes?.context ?? ''}`;
      let client = clients.get(cacheKey);
      if (!client) {
        const kc = new KubeConfig();
        kc.loadFromString(Buffer.from(data, 'base64').toString('utf8'));
        if (account.spec.kubernetes?.context) kc.setCurrentContext(account.spec.kubernetes.context);
        client = new KubeClient(kc, { clock });
        clients.set(cacheKey, client);
      }
      return client;
    };
    this.clientFor = clientFor;
    this.serverGroups = kubernetesServerGroups(clientFor);
    this.loadBalancers = kubernetesLoadBalancers(clientFor);
    this.securityGroups = kubernetesSecurityGroups(clientFor);
  }

  async verify(account: ProviderAccount): Promise<string> {
    const client = await this.clientFor(account);
    const version = await client.request<{ gitVersion?: string }>('get', 'GET', '/version');
    return `reaches ${client.kubeConfig.getCurrentCluster()?.server ?? 'the cluster'} (Kubernetes ${version?.gitVersion ?? 'unknown version'})`;
  }
}
