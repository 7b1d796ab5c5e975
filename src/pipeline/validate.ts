// Everything about a pipeline that only code can check (the API server checked the rest): the stage
// graph, stage types, expressions that do not parse, execution windows' time zones, and that a
// deploy of baked manifests names a bake upstream of it.
import type { PipelineProblemReason, PipelineSpec } from '../api/v1alpha1/pipeline.ts';
import { expressionsIn, parseProblem } from './expressions.ts';
import { downstreamOf, graphIssues } from './graph/dag.ts';
import { windowProblem } from './window.ts';

export interface PipelineProblem { reason: PipelineProblemReason; message: string }

export function pipelineProblems(name: string, spec: PipelineSpec, stageTypes: ReadonlySet<string>): PipelineProblem[] {
  const problems: PipelineProblem[] = graphIssues(name, spec.stages, stageTypes)
    .map((p) => ({ reason: p.kind === 'unknownType' ? 'UnknownStageType' : 'InvalidGraph', message: p.message }));
  for (const stage of spec.stages) {
    let expressions: string[];
    try {
      expressions = expressionsIn(stage);
    } catch (err) {
      problems.push({ reason: 'InvalidExpression', message: `Pipeline "${name}": stage "${stage.refId}": ${(err as Error).message}` });
      continue;
    }
    for (const e of expressions) {
      const problem = parseProblem(e);
      if (problem) problems.push({ reason: 'InvalidExpression', message: `Pipeline "${name}": stage "${stage.refId}": expression \${${e}} does not parse: ${problem}` });
    }
    const w = stage.executionWindow ? windowProblem(stage.executionWindow) : undefined;
    if (w) problems.push({ reason: 'InvalidExecutionWindow', message: `Pipeline "${name}": stage "${stage.refId}": executionWindow: ${w}` });
    const bake = bakeSourceProblem(name, spec, stage);
    if (bake) problems.push({ reason: 'InvalidGraph', message: bake });
  }
  return problems;
}

/**
 * deployManifest's manifestsFrom.stage must name a bakeManifest stage upstream of it (the bake must
 * have finished), checked here so the pipeline says so before a run reaches the deploy.
 */
function bakeSourceProblem(name: string, spec: PipelineSpec, stage: PipelineSpec['stages'][number]): string | undefined {
  const from = (stage as { deployManifest?: { manifestsFrom?: { stage?: string } } }).deployManifest?.manifestsFrom?.stage;
  if (stage.type !== 'deployManifest' || from === undefined) return undefined;
  const source = spec.stages.find((s) => s.refId === from);
  if (source?.type === 'bakeManifest' && downstreamOf(spec.stages, from).includes(stage.refId)) return undefined;
  const why = !source ? 'there is no such stage' : source.type !== 'bakeManifest' ? `it is a ${source.type} stage`
    : `it is not in this stage's requisiteStageRefIds, nor theirs`;
  return `Pipeline "${name}": stage "${stage.refId}": manifestsFrom.stage "${from}" is not an upstream bakeManifest stage (${why}); name a bakeManifest stage this one requires`;
}
