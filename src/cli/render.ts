// How the CLI shows runs and clusters: a tree of a run's stages (by their requisites) with status,
// duration and what a waiting judgment needs; tables for lists. Pure: takes objects and the time,
// returns lines. Colour only when asked (a terminal without NO_COLOR).
import type { Stage } from '../api/v1alpha1/stages/index.ts';
import { topologicalOrder } from '../pipeline/graph/dag.ts';
import { phaseOf, type RunPhase } from '../pipeline/run/phase.ts';

export interface RunView {
  metadata: { name: string; namespace?: string; creationTimestamp?: string };
  spec?: { pipelineRef: { name: string }; judgments?: { stage: string }[] };
  status?: {
    /** Written by the operator; a run written before it existed has only its Succeeded condition. */
    phase?: RunPhase;
    startTime?: string; completionTime?: string; pipelineSpec?: Record<string, unknown>;
    conditions?: { type: string; status: string; reason: string; message: string }[];
    stages?: { refId: string; name?: string; type: string; status: string; startTime?: string; endTime?: string; message?: string;
      judgment?: { decision: string; user?: string; input?: string }; outputs?: Record<string, unknown> }[];
  };
}

/** How to draw: in colour or not, and the command to name in hints (`kubectl staysail`, `staysail`...). */
export interface Style { colour: boolean; command?: string }

const codes = { red: 31, green: 32, yellow: 33, blue: 34, grey: 90, bold: 1 } as const;
const paint = (style: Style, colour: keyof typeof codes, text: string) => (style.colour ? `\x1b[${codes[colour]}m${text}\x1b[0m` : text);

/** A short duration: 850ms, 42s, 3m05s, 2h10m. */
export function shortDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const statusStyle: Record<string, { mark: string; colour: keyof typeof codes }> = {
  SUCCEEDED: { mark: '✔', colour: 'green' }, FAILED_CONTINUE: { mark: '!', colour: 'yellow' }, SKIPPED: { mark: '-', colour: 'grey' },
  RUNNING: { mark: '●', colour: 'blue' }, SUSPENDED: { mark: '◌', colour: 'yellow' }, PAUSED: { mark: '◌', colour: 'yellow' },
  NOT_STARTED: { mark: '○', colour: 'grey' }, TERMINAL: { mark: '✘', colour: 'red' }, STOPPED: { mark: '✘', colour: 'red' },
  CANCELED: { mark: '✘', colour: 'grey' },
};

/** The run's state as one word: its phase (Pending, Queued, Running, Succeeded, Canceled), or for a failed run why: Failed, Timeout, PipelineNotFound... */
export function runPhase(run: RunView): string {
  const phase = phaseOf(run.status);
  if (phase !== 'Failed') return phase;
  return run.status?.conditions?.find((x) => x.type === 'Succeeded')?.reason ?? 'Failed';
}

const elapsed = (start: string | undefined, end: string | undefined, now: number) =>
  (start ? shortDuration((end ? Date.parse(end) : now) - Date.parse(start)) : '');

/**
 * Whether the stage waits for a person's judgment now: a running manualJudgment stage (a decision
 * it could not take, such as an input not among its choices, leaves it waiting for another).
 */
export const awaitsJudgment = (run: RunView, refId: string): boolean => {
  const r = run.status?.stages?.find((s) => s.refId === refId);
  return r?.type === 'manualJudgment' && r.status === 'RUNNING';
};

const judgmentOf = (run: RunView, refId: string) =>
  ((run.status?.pipelineSpec?.stages ?? []) as Stage[]).find((s) => s.refId === refId)?.manualJudgment;

/** What a waiting judgment asks for, and the command that gives it. */
export function judgmentHint(run: RunView, refId: string, command = 'staysail'): string {
  const inputs = judgmentOf(run, refId)?.inputs ?? [];
  const approve = `${command} approve ${run.metadata.name} ${refId}`;
  return inputs.length ? `waits for a judgment, one of ${inputs.join(', ')}: ${approve} --input ${inputs.length === 1 ? inputs[0] : 'INPUT'}`
    : `waits for a judgment: ${approve}`;
}

/**
 * A waiting judgment's instructions, as at most five lines of at most 120 characters: as the stage
 * evaluated them (its outputs.instructions) or, before it has, as written.
 */
export function judgmentInstructions(run: RunView, refId: string): string[] {
  const evaluated = run.status?.stages?.find((s) => s.refId === refId)?.outputs?.instructions;
  const text = (typeof evaluated === 'string' ? evaluated : judgmentOf(run, refId)?.instructions)?.trim();
  if (!text) return [];
  const lines = text.split('\n').map((l) => (l.length > 120 ? `${l.slice(0, 119)}…` : l));
  return lines.length > 5 ? [...lines.slice(0, 4), `… (${lines.length - 4} more lines: -o yaml shows them)`] : lines;
}

/** The run as a header line and a tree of its stages, each indented under the requisite it waits on longest. */
export function runTree(run: RunView, now: number, style: Style): string[] {
  const defs = ((run.status?.pipelineSpec?.stages ?? []) as Stage[]);
  const lines = [headerLine(run, now, style)];
  const layout = layoutOf(defs);
  const records = new Map((run.status?.stages ?? []).map((r) => [r.refId, r]));
  for (const s of layout.ordered) lines.push(...stageLines(run, s, records.get(s.refId), layout, { now, style }));
  if (!defs.length) {
    const c = run.status?.conditions?.find((x) => x.type === 'Succeeded');
    if (c?.message) lines.push(`  ${c.message}`);
  }
  return lines;
}

function headerLine(run: RunView, now: number, style: Style): string {
  const phase = runPhase(run);
  const phaseColour = phase === 'Succeeded' ? 'green' : phase === 'Running' || phase === 'Queued' || phase === 'Pending' ? 'blue' : 'red';
  return `${paint(style, 'bold', `PipelineRun ${run.metadata.name}`)} (pipeline ${run.spec?.pipelineRef.name ?? '?'})  ${paint(style, phaseColour, phase)}  ${
    elapsed(run.status?.startTime, run.status?.completionTime, now)}`;
}

/** The stages in order, how deep each sits under its requisites, and the widths of the name and type columns. */
interface Layout { ordered: Stage[]; depth: Map<string, number>; width: number; typeWidth: number }

function layoutOf(defs: Stage[]): Layout {
  const depth = new Map<string, number>();
  const ordered = defs.length ? topologicalOrder(defs) : [];
  for (const s of ordered) depth.set(s.refId, Math.max(0, ...(s.requisiteStageRefIds ?? []).map((id) => (depth.get(id) ?? 0) + 1)));
  const width = Math.max(0, ...ordered.map((s) => s.refId.length + 2 * (depth.get(s.refId) ?? 0)));
  const typeWidth = Math.max(0, ...ordered.map((s) => s.type.length));
  return { ordered, depth, width, typeWidth };
}

type StageView = NonNullable<NonNullable<RunView['status']>['stages']>[number];

/** A stage's line, and under a waiting judgment its instructions. */
function stageLines(run: RunView, s: Stage, r: StageView | undefined, layout: Layout, o: { now: number; style: Style }): string[] {
  const { style } = o;
  const status = r?.status ?? 'NOT_STARTED';
  const look = statusStyle[status] ?? { mark: '?', colour: 'grey' as const };
  const name = `${'  '.repeat(layout.depth.get(s.refId) ?? 0)}${s.refId}`.padEnd(layout.width);
  const waiting = awaitsJudgment(run, s.refId);
  const lines = [`  ${paint(style, look.colour, look.mark)} ${name}  ${s.type.padEnd(layout.typeWidth)}  ${paint(style, look.colour, status.padEnd(15))} ${
    elapsed(r?.startTime, r?.endTime, o.now).padEnd(7)} ${waiting ? paint(style, 'yellow', judgmentHint(run, s.refId, style.command)) : stageNote(r)}`.trimEnd()];
  if (waiting) {
    const margin = ' '.repeat(4 + layout.width + 2 + layout.typeWidth + 2 + 16 + 8);
    for (const line of judgmentInstructions(run, s.refId)) lines.push(`${margin}${paint(style, 'yellow', line)}`.trimEnd());
  }
  return lines;
}

/** What to say after a stage: its judgment, or the first line of its message unless it succeeded. */
function stageNote(r: StageView | undefined): string {
  if (r?.judgment) return `${r.judgment.decision === 'approve' ? 'approved' : 'rejected'}${r.judgment.user ? ` by ${r.judgment.user}` : ''}${r.judgment.input ? ` (${r.judgment.input})` : ''}`;
  if (r?.message && r.status !== 'SUCCEEDED') return r.message.split('\n')[0]!.slice(0, 120);
  return '';
}

/** Lines that describe what changed between two views of a run, for plain (non-terminal) output. */
export function runChanges(before: RunView | undefined, after: RunView, now: number, command = 'staysail'): string[] {
  const was = new Map((before?.status?.stages ?? []).map((r) => [r.refId, r.status]));
  const moved = (after.status?.stages ?? []).filter((r) => (before ? (was.get(r.refId) ?? 'NOT_STARTED') !== r.status : r.status !== 'NOT_STARTED'));
  const out = moved.flatMap((r) => stageChange(after, r, now, command));
  const phase = runPhase(after);
  if (!before || runPhase(before) !== phase) out.push(`run ${after.metadata.name} ${phase}${finalReason(after)}`);
  return out;
}

/** A stage that moved, in a line (and a waiting judgment's instructions under it). */
function stageChange(run: RunView, r: StageView, now: number, command: string): string[] {
  if (awaitsJudgment(run, r.refId)) {
    return [`stage ${r.refId} ${judgmentHint(run, r.refId, command)}`, ...judgmentInstructions(run, r.refId).map((l) => `  ${l}`)];
  }
  const took = complete(r.status) ? ` after ${elapsed(r.startTime, r.endTime, now)}` : '';
  return [`stage ${r.refId} ${r.status}${took}${r.status !== 'SUCCEEDED' && r.message ? `: ${r.message.split('\n')[0]}` : ''}`];
}

/** Why a finished run did not succeed, as ": <message>"; empty otherwise. */
function finalReason(run: RunView): string {
  const c = run.status?.conditions?.find((x) => x.type === 'Succeeded');
  if (!c || c.status !== 'False' || !c.message) return '';
  // The condition names the run first (PipelineRun "x": ...); the line already does.
  return `: ${c.message.replace(/^PipelineRun "[^"]*": /, '')}`;
}

const complete = (s: string) => ['SUCCEEDED', 'FAILED_CONTINUE', 'TERMINAL', 'STOPPED', 'CANCELED', 'SKIPPED'].includes(s);

/** Rows as aligned columns under a header. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd());
}
