// The deployManifest stage's block, and the Account and manifest references the manifest stages share.
import { arr, bool, freeform, int, obj, objectName, oneOf, optional, str } from '../../schema.ts';
import { refIdPattern } from './common.ts';

/** The Account the manifest stages act through (a Kubernetes one), in this namespace. */
export const manifestAccountRef = obj('The Account (provider kubernetes), in this namespace; it decides the cluster and the namespaces the stage may act in.', {
  name: objectName('Its name.'),
});
/** The namespace a manifest stage acts in when the manifest names none. */
export const manifestNamespace = optional(objectName('The namespace for manifests that name none (default: the run\'s namespace); the Account must allow it.'));

/** deployManifest's traffic management of the ReplicaSets it deploys, as Spinnaker's: Service selectors on their pods, and what becomes of the older versions. */
const trafficManagement = optional(obj('Send traffic from Services to the versioned ReplicaSets deployed (their selectors copied onto the pods), and disable or delete the older versions once the new one is stable. ReplicaSets only: a Deployment among the manifests whose pods the Services would select is refused.', {
  enabled: bool('Manage traffic (default false).', { default: false }),
  options: optional(obj('How.', {
    enableTraffic: bool('Put the new ReplicaSet in the Services at once (default true); false deploys it dark, taking no traffic.', { default: true }),
    services: arr('Services in the ReplicaSet\'s namespace whose spec.selector is copied onto its pods; each Service needs selector keys of its own that the ReplicaSet does not set itself (e.g. staysail.dev/fronted-by-web: "true").',
      objectName('A Service\'s name.'), { listType: 'set', minItems: 1, maxItems: 16 }),
    strategy: oneOf('What happens to the other ReplicaSets of the cluster (same name before -vNNN) once the new one is stable: redblack (also bluegreen) takes them out of the Services and deletes those never stable, highlander takes them out and deletes them, none leaves them.',
      ['redblack', 'bluegreen', 'highlander', 'none'] as const, { default: 'none' }),
  }, { rules: [
    { rule: "self.enableTraffic || self.strategy == 'none'", message: 'a dark deploy (enableTraffic false) takes no traffic, so it cannot take it from the older versions: use strategy none, or enableTraffic true', fieldPath: '.strategy' },
  ] })),
}, { rules: [
  { rule: '!self.enabled || has(self.options)', message: 'trafficManagement.enabled needs options.services, the Services to send traffic from', fieldPath: '.options' },
] }));

export const deployManifestBlock = obj('deployManifest: server-side apply Kubernetes manifests (ConfigMaps, Secrets and bare ReplicaSets versioned as name-vNNN) and wait until every object is stable by kstatus\' rules.', {
  accountRef: manifestAccountRef,
  namespace: manifestNamespace,
  manifests: optional(arr('The manifests, inline; expressions ${...} fill them in.', freeform('A Kubernetes object: apiVersion, kind, metadata.name and the rest.'),
    { maxItems: 100 })),
  manifestsFrom: optional(obj('Where the manifests are, as YAML (each document one manifest): a ConfigMap in this namespace (configMapRef and key), or what an upstream bakeManifest stage rendered (stage).', {
    configMapRef: optional(obj('The ConfigMap.', { name: objectName('Its name.') })),
    key: optional(str('The key holding the YAML, e.g. manifests.yaml.', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 253 })),
    stage: optional(str('The refId of a bakeManifest stage upstream of this one (in its requisiteStageRefIds, or theirs); its rendered manifests are deployed.',
      { pattern: refIdPattern, maxLength: 63 })),
    evaluateExpressions: optional(bool('Evaluate expressions ${...} in the manifests. Default: true for a ConfigMap; false for a bake, unlike Spinnaker (which evaluates baked manifests unless skipExpressionEvaluation): a chart\'s or overlay\'s ${VAR} is usually shell or app text, and the run\'s values reach a bake through its values and overrides, which are evaluated.')),
  }, { rules: [
    { rule: 'has(self.configMapRef) != has(self.stage)', message: 'set manifestsFrom.configMapRef (with key) or manifestsFrom.stage (a bakeManifest stage), one of the two', fieldPath: '.configMapRef' },
    { rule: 'has(self.configMapRef) == has(self.key)', message: 'manifestsFrom.key is the key of manifestsFrom.configMapRef: set both, or neither with manifestsFrom.stage', fieldPath: '.key' },
  ] })),
  maxVersionHistory: optional(int('Versions of each versioned object kept once the deploy succeeds, the one deployed among them; older ones are deleted. Unset: every version is kept, as Spinnaker does.',
    { minimum: 1, maximum: 1000 })),
  skipVersioning: optional(bool('Deploy ConfigMaps, Secrets and ReplicaSets under their own names, not as name-vNNN (per manifest: annotation strategy.staysail.dev/versioned: "false").')),
  waitForStable: optional(bool('Wait until every object applied is Current by kstatus\' rules (default true); false succeeds once they are applied.')),
  failOnConflict: optional(bool('Fail when another field manager owns a field the manifests set, instead of taking it over (server-side apply without force). Default false.')),
  trafficManagement,
}, { rules: [
  { rule: 'has(self.manifests) != has(self.manifestsFrom)', message: 'set manifests (inline) or manifestsFrom (a ConfigMap or a bake), one of the two', fieldPath: '.manifests' },
  { rule: "!has(self.trafficManagement) || !self.trafficManagement.enabled || !has(self.trafficManagement.options) || self.trafficManagement.options.strategy == 'none' || !has(self.waitForStable) || self.waitForStable",
    message: 'a trafficManagement strategy acts on the older versions once the new one is stable, so it needs waitForStable true; use strategy none, or drop waitForStable false', fieldPath: '.trafficManagement' },
] });

/** The object a manifest stage acts on, by kind and name. */
export const manifestTarget = (description: string) => obj(description, {
  apiVersion: str('Its apiVersion, e.g. apps/v1.', { maxLength: 253 }),
  kind: str('Its kind, e.g. Deployment.', { maxLength: 63 }),
  name: str('Its name (may be an expression, e.g. an earlier deployManifest\'s output).', { maxLength: 253 }),
});
/** Whether a manifest stage waits for what it changed to be Current by kstatus' rules. */
export const waitForStable = optional(bool('Wait until the object is Current by kstatus\' rules (default true).'));
