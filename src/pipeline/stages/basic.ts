// Stage types that need nothing outside the run: wait, evaluateVariables and checkPreconditions.
import { formatDuration, parseDuration } from '../../api/duration.ts';
import { plural } from '../../api/plural.ts';
import { evaluateCondition, interpolate } from '../expressions.ts';
import type { StageRun, StageType } from './stage-type.ts';

const elapsed = (s: StageRun) => s.clock.now() - Date.parse(s.record.startTime ?? new Date(s.clock.now()).toISOString());

export const waitStage: StageType = {
  type: 'wait',
  retryable: false,
  async execute(s) {
    const duration = parseDuration(String(s.config.duration));
    const left = duration - elapsed(s);
    if (left <= 0) return { status: 'SUCCEEDED', message: `waited ${formatDuration(duration)}` };
    // A message that does not change while waiting: every change would be a status write.
    const until = new Date(s.clock.now() + left).toISOString();
    return { status: 'RUNNING', message: `waiting ${formatDuration(duration)}, until ${until.replace(/\.\d{3}Z$/, 'Z')}`, pollAfterMs: left };
  },
};

export const evaluateVariablesStage: StageType = {
  type: 'evaluateVariables',
  retryable: false,
  rawFields: ['variables'],
  async execute(s) {
    // Evaluated in order from the definitions, so a variable may use those before it as ${variables.name}.
    const definitions = (s.stage.evaluateVariables?.variables ?? []) as { key: string; value: string }[];
    const variables: Record<string, unknown> = {};
    for (const v of definitions) variables[v.key] = interpolate(v.value, { ...s.scope, variables });
    return { status: 'SUCCEEDED', outputs: variables };
  },
};

export const checkPreconditionsStage: StageType = {
  type: 'checkPreconditions',
  retryable: true,
  rawFields: ['preconditions'],
  async execute(s) {
    const preconditions = (s.stage.checkPreconditions?.preconditions ?? []) as { expression: string; message?: string }[];
    for (const p of preconditions) {
      if (!evaluateCondition(p.expression, s.scope)) {
        return { status: 'FAILED', message: p.message ?? `precondition ${p.expression} is false` };
      }
    }
    return { status: 'SUCCEEDED', message: plural(preconditions.length, 'precondition holds', 'preconditions hold') };
  },
};
