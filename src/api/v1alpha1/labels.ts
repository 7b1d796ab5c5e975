// Every staysail.dev label, annotation and finalizer name the operator writes or reads, and what it
// means. Controllers, stages and providers import them from here instead of spelling them out.
import { group } from './common.ts';

// Pipelines: what a run makes, and how it finds it again.

/** On a runJob stage's Job: the PipelineRun that made it. */
export const pipelineRunLabel = `${group}/pipeline-run`;
/** On what a stage makes (a Job, a child PipelineRun, a ServerGroup...): the refId of the stage. */
export const stageLabel = `${group}/stage`;
/** On what a stage makes, beside stageLabel: the attempt of the stage it was made by, so a retry makes a new one. */
export const attemptLabel = `${group}/attempt`;
/** On a child PipelineRun made by a pipeline stage: the run whose stage made it. */
export const parentRunLabel = `${group}/parent-run`;

// Triggers: which trigger of which Pipeline started a run.

/** On a PipelineRun a trigger started: the trigger's name in its Pipeline's spec.triggers. */
export const triggerLabel = `${group}/trigger`;
/** On a PipelineRun a trigger started: the trigger's type (cron, webhook, git, docker, pipeline, jenkins). */
export const triggerTypeLabel = `${group}/trigger-type`;

// Clusters: their server groups and validation runs.

/** On a Cluster's ServerGroups and validation PipelineRuns: the Cluster's name. */
export const clusterLabel = `${group}/cluster`;
/** On the canary strategy's baseline and canary ServerGroups: which of the two it is. */
export const canaryRoleLabel = `${group}/canary-role`;
/** On a Cluster's validation PipelineRun: the rollout revision it validates. */
export const rolloutLabel = `${group}/rollout`;
/** On a Cluster's validation PipelineRun: the percentage of the step it validates. */
export const stepLabel = `${group}/step`;
/** On a Cluster: the request id of the resizeServerGroup stage that last set its spec.capacity (so a repeated pass knows it sent it). */
export const capacitySetByAnnotation = `${group}/capacity-set-by`;

// What providers make (the Kubernetes provider's ReplicaSets, Services, NetworkPolicies).

/** On a server group's ReplicaSet and pods: the ServerGroup's name. */
export const serverGroupLabel = `${group}/server-group`;
/** On a server group's ReplicaSet and pods: its cluster (app-stack-detail), as Spinnaker's moniker. */
export const monikerClusterLabel = `moniker.${group}/cluster`;
/** On a server group's ReplicaSet and pods: its sequence number, as Spinnaker's moniker. */
export const monikerSequenceLabel = `moniker.${group}/sequence`;
/** On a ServerGroup and its ReplicaSet: the hash of the template it was made from. */
export const templateHashAnnotation = `${group}/template-hash`;
/** On a server group's ReplicaSet: its capacity's min and max, as JSON. */
export const capacityAnnotation = `${group}/capacity`;
/** On a server group's ReplicaSet: "true" while it takes traffic. */
export const enabledAnnotation = `${group}/enabled`;
/** On a server group's ReplicaSet: the load balancers it joins when enabled, as JSON. */
export const loadBalancersAnnotation = `${group}/load-balancers`;
/** On what a provider makes: kind/name/uid of the object it was made for (see isOurs in the provider). */
export const ownerAnnotation = `${group}/owner`;
/** Every traffic label starts so, and no other label does. */
export const trafficLabelPrefix = `lb.${group}/`;
/** Every security group label starts so, and no other label does. */
export const securityGroupLabelPrefix = `sg.${group}/`;

// What manifest stages deploy (deployManifest's versioned ConfigMaps, Secrets and ReplicaSets).

/** On a versioned object deployManifest applied (name-vNNN): the name its manifest gave it, so its versions can be listed. */
export const artifactNameLabel = `artifact.${group}/name`;
/** On a versioned object deployManifest applied: its version, e.g. v001. */
export const artifactVersionAnnotation = `artifact.${group}/version`;
/** On a versioned object deployManifest applied: the hash of its manifest's content, so the same content reuses its version. */
export const manifestHashAnnotation = `${group}/manifest-hash`;
/** Set by people on a manifest: "false" deploys a ConfigMap, Secret or ReplicaSet under its own name; "true" versions any other kind. */
export const versionedAnnotation = `strategy.${group}/versioned`;
/** On a ReplicaSet deployManifest's trafficManagement applied: the Services it serves, as JSON, e.g. ["service web"] (enableManifest and disableManifest read it). */
export const trafficLoadBalancersAnnotation = `traffic.${group}/load-balancers`;

// Set by people.

/** Set to "true" on an object whose provider resource cannot be removed, to let the object go and leave the resource behind. */
export const orphanAnnotation = `${group}/orphan`;

// Finalizers: each holds its kind until what the provider made for it is removed.

/** Holds a ServerGroup until its server group is removed. */
export const serverGroupFinalizer = `${group}/server-group`;
/** Holds a LoadBalancer until its load balancer is removed. */
export const loadBalancerFinalizer = `${group}/load-balancer`;
/** Holds a SecurityGroup until its security group is removed. */
export const securityGroupFinalizer = `${group}/security-group`;
