// What the API server cannot check in a CanaryConfig: weights that name no group or add up past 100,
// and a configuration with nothing left to score.
import type { CanaryConfigSpec } from '../../api/v1alpha1/canary-config.ts';

export function canaryConfigProblems(spec: CanaryConfigSpec): string[] {
  const problems: string[] = [];
  const groups = [...new Set(spec.metrics.map((m) => m.group))];
  const weights = spec.groupWeights ?? {};
  for (const g of Object.keys(weights)) {
    if (!groups.includes(g)) problems.push(`spec.groupWeights.${g} names no group of spec.metrics (groups: ${groups.join(', ')})`);
  }
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  if (total > 100) problems.push(`spec.groupWeights add up to ${total}; they must add up to 100 at most`);
  const scored = groups.filter((g) => spec.metrics.some((m) => m.group === g && !m.muted));
  if (scored.length === 0) problems.push('every metric in spec.metrics is muted: nothing would be scored; unmute at least one');
  const scoredTotal = scored.reduce((a, g) => a + (weights[g] ?? 0), 0);
  if (scoredTotal < 100 && scored.length > 0 && scored.every((g) => weights[g] !== undefined)) {
    problems.push(`spec.groupWeights give every scored group a weight but add up to ${scoredTotal}, not 100; a perfect canary could not reach the pass threshold`);
  }
  return problems;
}
