// CanaryConfig: Kayenta's reusable canary configuration: the metrics to compare between baseline and
// canary, how each is judged, group weights and score thresholds.
import { ageColumn, readyColumn, type KindDefinition } from '../kind.ts';
import { arr, bool, mapOf, num, obj, objectName, oneOf, optional, str, type Static } from '../schema.ts';
import { statusBase } from './common.ts';

const effect = (description: string) => optional(num(description, { minimum: 0 }));

export const canaryMetricSchema = obj('A metric compared between baseline and canary.', {
  name: str('Unique name of the metric.', { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 128 }),
  group: str('The group it scores in.', { maxLength: 128 }),
  query: str('The query, e.g. PromQL; ${scope}, ${location} and other scope labels are filled in per server group.', { maxLength: 8192 }),
  direction: oneOf('Which change fails: increase (only High), decrease (only Low) or either.', ['increase', 'decrease', 'either'] as const, { default: 'either' }),
  critical: optional(bool('A failure of this metric fails the whole analysis.')),
  mustHaveData: optional(bool('Missing data fails the metric instead of being ignored.')),
  muted: optional(bool('Reported but not scored.')),
  nanStrategy: oneOf('What to do with NaN values: remove them or replace them with 0.', ['remove', 'replace'] as const, { default: 'remove' }),
  effectSize: optional(obj('How big a difference must be to count (defaults: 1.0 for meanRatio, 0.5 for cles).', {
    measure: oneOf('meanRatio (canary mean / baseline mean) or cles (probability a canary value exceeds a baseline value).',
      ['meanRatio', 'cles'] as const, { default: 'meanRatio' }),
    allowedIncrease: effect('Smallest effect classified High.'),
    allowedDecrease: effect('Largest effect classified Low.'),
    criticalIncrease: effect('For critical metrics: the effect above which the analysis fails.'),
    criticalDecrease: effect('For critical metrics: the effect below which the analysis fails.'),
  })),
  outliers: optional(obj('Outlier removal before the test.', {
    strategy: oneOf('keep every value, or remove outliers beyond factor × IQR.', ['keep', 'remove'] as const, { default: 'keep' }),
    factor: num('The IQR multiplier.', { minimum: 0, default: 3 }),
  })),
});

/** Thresholds that override a CanaryConfig's, where a canary is run (the canaryAnalysis stage, the canary strategy). */
export const thresholdsOverride = (pass: string, marginal: string) => optional(obj('Overrides of the CanaryConfig\'s thresholds.', {
  pass: num(pass, { minimum: 0, maximum: 100 }),
  marginal: num(marginal, { minimum: 0, maximum: 100 }),
}, { rules: [{ rule: 'self.marginal < self.pass', message: 'thresholds.marginal must be below thresholds.pass' }] }));

export const canaryConfigSpec = obj('How to judge a canary.', {
  description: optional(str('What the configuration checks.', { maxLength: 4096 })),
  metricSource: obj('Where metric values come from.', {
    type: oneOf('The metric source.', ['prometheus'] as const),
    address: str('The source\'s base URL, e.g. http://prometheus.monitoring:9090.', { pattern: '^https?://', maxLength: 2048 }),
    secretRef: optional(obj('A Secret with a bearer token (key token) or basic auth (username, password).', {
      name: objectName('Name of the Secret, in this namespace.'),
    })),
    step: optional(str('Resolution of queried series (default 60s).', { pattern: '^[0-9]+(s|m)$', maxLength: 16 })),
  }),
  metrics: arr('The metrics.', canaryMetricSchema, { minItems: 1, maxItems: 100, listType: 'map', listMapKeys: ['name'] }),
  groupWeights: optional(mapOf('Weight of each group in the score, summing to 100; groups without a weight share what is left.',
    num('A weight.', { minimum: 0, maximum: 100 }))),
  thresholds: obj('Score thresholds, 0 to 100.', {
    pass: num('A final score at or above this passes.', { minimum: 0, maximum: 100, default: 75 }),
    marginal: num('A score at or below this fails at once.', { minimum: 0, maximum: 100, default: 50 }),
  }, { rules: [{ rule: 'self.marginal < self.pass', message: 'thresholds.marginal must be below thresholds.pass' }] }),
  judge: optional(obj('Advanced: the Mann-Whitney judge\'s settings.', {
    confidence: num('Confidence level of the interval.', { minimum: 0.5, maximum: 0.9999, default: 0.98 }),
    tolerance: num('Fraction of the estimate a difference must exceed.', { minimum: 0, maximum: 10, default: 0.25 }),
  })),
});

export const canaryConfigStatus = obj('What the controller found in the configuration.', { ...statusBase });

export type CanaryConfigSpec = Static<typeof canaryConfigSpec>;
export type CanaryMetric = Static<typeof canaryMetricSchema>;
export type CanaryConfigStatus = Static<typeof canaryConfigStatus>;

/** Reasons of a CanaryConfig's Ready condition (and Stalled beside it). */
export type CanaryConfigReason = 'Valid' | 'Invalid' | 'CredentialsMissing';

export const canaryConfigKind: KindDefinition = {
  kind: 'CanaryConfig', plural: 'canaryconfigs', singular: 'canaryconfig', shortNames: ['cc'],
  description: 'A CanaryConfig says how canary analysis judges a new version against a baseline: which metrics, which direction of change fails, which metrics are critical, group weights and score thresholds (Kayenta\'s canary config).',
  spec: canaryConfigSpec, status: canaryConfigStatus,
  printerColumns: [
    { name: 'Metrics', type: 'string', jsonPath: '.spec.metrics[*].name', description: 'The metrics.', priority: 1 },
    { name: 'Pass', type: 'number', jsonPath: '.spec.thresholds.pass', description: 'Pass threshold.' },
    { name: 'Marginal', type: 'number', jsonPath: '.spec.thresholds.marginal', description: 'Marginal threshold.' },
    readyColumn, ageColumn,
  ],
};
