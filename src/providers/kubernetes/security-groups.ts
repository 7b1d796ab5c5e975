// Security groups on Kubernetes: a NetworkPolicy selecting the pods of server groups that name the
// security group; ingress from CIDRs (ipBlock) or from other security groups' pods.
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { isNotFound } from '../../core/errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../../core/kube-client.ts';
import { invalid } from '../errors.ts';
import type { Owner, SecurityGroupProvider } from '../interfaces.ts';
import { namespaceOf } from './namespace.ts';
import { ownerReferences } from './owners.ts';
import { isOurs, managedBy, ownerAnnotation, securityGroupLabel } from './labels.ts';
import { typed, type ClientFor } from './server-groups.ts';

const networkPolicies: ResourceType = { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true };

/** The NetworkPolicy ingress rules for a SecurityGroup's rules. */
export function ingressRules(name: string, spec: SecurityGroupSpec): unknown[] {
  return spec.ingress.map((rule, i) => {
    if (rule.protocol === 'icmp') {
      throw invalid(`SecurityGroup "${name}": spec.ingress[${i}].protocol icmp cannot be expressed by a Kubernetes NetworkPolicy; use tcp, udp or all`);
    }
    const from = rule.from.cidr ? { ipBlock: { cidr: rule.from.cidr } }
      : { podSelector: { matchLabels: { [securityGroupLabel(rule.from.securityGroupRef!.name)]: 'true' } } };
    const ports = rule.protocol === 'all' || !rule.ports ? undefined
      : [{ protocol: rule.protocol.toUpperCase(), port: rule.ports.from, ...(rule.ports.to && rule.ports.to !== rule.ports.from ? { endPort: rule.ports.to } : {}) }];
    return { from: [from], ...(ports ? { ports } : {}) };
  });
}

const existing = async (client: KubeClient, ns: string, name: string) =>
  client.get<KubeObject>(networkPolicies, ns, name).catch((err: unknown) => { if (isNotFound(err)) return undefined; throw err; });

export function kubernetesSecurityGroups(clientFor: ClientFor): SecurityGroupProvider {
  return {
    async describe(a, l, name) {
      const client = await clientFor(a);
      try {
        const np = await client.get<KubeObject<{ ingress?: unknown[] }>>(networkPolicies, namespaceOf(a, l), name);
        return { name, providerId: `${np.metadata.namespace}/networkpolicies/${name}`, ingressRules: np.spec?.ingress?.length ?? 0 };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async upsert(a, l, name, spec, owner: Owner) {
      const client = await clientFor(a);
      const ns = namespaceOf(a, l);
      const ingress = ingressRules(name, spec);
      if (!isOurs(await existing(client, ns, name), owner.kind, owner.name)) {
        throw invalid(`NetworkPolicy "${name}" already exists in namespace "${ns}" and is not ${owner.kind} "${owner.name}"'s; rename the ${owner.kind} or remove the NetworkPolicy`);
      }
      await typed(`security group ${name}`, () => client.apply(networkPolicies, {
        metadata: { name, namespace: ns, labels: { ...managedBy }, annotations: { [ownerAnnotation]: `${owner.kind}/${owner.name}/${owner.uid}` },
          ownerReferences: ownerReferences(a, ns, owner) },
        spec: { podSelector: { matchLabels: { [securityGroupLabel(name)]: 'true' } }, policyTypes: ['Ingress'], ingress },
      } as KubeObject, 'staysail', { force: true }));
      return { name, providerId: `${ns}/networkpolicies/${name}`, ingressRules: ingress.length };
    },
    async delete(a, l, name) {
      const client = await clientFor(a);
      const ns = namespaceOf(a, l);
      if (!isOurs(await existing(client, ns, name), 'SecurityGroup', name)) return; // someone else's NetworkPolicy of that name
      try { await client.delete(networkPolicies, ns, name); } catch (err) { if (!isNotFound(err)) throw err; }
    },
  };
}
