// Account: a cloud account or a Kubernetes cluster that server groups, load balancers and security
// groups are made in (Clouddriver's credentials), with its credentials in a Secret.
import { ageColumn, readyColumn, reasonColumn, type KindDefinition } from '../kind.ts';
import { arr, obj, objectName, oneOf, optional, str, type Static } from '../schema.ts';
import { permissionsSchema, statusBase } from './common.ts';

export const providers = ['kubernetes', 'aws', 'gce', 'azure'] as const;
export type ProviderName = (typeof providers)[number];

const secretRef = (description: string) => obj(description, {
  name: objectName('Name of the Secret, in this namespace.'),
  key: optional(str('Key within the Secret (default depends on the provider).', { maxLength: 253 })),
});
const regions = (example: string) => optional(arr(`Regions this account may deploy to, e.g. ${example}.`,
  str('A region.', { pattern: '^[a-z0-9-]+$', maxLength: 64 }), { listType: 'set', maxItems: 64 }));
const endpoint = optional(str('Override of the API endpoint (private clouds, emulators): an http or https URL.',
  { pattern: '^https?://', maxLength: 2048 }));

/** A Kubernetes kind as manifests spell it, e.g. Deployment. */
const manifestKind = str('A kind, as a manifest\'s kind field spells it (e.g. Deployment).', { pattern: '^[A-Z][A-Za-z0-9]*$', maxLength: 63 });

/** An https URL: Azure's clients send bearer tokens over TLS only. */
const httpsUrl = (description: string) => optional(str(description, { pattern: '^https?://', maxLength: 2048,
  rules: [{ rule: "self.startsWith('https://')", message: 'use an https:// URL: Azure sends its tokens over TLS only' }] }));

export const accountSpec = obj('The provider and how to reach it. Exactly the block named by provider is set.', {
  provider: oneOf('Which provider the account is.', providers),
  kubernetes: optional(obj('A Kubernetes cluster.', {
    kubeconfigSecretRef: optional(secretRef('A Secret holding a kubeconfig (key default: kubeconfig). Absent: the cluster Staysail runs in.')),
    context: optional(str('Context within the kubeconfig (default: its current context).', { maxLength: 253 })),
    namespaces: optional(arr('Namespaces this account may deploy to. Empty: only the namespace of each object.',
      objectName('A namespace.'), { listType: 'set', maxItems: 256 })),
    manifests: optional(obj('The kinds the manifest stages (deployManifest, deleteManifest, patchManifest...) may act on through this Account.', {
      kinds: optional(arr('Kinds they may act on, e.g. Deployment, Service, ClusterRole. Absent or empty: every namespaced kind. A cluster-scoped kind (a ClusterRole, a CustomResourceDefinition) is refused unless listed here.',
        manifestKind, { listType: 'set', maxItems: 256 })),
      omitKinds: optional(arr('Kinds they may never act on, e.g. Secret, whatever kinds says.', manifestKind, { listType: 'set', maxItems: 256 })),
    }, { rules: [
      { rule: '!has(self.kinds) || !has(self.omitKinds) || !self.kinds.exists(k, k in self.omitKinds)', message: 'a kind is in both kinds and omitKinds; keep it in one of the two', fieldPath: '.omitKinds' },
    ] })),
  })),
  aws: optional(obj('An AWS account.', {
    accountId: str('The 12-digit AWS account ID.', { pattern: '^[0-9]{12}$', maxLength: 12 }),
    regions: regions('us-east-1'),
    assumeRole: optional(obj('A role assumed (sts:AssumeRole) for every call, with the credentials below as the caller.', {
      roleArn: str('The role to assume.', { pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$', maxLength: 2048 }),
      externalId: optional(str('The external ID the role\'s trust policy asks for.', { minLength: 2, maxLength: 1224 })),
      sessionName: optional(str('The role session name (default: staysail).', { pattern: '^[\\w+=,.@-]{2,64}$', maxLength: 64 })),
    })),
    credentialsSecretRef: optional(obj('A Secret (in this namespace) with keys accessKeyId and secretAccessKey, and optionally sessionToken. Absent: the default credential chain (environment, IRSA web identity, ECS or EC2 instance role).', {
      name: objectName('Name of the Secret, in this namespace.'),
    })),
    endpoint,
  })),
  gce: optional(obj('A Google Cloud project.', {
    project: str('The project ID.', { pattern: '^[a-z][-a-z0-9]{4,28}[a-z0-9]$', maxLength: 30 }),
    regions: regions('europe-west1'),
    credentialsSecretRef: optional(secretRef('A Secret with a service-account JSON key (key default: credentials.json). Absent: application default credentials.')),
    endpoint,
  })),
  azure: optional(obj('An Azure subscription.', {
    subscriptionId: str('The subscription ID (a GUID).', { pattern: '^[0-9a-fA-F-]{36}$', maxLength: 36 }),
    tenantId: str('The Microsoft Entra tenant ID (a GUID) the service principal of credentialsSecretRef signs in to.', { pattern: '^[0-9a-fA-F-]{36}$', maxLength: 36 }),
    resourceGroup: str('The resource group every resource Staysail makes is made in; it must exist.', { minLength: 1, maxLength: 90 }),
    regions: regions('westeurope'),
    credentialsSecretRef: optional(obj('A Secret (in this namespace) with keys clientId and clientSecret of a service principal of the tenant. Absent: the default credential chain (workload identity, managed identity, environment).', {
      name: objectName('Name of the Secret, in this namespace.'),
    })),
    endpoint: httpsUrl('Override of the Resource Manager endpoint (sovereign clouds, emulators): an https URL. Default: https://management.azure.com.'),
    authorityHost: httpsUrl('Override of the Microsoft Entra authority that issues tokens (sovereign clouds, emulators): an https URL. Default: https://login.microsoftonline.com.'),
  })),
  permissions: optional(permissionsSchema),
}, { rules: [
  { rule: "self.provider == 'kubernetes' || !has(self.kubernetes)", message: 'a kubernetes block needs provider kubernetes', fieldPath: '.kubernetes' },
  { rule: "(self.provider == 'aws') == has(self.aws)", message: 'provider aws needs an aws block, and an aws block needs provider aws', fieldPath: '.aws' },
  { rule: "(self.provider == 'gce') == has(self.gce)", message: 'provider gce needs a gce block, and a gce block needs provider gce', fieldPath: '.gce' },
  { rule: "(self.provider == 'azure') == has(self.azure)", message: 'provider azure needs an azure block, and an azure block needs provider azure', fieldPath: '.azure' },
] });

export const accountStatus = obj('What the controller observed of the account.', {
  ...statusBase,
  regions: optional(arr('Regions (or namespaces) found reachable.', str('A region or namespace.', { maxLength: 64 }), { maxItems: 256 })),
});

export type AccountSpec = Static<typeof accountSpec>;
export type AccountStatus = Static<typeof accountStatus>;

/** Reasons of an Account's conditions: Ready (and Reconciling or Stalled beside it), and FieldsActedOn. */
export type AccountReason = 'Reachable' | 'Invalid' | 'Unreachable' | 'NotActedOn';

/**
 * Reasons an object acting through an Account gives when the Account or its provider stands in the
 * way (on Ready, and Reconciling or Stalled beside it): the Account is missing, its provider is not in
 * this operator, or the provider refused, throttled, failed, could not be reached or is still at work.
 */
export type ProviderReason = 'AccountNotFound' | 'ProviderUnavailable' | 'Invalid' | 'QuotaExceeded' | 'Conflict' | 'Throttled' | 'ProviderError'
  | 'Unreachable' | 'InProgress';

/** Reasons on the Ready condition of an object its finalizer holds because what the provider made for it cannot be removed yet. */
export type RemovalReason = 'AccountMissing' | ProviderReason;

export const accountKind: KindDefinition = {
  kind: 'Account', plural: 'accounts', singular: 'account', shortNames: ['acct'],
  description: 'An Account is somewhere Staysail deploys: a Kubernetes cluster (this one, or another through a kubeconfig Secret), an AWS account, a Google Cloud project or an Azure subscription.',
  spec: accountSpec, status: accountStatus,
  printerColumns: [
    { name: 'Provider', type: 'string', jsonPath: '.spec.provider', description: 'The provider.' },
    readyColumn, reasonColumn, ageColumn,
  ],
};
