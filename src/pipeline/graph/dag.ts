// The stage graph of a pipeline: checks that it is a DAG whose requisites exist, and orders it.
// Pure: stage definitions in, problems and orders out.

export interface StageNode {
  refId: string;
  type: string;
  requisiteStageRefIds?: string[];
}

/** A problem with the graph: a stage type that does not exist, or the graph itself (refIds, requisites, a cycle). */
export interface GraphProblem { kind: 'unknownType' | 'graph'; message: string }

/** Problems with the graph, each a sentence naming the pipeline, the stage and what to do. */
export function graphProblems(pipeline: string, stages: readonly StageNode[], knownTypes: ReadonlySet<string>): string[] {
  return graphIssues(pipeline, stages, knownTypes).map((p) => p.message);
}

/** graphProblems, each with what kind of problem it is. */
export function graphIssues(pipeline: string, stages: readonly StageNode[], knownTypes: ReadonlySet<string>): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const graph = (message: string) => problems.push({ kind: 'graph', message });
  const ids = new Set<string>();
  for (const s of stages) {
    if (ids.has(s.refId)) graph(`Pipeline "${pipeline}": two stages have refId "${s.refId}"; refIds must be unique`);
    ids.add(s.refId);
  }
  for (const s of stages) {
    if (!knownTypes.has(s.type)) {
      problems.push({ kind: 'unknownType',
        message: `Pipeline "${pipeline}": stage "${s.refId}" has type "${s.type}", which is not a stage type; use one of ${[...knownTypes].sort().join(', ')}` });
    }
    for (const r of s.requisiteStageRefIds ?? []) {
      if (r === s.refId) graph(`Pipeline "${pipeline}": stage "${s.refId}" requires itself`);
      else if (!ids.has(r)) graph(`Pipeline "${pipeline}": stage "${s.refId}" requires "${r}", which does not exist`);
    }
  }
  const cycle = findCycle(stages);
  if (cycle) graph(`Pipeline "${pipeline}": stages form a cycle: ${cycle.join(' -> ')}; remove one of these requisites`);
  return problems;
}

/** A cycle as refIds (first repeated at the end), or undefined. Self-loops are reported elsewhere. */
export function findCycle(stages: readonly StageNode[]): string[] | undefined {
  const requires = new Map(stages.map((s) => [s.refId, (s.requisiteStageRefIds ?? []).filter((r) => r !== s.refId)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done' || !requires.has(id)) return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const r of requires.get(id)!) {
      const found = visit(r);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const s of stages) {
    const found = visit(s.refId);
    if (found) return found.reverse();
  }
  return undefined;
}

/** Stages in an order where each comes after its requisites (stable: ties keep the spec's order). */
export function topologicalOrder<T extends StageNode>(stages: readonly T[]): T[] {
  const placed = new Set<string>();
  const out: T[] = [];
  while (out.length < stages.length) {
    const next = stages.find((s) => !placed.has(s.refId) && (s.requisiteStageRefIds ?? []).every((r) => placed.has(r)));
    if (!next) throw new Error('the stage graph has a cycle');
    placed.add(next.refId);
    out.push(next);
  }
  return out;
}

/** Every stage downstream of refId (not including it). */
export function downstreamOf(stages: readonly StageNode[], refId: string): string[] {
  const found = new Set<string>();
  let frontier = [refId];
  while (frontier.length > 0) {
    const next = stages.filter((s) => !found.has(s.refId) && (s.requisiteStageRefIds ?? []).some((r) => frontier.includes(r))).map((s) => s.refId);
    for (const n of next) found.add(n);
    frontier = next;
  }
  return stages.map((s) => s.refId).filter((id) => found.has(id));
}
