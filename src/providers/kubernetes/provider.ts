// The Kubernetes provider: server groups as ReplicaSets, load balancers as Services, security
// groups as NetworkPolicies, in the cluster Staysail runs in or another one (a kubeconfig Secret).
import { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../../core/clock.ts';
import { KubeClient } from '../../core/kube-client.ts';
import { CredentialsResolver } from '../credentials.ts';
import { invalid } from '../errors.ts';
import type { ChangeSource, Location, Provider, ProviderAccount } from '../interfaces.ts';
import { managedBy, serverGroupLabel } from './labels.ts';
import { kubernetesLoadBalancers } from './load-balancers.ts';
import { kubernetesManifests } from './manifests.ts';
import { ownsByReference } from './owners.ts';
import { kubernetesSecurityGroups } from './security-groups.ts';
import { kubernetesServerGroups, replicaSets, type ClientFor } from './server-groups.ts';

export class KubernetesProvider implements Provider {
  readonly name = 'kubernetes' as const;
  readonly serverGroups;
  readonly loadBalancers;
  readonly securityGroups;
  readonly manifests;
  /** ReplicaSets Staysail made: their pods becoming ready is a server group changing. */
  readonly changeSources: ChangeSource[] = [{
    resource: replicaSets,
    labelSelector: Object.entries(managedBy).map(([k, v]) => `${k}=${v}`).join(','),
    serverGroupKeyOf: (rs) => (rs.metadata.labels?.[serverGroupLabel] ? `${rs.metadata.namespace}/${rs.metadata.labels[serverGroupLabel]}` : undefined),
  }];

  private readonly clientFor: ClientFor;

  /** home: the client of the cluster Staysail runs in (where Accounts and their Secrets live). */
  constructor(home: KubeClient, clock: Clock) {
    const credentials = new CredentialsResolver(home);
    const clientFor: ClientFor = async (account: ProviderAccount) => {
      const ref = account.spec.kubernetes?.kubeconfigSecretRef;
      if (!ref) return home;
      const context = account.spec.kubernetes?.context;
      return credentials.resolve(account, { secretRef: ref, field: 'spec.kubernetes.kubeconfigSecretRef', defaultKey: 'kubeconfig', holds: 'a kubeconfig' },
        (value) => ({ value: new KubeClient(kubeConfigOf(account, ref.name, value.toString('utf8'), context), { clock }) }), context);
    };
    this.clientFor = clientFor;
    this.serverGroups = kubernetesServerGroups(clientFor);
    this.loadBalancers = kubernetesLoadBalancers(clientFor);
    this.securityGroups = kubernetesSecurityGroups(clientFor);
    this.manifests = kubernetesManifests(clientFor, clock);
  }

  async verify(account: ProviderAccount): Promise<string> {
    const client = await this.clientFor(account);
    const version = await client.request<{ gitVersion?: string }>('get', 'GET', '/version');
    return `reaches ${client.kubeConfig.getCurrentCluster()?.server ?? 'the cluster'} (Kubernetes ${version?.gitVersion ?? 'unknown version'})`;
  }

  ownsByReference(account: ProviderAccount, location: Location): boolean {
    return ownsByReference(account, location);
  }
}

/** A kubeconfig from a Secret, at the Account's context; throws what is wrong with it. */
function kubeConfigOf(account: ProviderAccount, secret: string, text: string, context: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw invalid(`Account "${account.name}": the kubeconfig in Secret "${secret}" has no context "${context}" (spec.kubernetes.context); `
        + `use one of ${kc.getContexts().map((c) => `"${c.name}"`).join(', ') || 'its contexts (it has none)'}, or leave the field out for its current context`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new Error(`its current context${context ? ` "${context}"` : ''} names no cluster`);
  return kc;
}
