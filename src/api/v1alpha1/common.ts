// Pieces shared by several kinds: conditions, status basics, monikers, capacity, locations,
// permissions, notifications.
import { arr, int, obj, objectName, oneOf, optional, str, type Rule, type Static } from '../schema.ts';

export const group = 'staysail.dev';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

export const conditionSchema = obj('A condition of the object, in the standard Kubernetes shape.', {
  type: str('Kind of condition, e.g. Ready or Succeeded.', { maxLength: 316 }),
  status: oneOf('Whether the condition holds.', ['True', 'False', 'Unknown'] as const),
  observedGeneration: optional(int('The metadata.generation the condition was computed from.', { minimum: 0 })),
  lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
  reason: str('One CamelCase word saying why, for programs.', { maxLength: 1024 }),
  message: str('What happened and what to do, for people.', { maxLength: 32768 }),
});
export type Condition = Static<typeof conditionSchema>;

/** The fields every status has. */
export const statusBase = {
  observedGeneration: optional(int('The metadata.generation the controller has fully acted on: done (a rollout, a run, a provider operation finished), or stalled until something changes (see the Stalled condition). It stays behind while the Reconciling condition is True; -1 until a first generation is done.',
    { minimum: -1, default: -1 })),
  conditions: optional(arr('The latest observations of the object\'s state.', conditionSchema, { listType: 'map', listMapKeys: ['type'], maxItems: 32 })),
};

// Names follow Spinnaker's moniker (Frigga) rules, restricted to what Kubernetes names accept:
// app and stack are lower-case letters and digits; detail may also hold hyphens; none may look like a
// version token (v000 to v999999), because the version is what follows the cluster name.
export const appPattern = '^[a-z0-9]+$';
export const stackPattern = '^[a-z0-9]+$';
export const detailPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const notVersionLike = (field: string): Rule => ({
  rule: "!self.matches('(^|-)v[0-9]{3,6}(-|$)')",
  message: `${field} must not contain a version-like token such as v001: Staysail appends the version to the cluster name`,
});

export const monikerFields = {
  app: str('The application (an Application in this namespace). Lower-case letters and digits.', { pattern: appPattern, maxLength: 40 }),
  stack: optional(str('The stack, e.g. prod or staging. Lower-case letters and digits.', { pattern: stackPattern, maxLength: 20, rules: [notVersionLike('stack')] })),
  detail: optional(str('Free-form detail, e.g. canary or east. Lower-case letters, digits and hyphens.',
    { pattern: detailPattern, maxLength: 40, rules: [notVersionLike('detail')] })),
};
export const clusterMonikerSchema = obj('Spinnaker moniker: the cluster is app[-stack[-detail]] (app--detail when there is no stack).', monikerFields);

/** CEL: the cluster name a moniker at `m` spells. */
export const celClusterName = (m: string) =>
  `${m}.app + ((has(${m}.stack) || has(${m}.detail)) ? '-' + (has(${m}.stack) ? ${m}.stack : '') : '') + (has(${m}.detail) ? '-' + ${m}.detail : '')`;

export const capacitySchema = obj('How many instances: desired, kept between min and max.', {
  min: int('Fewest instances.', { minimum: 0, maximum: 100000 }),
  max: int('Most instances.', { minimum: 0, maximum: 100000 }),
  desired: int('Instances wanted now.', { minimum: 0, maximum: 100000 }),
}, { rules: [
  { rule: 'self.min <= self.desired && self.desired <= self.max', message: 'capacity must satisfy min <= desired <= max' },
] });
export type Capacity = Static<typeof capacitySchema>;

export const locationSchema = obj('Where the resources live: a namespace on Kubernetes, a region (and zones) on a cloud.', {
  namespace: optional(objectName('Kubernetes: the target namespace (default: this object\'s namespace).')),
  region: optional(str('Clouds: the region, e.g. us-east-1, europe-west1, westeurope.', { pattern: '^[a-z0-9-]+$', maxLength: 64 })),
  zones: optional(arr('Clouds: availability zones within the region (on GCE, one zone makes zonal managed instance groups; none, or several, regional ones over those zones; on Azure, the scale set\'s zones, e.g. 1, 2, 3).', str('A zone, e.g. us-east-1a, europe-west1-b or 1.', { pattern: '^[a-z0-9-]+$', maxLength: 64 }),
    { listType: 'set', maxItems: 16 })),
  network: optional(str('Clouds: the network the resources live in: an AWS VPC (vpc-...) or a GCE network (default: the region\'s default one); '
    + 'on Azure a subnet, <virtualNetwork>/<subnet> in the Account\'s resource group or a subnet resource ID, where server groups\' '
    + 'network interfaces and internal load balancers\' frontends go (required there, unless the template names spec.template.azure.subnetId).',
    { maxLength: 2048 })),
});

export const accountRefSchema = obj('The Account (in this namespace) whose provider and credentials to use.', {
  name: objectName('Name of the Account.'),
});

const roles = (what: string) => optional(arr(`Groups allowed to ${what}. Empty or absent: anyone with Kubernetes RBAC access.`,
  str('A group name as the identity provider reports it.', { maxLength: 256 }), { listType: 'set', maxItems: 64 }));

export const permissionsSchema = obj('Who may do what, by group (Spinnaker\'s READ, WRITE and EXECUTE).', {
  read: roles('see it'),
  write: roles('change it'),
  execute: roles('run its pipelines'),
});

export const notificationEvents = ['pipeline.starting', 'pipeline.complete', 'pipeline.failed', 'stage.starting', 'stage.complete',
  'stage.failed', 'manualJudgment', 'manualJudgmentContinue', 'manualJudgmentStop'] as const;

export const notificationSchema = obj('Where to tell people about runs and stages.', {
  type: oneOf('How to notify.', ['slack', 'webhook', 'email', 'event'] as const),
  address: optional(str('The Slack channel, webhook URL or e-mail address (not needed for event).', { maxLength: 2048 })),
  secretRef: optional(obj('A Secret holding the Slack token, webhook signing secret or SMTP credentials.', {
    name: objectName('Name of the Secret, in this namespace.'),
    key: optional(str('Key within the Secret.', { maxLength: 253 })),
  })),
  when: arr('The events that notify.', oneOf('An event.', notificationEvents), { listType: 'set', minItems: 1, maxItems: 16 }),
  message: optional(obj('Custom text per event, replacing the default.', {
    text: str('The text; expressions ${...} are evaluated.', { maxLength: 4096 }),
  })),
}, { rules: [{ rule: "self.type == 'event' || has(self.address)", message: 'address is required unless type is event', fieldPath: '.address' }] });

