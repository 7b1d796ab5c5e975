// Everything about a pipeline that only code can check (the API server checked the rest): the stage
// graph, stage types, expressions that do not parse, execution windows' time zones.
import type { PipelineProblemReason, PipelineSpec } from '../api/v1alpha1/pipeline.ts';
import { expressionsIn, parseProblem } from './expressions.ts';
import { graphIssues } from './graph/dag.ts';
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
  }
  return problems;
}
