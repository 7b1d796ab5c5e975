// Cluster: app-stack-detail on one account and location, and the rollout that turns a change of its
// desired template into a new ServerGroup by a deploy strategy (Orca's deploy strategies).
import { ageColumn, type KindDefinition } from '../kind.ts';
import { arr, bool, duration, int, localRef, mapOf, num, obj, objectName, oneOf, optional, percent, str, type Static } from '../schema.ts';
import { accountRefSchema, capacitySchema, celClusterName, clusterMonikerSchema, locationSchema, statusBase } from './common.ts';
import { thresholdsOverride } from './canary-config.ts';
import { serverGroupTemplate } from './template.ts';

export const strategyTypes = ['redblack', 'rollingredblack', 'highlander', 'canary', 'none'] as const;
export type StrategyType = (typeof strategyTypes)[number];

const rollbackSchema = obj('What to do when the new server group fails to become healthy.', {
  onFailure: bool('Re-enable the previous server group and disable the new one.', { default: true }),
  destroyLatest: optional(bool('Also destroy the new server group.')),
});

const cleanup = {
  delayBeforeCleanup: optional(duration('Wait this long after the new server group is healthy before disabling the old ones.')),
  scaleDown: optional(bool('Scale disabled server groups down to 0 (they are kept for a fast rollback).')),
  delayBeforeScaleDown: optional(duration('Wait this long after disabling before scaling down.')),
  rollback: optional(rollbackSchema),
};

export const strategySchema = obj('How a new server group replaces the old ones.', {
  type: oneOf('The strategy.', strategyTypes, { default: 'redblack' }),
  redBlack: optional(obj('red/black (blue/green): the new server group comes up disabled, is enabled when healthy, then the old ones are disabled.', {
    maxRemainingServerGroups: optional(int('Keep at most this many server groups, counting the new one; older ones are destroyed.', { minimum: 1, maximum: 100 })),
    ...cleanup,
  })),
  rollingRedBlack: optional(obj('rolling red/black: the new server group grows in steps while traffic moves off the old one.', {
    targetPercentages: arr('Steps, as percentages of the desired capacity, increasing; 100 is added when missing.', percent('A step.'),
      { minItems: 1, maxItems: 20, listType: 'set', rules: [{ rule: 'self.isSorted()', message: 'targetPercentages must increase, e.g. [10, 50, 100]' }] }),
    validationPipelineRef: optional(obj('A Pipeline run after each step; the rollout fails when it fails.', {
      name: objectName('Name of the Pipeline, in this namespace.'),
      parameters: optional(mapOf('Parameters for each run, besides deployedServerGroup, sourceServerGroup and percentageComplete.',
        str('A value.', { maxLength: 4096 }))),
    })),
    ...cleanup,
  })),
  canary: optional(obj('canary: baseline (current version) and canary (new version) server groups beside production, judged by canary analysis; promoted by red/black or rolled back.', {
    canaryConfigRef: localRef('The CanaryConfig (in this namespace) to judge with.'),
    replicas: int('Instances in each of the canary and baseline server groups.', { minimum: 1, maximum: 1000 }),
    weight: optional(int('On weighted routes (a LoadBalancer with spec.kubernetes.httpRoute): the percent of traffic each of the baseline and the canary takes while judged, production the rest (10: production 80, baseline 10, canary 10). Absent: their share of the pods, replicas / (capacity.desired + 2 × replicas) each, rounded down (at least 1): 1 replica beside 4 takes 16, production 68.', { minimum: 1, maximum: 50 })),
    interval: duration('How often an analysis runs.', { default: '5m' }),
    lifetime: duration('How long the canary runs in all.', { default: '30m' }),
    warmup: optional(duration('Time before the first analysis starts.')),
    thresholds: thresholdsOverride('A final score at or above this promotes.', 'An interval score at or below this fails at once.'),
  })),
}, { rules: [
  { rule: "!has(self.redBlack) || self.type == 'redblack'", message: 'redBlack is only for type redblack', fieldPath: '.redBlack' },
  { rule: "!has(self.rollingRedBlack) || self.type == 'rollingredblack'", message: 'rollingRedBlack is only for type rollingredblack', fieldPath: '.rollingRedBlack' },
  { rule: "self.type != 'rollingredblack' || has(self.rollingRedBlack)", message: 'type rollingredblack needs rollingRedBlack.targetPercentages', fieldPath: '.type' },
  { rule: "(self.type == 'canary') == has(self.canary)", message: 'type canary needs a canary block, and a canary block needs type canary', fieldPath: '.type' },
] });

/** What a request of the server-group and cluster stages asks the Cluster controller to do. */
export const requestActions = ['enable', 'disable', 'resize', 'destroy', 'scaleDown', 'shrink', 'disableCluster'] as const;
export type RequestAction = (typeof requestActions)[number];
/** Spinnaker's current_asg_dynamic, ancestor_asg_dynamic and oldest_asg_dynamic. */
export const requestTargets = ['newest', 'previous', 'oldest'] as const;
const oneServerGroup = "self.action in ['enable', 'disable', 'resize', 'destroy']";

export const clusterRequestSchema = obj('A request of a server-group or cluster stage, carried out once between rollouts (one standing when a rollout starts waits for it to end).', {
  id: str('Unique id of the request; the controller records it in status.requests once handled, and never handles it again.', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 63 }),
  action: oneOf('enable, disable, resize or destroy one server group; scaleDown (all but the newest `remaining` to 0), shrink (destroy all but `remaining`) or disableCluster (disable all but `remaining`).', requestActions),
  target: optional(oneOf('The server group, counted among the cluster\'s server groups newest first: newest, previous (the one before it) or oldest.', requestTargets)),
  serverGroup: optional(str('The server group, by name.', { maxLength: 63 })),
  capacity: optional(capacitySchema),
  scale: optional(obj('resize: grow or shrink the server group\'s desired capacity by a count or a percentage of it (min and max widen to fit).', {
    direction: oneOf('up or down.', ['up', 'down'] as const),
    count: optional(int('Instances to add or remove.', { minimum: 1, maximum: 100000 })),
    percentage: optional(int('Percentage of the desired capacity to add or remove (rounded up).', { minimum: 1, maximum: 1000 })),
  }, { rules: [{ rule: 'has(self.count) != has(self.percentage)', message: 'scale needs exactly one of count and percentage' }] })),
  desiredPercentage: optional(percent('disable: take only this share of its instances out of traffic (the rest keep serving), where its provider can; 100 disables it whole.')),
  remaining: optional(int('scaleDown, shrink and disableCluster: how many server groups to leave as they are.', { minimum: 0, maximum: 100 })),
  preferLarger: optional(bool('scaleDown, shrink and disableCluster: leave the largest server groups rather than the newest.')),
  allowActive: optional(bool('scaleDown, shrink and destroy: enabled server groups may be scaled down or destroyed too, even when that leaves none enabled.')),
}, { rules: [
  { rule: `(${oneServerGroup}) == (has(self.target) != has(self.serverGroup))`, message: 'enable, disable, resize and destroy need exactly one of target and serverGroup; the cluster actions take neither', fieldPath: '.action' },
  { rule: "(self.action == 'resize') == (has(self.capacity) != has(self.scale))", message: 'resize needs exactly one of capacity and scale; other actions take neither', fieldPath: '.action' },
  { rule: `!(${oneServerGroup}) || !has(self.remaining) && !has(self.preferLarger)`, message: 'remaining and preferLarger are for scaleDown, shrink and disableCluster', fieldPath: '.remaining' },
  { rule: "!has(self.desiredPercentage) || self.action == 'disable'", message: 'desiredPercentage is for disable', fieldPath: '.desiredPercentage' },
] });
export type ClusterRequest = Static<typeof clusterRequestSchema>;

/** At most this many requests stand in a Cluster's spec; status keeps twice as many records, so each standing request's stays. */
export const maxRequests = 16;
export const maxRequestRecords = 32;

export const clusterSpec = obj('The cluster wanted: what runs, how much of it, behind what, and how changes roll out.', {
  moniker: clusterMonikerSchema,
  accountRef: accountRefSchema,
  location: optional(locationSchema),
  template: serverGroupTemplate('What each instance runs. Changing it rolls out a new server group.'),
  capacity: capacitySchema,
  useSourceCapacity: optional(bool('Copy capacity from the current server group instead of spec.capacity (for autoscaled clusters).')),
  targetHealthyPercentage: optional(percent('How many of the desired instances must be healthy before the new server group counts as up.', { default: 100 })),
  progressDeadline: optional(duration('How long a new server group may take to become healthy before the rollout fails (and rolls back).', { default: '10m' })),
  loadBalancerRefs: optional(arr('LoadBalancers (in this namespace) that enabled server groups join.', localRef('A LoadBalancer.'), { maxItems: 16 })),
  securityGroupRefs: optional(arr('SecurityGroups (in this namespace) that apply to every server group. Azure takes at most one (a network interface carries one network security group).', localRef('A SecurityGroup.'), { maxItems: 16 })),
  strategy: optional(strategySchema),
  rollback: optional(obj('A rollback request: the previous server group (or toServerGroup) is enabled at full size and the others disabled; the cluster stays there until its template changes again. Give each request a new id.', {
    id: str('Unique id of the request (a new one each time).', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 63 }),
    toServerGroup: optional(str('The server group to return to (default: the newest one before the active one).', { maxLength: 63 })),
  })),
  retry: optional(obj('A retry request: after a rollback or a failed rollout, the current template is rolled out again (as a new server group). Give each request a new id; one standing when a rollout starts is not applied to it.', {
    id: str('Unique id of the request (a new one each time).', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 63 }),
  })),
  requests: optional(arr('Requests of the server-group and cluster stages (enableServerGroup, resizeServerGroup, scaleDownCluster...): each is carried out once, between rollouts, and its result recorded in status.requests by id. Handled ones may be removed.',
    clusterRequestSchema, { maxItems: maxRequests, listType: 'map', listMapKeys: ['id'] })),
  canaryDecision: optional(obj('Ends a running canary analysis now: promote rolls the new version out as if the analysis passed; abort rolls it back. Give each decision a new id; one standing when a rollout starts is not applied to it.', {
    id: str('Unique id of the decision (a new one each time).', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 63 }),
    decision: oneOf('promote or abort.', ['promote', 'abort'] as const),
  })),
});

const intervalFields = {
  interval: int('Its number, from 1.', { minimum: 1 }),
  start: str('Start of the window judged.', { format: 'date-time' }),
  end: str('End of the window judged.', { format: 'date-time' }),
  score: num('The score, 0 to 100.', { minimum: 0, maximum: 100 }),
  classification: oneOf('Pass, Marginal or Fail by the thresholds.', ['Pass', 'Marginal', 'Fail'] as const),
  reason: str('How the score came about.', { maxLength: 4096 }),
};
const canaryInterval = obj('One interval\'s judgement.', intervalFields);
const canaryReport = obj('The last interval\'s judgement, with every metric\'s verdict.', {
  ...intervalFields,
  metrics: arr('Each metric\'s verdict.', obj('A metric\'s verdict.', {
    name: str('The metric.', { maxLength: 128 }),
    classification: oneOf('Its classification.', ['Pass', 'High', 'Low', 'NoData', 'NoDataFailMetric', 'Error'] as const),
    critical: optional(bool('True when this result failed the whole analysis.')),
    reason: str('Why.', { maxLength: 1024 }),
  }), { maxItems: 100 }),
});

export const rolloutPhases = ['Idle', 'Progressing', 'Analyzing', 'Succeeded', 'Failed', 'RolledBack'] as const;

export const clusterStatus = obj('What the controller observed of the cluster and its rollout.', {
  ...statusBase,
  activeServerGroup: optional(str('The newest enabled server group.', { maxLength: 63 })),
  serverGroups: optional(arr('The cluster\'s server groups, newest first.', obj('A server group, as observed.', {
    name: str('Its name.', { maxLength: 63 }),
    enabled: bool('Whether it takes traffic.'),
    readyReplicas: int('Healthy instances.', { minimum: 0 }),
    desiredReplicas: int('Instances wanted.', { minimum: 0 }),
    images: optional(str('What it runs, for display: container=image on Kubernetes, the image on a cloud.', { maxLength: 1024 })),
    role: optional(oneOf('The canary strategy\'s baseline or canary.', ['baseline', 'canary'] as const)),
  }), { maxItems: 1000 })),
  readyReplicas: optional(int('Healthy instances of the active server group.', { minimum: 0 })),
  desiredReplicas: optional(int('Desired instances of the active server group.', { minimum: 0 })),
  ready: optional(str('readyReplicas/desiredReplicas, for display.', { maxLength: 32 })),
  images: optional(str('What the active server group runs (the template, while none is active), for display: container=image on Kubernetes, the image on a cloud.', { maxLength: 1024 })),
  rollout: optional(obj('The current or last rollout: only what cannot be observed again.', {
    phase: oneOf('Where the rollout is.', rolloutPhases),
    revision: int('Counts rollouts of the cluster.', { minimum: 0 }),
    templateHash: str('Hash of the template the rollout deploys.', { maxLength: 64 }),
    strategy: optional(oneOf('The strategy the rollout was planned with (spec.strategy.type when it started).', strategyTypes)),
    step: optional(int('The step in progress: counted from 0 in the strategy\'s steps, from 1000 in an automatic rollback\'s, 2000 in a requested rollback\'s, 3000 in the end of a rollout whose strategy changed.', { minimum: 0 })),
    stepsHash: optional(str('Hash of the list of steps that step counts in. When spec.strategy gives a rollout in progress other steps, the rollout is ended (traffic back on the previous server group) and a new one starts from its first step.', { maxLength: 16 })),
    startTime: optional(str('When the rollout started.', { format: 'date-time' })),
    stepStartTime: optional(str('When the current step started.', { format: 'date-time' })),
    newServerGroup: optional(str('The server group being rolled out.', { maxLength: 63 })),
    previousServerGroup: optional(str('The server group it replaces.', { maxLength: 63 })),
    message: optional(str('What the rollout is doing or why it stopped.', { maxLength: 4096 })),
    rollbackId: optional(str('The id of the last rollback request carried out.', { maxLength: 63 })),
    canaryDecisionId: optional(str('The id of the last canary decision applied (or standing when the rollout started).', { maxLength: 63 })),
    retryId: optional(str('The id of the last retry request carried out (or standing when the rollout started).', { maxLength: 63 })),
  })),
  requests: optional(arr('The results of spec.requests, by id (the newest 32; every request still in spec keeps its record).', obj('What came of a request.', {
    id: str('The request\'s id.', { maxLength: 63 }),
    action: oneOf('What it asked.', requestActions),
    result: oneOf('Done (carried out) or Refused (nothing done; message says why).', ['Done', 'Refused'] as const),
    message: str('What was done, or why not.', { maxLength: 2048 }),
    serverGroups: optional(arr('The server groups acted on.', str('A name.', { maxLength: 63 }), { maxItems: 1000 })),
    capacity: optional(capacitySchema),
    time: str('When it was handled.', { format: 'date-time' }),
  }), { maxItems: maxRequestRecords, listType: 'map', listMapKeys: ['id'] })),
  canary: optional(obj('The canary analysis of the rollout (canary strategy).', {
    revision: int('The rollout it belongs to.', { minimum: 0 }),
    baseline: str('The baseline server group (the current version at canary size).', { maxLength: 63 }),
    canary: str('The canary server group (the new version at canary size).', { maxLength: 63 }),
    thresholds: obj('The thresholds applied.', {
      pass: num('Pass.', { minimum: 0, maximum: 100 }),
      marginal: num('Marginal.', { minimum: 0, maximum: 100 }),
    }),
    lastScore: optional(num('The last interval\'s score.', { minimum: 0, maximum: 100 })),
    intervals: arr('Each interval judged so far: its window, score and classification.', canaryInterval, { maxItems: 1000 }),
    lastInterval: optional(canaryReport),
    error: optional(str('Why the analysis failed without a score: the CanaryConfig cannot be used, or its metric source refused a query. Fix what it names.', { maxLength: 2048 })),
  })),
});

/** Reasons of a Cluster's Ready condition: whether the active server group serves. */
export type ClusterReadyReason = 'NoActiveServerGroup' | 'Serving' | 'Unhealthy';
/** Reasons of a Cluster's Progressing condition: where the rollout is. */
export type ClusterProgressingReason = (typeof rolloutPhases)[number];
/** Reasons of a Cluster's Reconciling condition (a rollout or a resize under way) and of its Stalled condition (a rollout that failed). */
export type ClusterProgressReason = 'RollingOut' | 'Analyzing' | 'RollingBack' | 'Scaling' | 'RolloutFailed' | 'RolledBack';

export type ClusterSpec = Static<typeof clusterSpec>;
export type ClusterStatus = Static<typeof clusterStatus>;

export const clusterKind: KindDefinition = {
  kind: 'Cluster', plural: 'clusters', singular: 'cluster', shortNames: ['cl'],
  description: 'A Cluster is app-stack-detail on one account and location: the desired template and capacity of its server groups, the load balancers and security groups they join, and the strategy that rolls a changed template out as a new ServerGroup.',
  nameMaxLength: 58,
  spec: clusterSpec, status: clusterStatus,
  rules: [
    { rule: `self.metadata.name == ${celClusterName('self.spec.moniker')}`,
      message: 'metadata.name of a Cluster must be its moniker spelled app[-stack[-detail]], e.g. shop-prod for app shop and stack prod' },
    // The canary strategy's server groups are named <cluster>-baseline-vNNN (detail <detail>-baseline): they must fit.
    { rule: "!has(self.spec.strategy) || self.spec.strategy.type != 'canary' || (size(self.metadata.name) <= 49 && (!has(self.spec.moniker.detail) || size(self.spec.moniker.detail) <= 31))",
      message: 'a Cluster with the canary strategy needs a name of at most 49 characters and a moniker detail of at most 31, so its baseline server group (<name>-baseline-vNNN) fits; shorten them' },
  ],
  printerColumns: [
    { name: 'Active', type: 'string', jsonPath: '.status.activeServerGroup', description: 'The newest enabled server group.' },
    { name: 'Ready', type: 'string', jsonPath: '.status.ready', description: 'Healthy instances / desired, of the active server group.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.rollout.phase', description: 'Rollout phase.' },
    { name: 'Canary', type: 'number', jsonPath: '.status.canary.lastScore', description: 'The last canary analysis score.' },
    { name: 'Strategy', type: 'string', jsonPath: '.spec.strategy.type', description: 'Deploy strategy.', priority: 1 },
    { name: 'Image', type: 'string', jsonPath: '.status.images', description: 'What the active server group runs.', priority: 1 },
    ageColumn,
  ],
};
