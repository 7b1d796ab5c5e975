// The canaryAnalysis stage's block.
import { mapOf, obj, objectName, optional, str } from '../../schema.ts';
import { thresholdsOverride } from '../canary-config.ts';
import { stageDuration } from './common.ts';

const canaryScope = (description: string) => obj(description, {
  scope: str('What its series are labelled with, usually the server group name; fills ${scope} in the queries. May be an expression.', { maxLength: 1024 }),
  location: optional(str('Where it runs (namespace or region); fills ${location}. May be an expression.', { maxLength: 1024 })),
});

export const canaryAnalysisBlock = obj('canaryAnalysis: judge a canary against its baseline with a CanaryConfig, interval by interval, without deploying anything (Kayenta\'s standalone analysis). Real time with lifetime; retrospective with startTime and endTime.', {
  canaryConfigRef: obj('The CanaryConfig, in this namespace.', { name: objectName('Its name.') }),
  baseline: canaryScope('The baseline (control): what the canary is compared with.'),
  canary: canaryScope('The canary (experiment): the new version.'),
  extendedScopeParams: optional(mapOf('More labels for the queries\' ${...} placeholders, for both scopes.', str('A value.', { maxLength: 1024 }))),
  lifetime: optional(stageDuration('Real time: how long the analysis runs from the stage\'s start (after the warm-up); each interval is judged as it ends.')),
  startTime: optional(str('Retrospective: the start of the period analysed, RFC 3339 (with endTime); may be an expression.', { maxLength: 256 })),
  endTime: optional(str('Retrospective: the end of the period analysed, RFC 3339; may be an expression.', { maxLength: 256 })),
  interval: optional(stageDuration('How often a judgement is made (default: once, over the whole lifetime or period).')),
  warmup: optional(stageDuration('Real time: wait before the first window opens.')),
  lookback: optional(stageDuration('Judge only the last lookback of each window (a sliding window); default: windows grow from the start.')),
  thresholds: thresholdsOverride('The final score must reach this.', 'An interval scoring at or below this fails the stage at once.'),
}, { rules: [
  { rule: 'has(self.lifetime) != (has(self.startTime) && has(self.endTime))',
    message: 'set lifetime (real time) or both startTime and endTime (retrospective), not both', fieldPath: '.lifetime' },
  { rule: 'has(self.startTime) == has(self.endTime)', message: 'startTime and endTime go together', fieldPath: '.startTime' },
] });
