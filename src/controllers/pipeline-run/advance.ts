// The stage types as a run's stage decisions (src/pipeline/run/advance.ts) reach them: execute and
// cancel, called for the run, with the account resolver the controllers use.
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import { ApiError, isTransientApiError } from '../../core/errors.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import { ExpressionError, type ExpressionScope } from '../../pipeline/expressions.ts';
import type { StageEffects } from '../../pipeline/run/advance.ts';
import { scopeOf, type RunFacts } from '../../pipeline/run/facts.ts';
import { ChildError } from '../../pipeline/stages/children.ts';
import type { ResolveAccount, StageOutcome, StageRegistry, StageRun } from '../../pipeline/stages/stage-type.ts';
import type { RunContext } from './start.ts';
import type { PipelineRun, StageRecord } from './types.ts';

export interface AdvanceDeps {
  registry: StageRegistry;
  client: KubeClient;
  /** The account and provider an accountRef names, resolved for the run (as the controllers resolve theirs). */
  resolveAccount: (run: PipelineRun, accountRef: { name: string }, field: string) => ReturnType<ResolveAccount>;
}

/** The facts of a pass: the run as read, the status so far, and now. */
export const factsOf = (ctx: RunContext): RunFacts => ({ run: ctx.obj, status: ctx.status, now: ctx.clock.now() });

/** The stage types of the registry, called for the run. */
export function stageEffects(ctx: RunContext, deps: AdvanceDeps): StageEffects {
  const stageRun = (def: Stage, r: StageRecord, config: Record<string, unknown>, scope: ExpressionScope = scopeOf(factsOf(ctx))): StageRun =>
    ({ run: ctx.obj, stage: def, config, record: r, scope, clock: ctx.clock, client: deps.client, log: ctx.log,
      resolveAccount: (ref) => deps.resolveAccount(ctx.obj, ref, `stage "${def.refId}" ${def.type}.accountRef`) });
  return {
    traits: (def) => deps.registry.get(def.type)!,
    execute: (def, r, config, scope) => execute(ctx, deps, stageRun(def, r, config, scope)),
    async stop(def, r, config) {
      try {
        await deps.registry.get(def.type)?.cancel?.(stageRun(def, r, config));
        return '';
      } catch (err) {
        if (err instanceof ApiError && isTransientApiError(err)) throw err; // the pass is retried
        return `; stopping what it started failed: ${(err as Error).message}`;
      }
    },
  };
}

/** Runs the stage type; a failure other than a transient API error is the stage's failure. */
async function execute(ctx: RunContext, deps: AdvanceDeps, s: StageRun): Promise<StageOutcome | { error: string }> {
  try {
    return await deps.registry.get(s.stage.type)!.execute(s);
  } catch (err) {
    if (err instanceof ApiError && isTransientApiError(err)) throw err; // the pass is retried
    if (!(err instanceof ExpressionError) && !(err instanceof ApiError) && !(err instanceof ChildError)) {
      ctx.log.warn('stage failed unexpectedly', { stage: s.stage.refId, error: err });
    }
    return { error: (err as Error).message };
  }
}
