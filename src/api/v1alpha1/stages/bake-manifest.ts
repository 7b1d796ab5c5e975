// The bakeManifest stage's block: a Helm chart or a Kustomize overlay, rendered into manifests a later
// deployManifest reads (manifestsFrom.stage). Files come from ConfigMaps, whose keys cannot hold '/':
// a key's "__" stands for a folder separator (templates__deployment.yaml is templates/deployment.yaml).
import { arr, bool, freeform, mapOf, obj, objectName, oneOf, optional, str, type Static } from '../../schema.ts';

export const templateRenderers = ['helm', 'kustomize'] as const;

/** A ConfigMap key: what the API server allows. */
const configMapKey = (description: string) => str(description, { pattern: '^[-._a-zA-Z0-9]+$', maxLength: 253 });
/** A relative folder inside the stage's work folder: no leading '/', and no '.' or '..' step (a step starts with a letter, digit or '_'). */
const relativeFolder = (description: string) => str(description,
  { pattern: '^(\\.|[A-Za-z0-9_][-A-Za-z0-9_.]*(/[A-Za-z0-9_][-A-Za-z0-9_.]*)*)$', maxLength: 200 });

const repository = obj('A chart repository served over HTTP(S): its index.yaml lists the chart\'s versions and where their .tgz is.', {
  url: str('The repository\'s URL, e.g. https://charts.example.com/stable (index.yaml is read beside it).', { pattern: '^https?://[^\\s]+$', maxLength: 2048 }),
  chart: str('The chart\'s name in the index.', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 253 }),
  version: str('The chart\'s version, exactly as the index lists it (e.g. 1.4.2).', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.+]*$', maxLength: 128 }),
  credentialsSecretRef: optional(obj('A Secret in this namespace with keys username and password, sent as HTTP basic auth to the repository\'s origin only, and only over https (or http to 127.0.0.1 or localhost). The Secret must carry the annotation staysail.dev/repository-url, a prefix of url, saying the credentials are for this repository.', {
    name: objectName('Its name.'),
  })),
});

const chartFrom = obj('Where the chart is: a ConfigMap in this namespace, or a chart repository; one of the two.', {
  configMapRef: optional(obj('A ConfigMap holding the packaged chart (one binaryData key ending .tgz, as helm package makes it) or the chart\'s files (Chart.yaml, values.yaml, templates__deployment.yaml: "__" in a key is a "/").', {
    name: objectName('Its name.'),
  })),
  repository: optional(repository),
}, { rules: [{ rule: 'has(self.configMapRef) != has(self.repository)', message: 'set chartFrom.configMapRef or chartFrom.repository, one of the two', fieldPath: '.configMapRef' }] });

const helm = obj('How helm template renders the chart.', {
  chartFrom,
  releaseName: str('The release name (.Release.Name).', { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 53 }),
  namespace: optional(objectName('.Release.Namespace (default: the run\'s namespace). Objects the chart does not place get it only when deployManifest puts them there.')),
  valuesFrom: optional(arr('Values files from ConfigMaps in this namespace, in order (helm -f); later ones win.', obj('A values file.', {
    configMapRef: obj('The ConfigMap.', { name: objectName('Its name.') }),
    key: configMapKey('The key holding the YAML, e.g. values-prod.yaml.'),
  }), { maxItems: 16 })),
  values: optional(freeform('Values, inline; they win over valuesFrom. Expressions ${...} in them are evaluated.')),
  overrides: optional(mapOf('helm --set: a value path (image.tag) and its value; they win over values. Expressions ${...} fill the values in.',
    str('The value, a string (helm --set-string) unless rawOverrides.', { maxLength: 4096 }), { maxProperties: 128 })),
  rawOverrides: optional(bool('Pass overrides with helm --set, which reads each value as YAML would (true, 3 and null are not strings), rather than --set-string. Default false, as Spinnaker\'s bake.')),
  includeCRDs: optional(bool('Render the chart\'s crds/ folder too (helm --include-crds). Default false: deployManifest deploys namespaced kinds only.')),
  apiVersions: optional(arr('API versions .Capabilities.APIVersions holds besides helm\'s defaults (helm --api-versions), e.g. monitoring.coreos.com/v1.',
    str('A group/version or group/version/Kind.', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_./]*$', maxLength: 200 }), { maxItems: 32 })),
  kubeVersion: optional(str('.Capabilities.KubeVersion (helm --kube-version), e.g. 1.35.0.', { pattern: '^v?[0-9]+\\.[0-9]+(\\.[0-9]+)?$', maxLength: 32 })),
});

const kustomize = obj('How kustomize build renders the overlay.', {
  filesFrom: arr('ConfigMaps in this namespace holding the files, each put in a folder of the stage\'s work folder (a base and an overlay, typically). "__" in a key is a "/".',
    obj('One ConfigMap\'s files.', {
      configMapRef: obj('The ConfigMap.', { name: objectName('Its name.') }),
      path: optional(relativeFolder('The folder its files go in, e.g. base or overlays/prod (default: the top).')),
    }), { minItems: 1, maxItems: 32 }),
  path: optional(relativeFolder('The folder holding the kustomization.yaml to build, e.g. overlays/prod (default: the top).')),
  allowNetwork: optional(bool('Let kustomize fetch remote resources over HTTP(S). Git remote bases are not supported (the operator has no git): keep bases in filesFrom. Default false: it runs with no proxy to go out through.')),
});

export const bakeManifestBlock = obj('bakeManifest: render a Helm chart (helm template) or a Kustomize overlay (kustomize build) into manifests, kept in a ConfigMap the run owns, which a later deployManifest deploys (manifestsFrom.stage). Expressions ${...} in the rendered manifests are left as rendered unless deployManifest\'s manifestsFrom.evaluateExpressions (unlike Spinnaker, which evaluates them).', {
  templateRenderer: oneOf('helm (the helm block) or kustomize (the kustomize block).', templateRenderers),
  helm: optional(helm),
  kustomize: optional(kustomize),
}, { rules: [
  { rule: "self.templateRenderer != 'helm' || has(self.helm)", message: 'templateRenderer helm needs the helm block', fieldPath: '.helm' },
  { rule: "self.templateRenderer != 'kustomize' || has(self.kustomize)", message: 'templateRenderer kustomize needs the kustomize block', fieldPath: '.kustomize' },
  { rule: "!has(self.helm) || self.templateRenderer == 'helm'", message: 'the helm block is only for templateRenderer helm', fieldPath: '.helm' },
  { rule: "!has(self.kustomize) || self.templateRenderer == 'kustomize'", message: 'the kustomize block is only for templateRenderer kustomize', fieldPath: '.kustomize' },
] });
export type BakeManifestBlock = Static<typeof bakeManifestBlock>;
