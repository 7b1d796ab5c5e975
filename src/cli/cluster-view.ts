// How the CLI shows a Cluster and its rollout, as Argo Rollouts' `get rollout` does: a header (the
// cluster, strategy, phase and step, the active server group), every server group newest first with
// what it runs, its traffic, readiness and role, the canary's interval scores, and the rollout's
// message. Pure: takes the object, returns lines. Also the lines that say what changed between two
// views, for output that is not a terminal.
import type { ClusterSpec, ClusterStatus } from '../api/v1alpha1/cluster.ts';
import { templateImages } from '../api/template-images.ts';
import { describeProgress, isManualRollback } from '../strategies/progress.ts';
import { strategySettings } from '../strategies/settings.ts';
import type { RolloutRecord } from '../strategies/types.ts';
import type { Style } from './render.ts';

export interface ClusterView {
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: Pick<ClusterSpec, 'strategy' | 'template'>;
  status?: ClusterStatus;
}

type ServerGroupRow = NonNullable<ClusterStatus['serverGroups']>[number];

const codes = { red: 31, green: 32, yellow: 33, blue: 34, grey: 90, bold: 1 } as const;
type Colour = keyof typeof codes;
const paint = (style: Style, colour: Colour, text: string) => (style.colour ? `\x1b[${codes[colour]}m${text}\x1b[0m` : text);

const phaseLook: Record<string, { mark: string; colour: Colour }> = {
  Progressing: { mark: '●', colour: 'blue' }, Analyzing: { mark: '◌', colour: 'yellow' }, Succeeded: { mark: '✔', colour: 'green' },
  Failed: { mark: '✘', colour: 'red' }, RolledBack: { mark: '↩', colour: 'yellow' }, Pending: { mark: '○', colour: 'grey' },
};

/** The rollout's phase, or Pending before the controller has written one. */
export const clusterPhase = (c: ClusterView): string => c.status?.rollout?.phase ?? 'Pending';

/**
 * Whether the rollout is over for the spec as it is now: finished, and the controller has seen the
 * latest change (a template just edited has not started its rollout yet).
 */
export function isRolloutFinished(c: ClusterView): boolean {
  return ['Succeeded', 'Failed', 'RolledBack'].includes(clusterPhase(c)) && c.status?.observedGeneration === c.metadata.generation;
}

/** Where the rollout is: "step 2/3 (50%)", "interval 2 of 6", "step 3/8 (enable)". */
export function clusterProgress(c: ClusterView): string {
  const rollout = c.status?.rollout as RolloutRecord | undefined;
  if (!rollout || !c.spec) return '';
  const canary = c.status?.canary;
  let progress: string;
  try {
    progress = describeProgress(strategySettings(c.spec), rollout, canary && canary.revision === rollout.revision ? canary.intervals.length : 0);
  } catch {
    return ''; // a spec the controller would refuse (an unreadable duration) has no progress to show
  }
  return progress;
}

/** What a server group is to the rollout: the canary pair's role, the new or previous server group, the rollback target. */
function roleOf(c: ClusterView, g: ServerGroupRow): string {
  const r = c.status?.rollout;
  const roles = [g.role, g.name === c.status?.activeServerGroup ? 'active' : undefined,
    g.name === r?.newServerGroup && !g.role ? (isManualRollback(r as RolloutRecord) ? 'rollback target' : 'new') : undefined,
    g.name === r?.previousServerGroup ? 'previous' : undefined];
  return roles.filter(Boolean).join(', ');
}

const healthy = (g: ServerGroupRow) => g.readyReplicas >= g.desiredReplicas;

/** One line per server group, aligned, newest first. */
function serverGroupRows(c: ClusterView, style: Style): string[] {
  const groups = c.status?.serverGroups ?? [];
  if (!groups.length) return ['  (no server groups yet)'];
  const cells = groups.map((g) => [g.name, g.images ?? '', g.enabled ? 'enabled' : 'disabled', `${g.readyReplicas}/${g.desiredReplicas}`, roleOf(c, g)]);
  const header = ['SERVER GROUP', 'IMAGES', 'TRAFFIC', 'READY', 'ROLE'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const pad = (row: string[]) => row.map((x, i) => (i === row.length - 1 ? x : x.padEnd(widths[i]!))).join('  ').trimEnd();
  return [`    ${pad(header)}`, ...groups.map((g, i) => {
    const look = !g.enabled ? { mark: '○', colour: 'grey' as const } : healthy(g) ? { mark: '✔', colour: 'green' as const } : { mark: '●', colour: 'yellow' as const };
    return `  ${paint(style, look.colour, look.mark)} ${pad(cells[i]!)}`;
  })];
}

/** The canary's intervals judged so far, for this rollout. */
function intervalLine(c: ClusterView): string | undefined {
  const k = c.status?.canary;
  if (!k || k.revision !== c.status?.rollout?.revision || !k.intervals.length) return undefined;
  return `Intervals:  ${k.intervals.map((i) => `${i.interval}: ${i.score} ${i.classification}`).join(', ')}  (pass ${k.thresholds.pass}, marginal ${k.thresholds.marginal})`;
}

/** The cluster as a header and its server groups; width bounds the message line (a terminal redraws by counting lines). */
export function clusterView(c: ClusterView, style: Style, width = Infinity): string[] {
  const phase = clusterPhase(c);
  const look = phaseLook[phase] ?? phaseLook.Pending!;
  const progress = clusterProgress(c);
  const status = c.status;
  const active = status?.activeServerGroup;
  const lines = [
    `${paint(style, 'bold', `Cluster ${c.metadata.name}`)}  (${c.spec?.strategy?.type ?? 'redblack'})  ${paint(style, look.colour, `${look.mark} ${phase}`)}${progress ? `  ${progress}` : ''}${
      status?.rollout ? `  rollout ${status.rollout.revision}` : ''}`,
    `Active:     ${active ? `${active}  ${status?.ready ?? ''} ready` : 'none'}  ${status?.images ?? templateImages(c.spec?.template)}`.trimEnd(),
    '',
    ...serverGroupRows(c, style),
  ];
  const intervals = intervalLine(c);
  if (intervals) lines.push('', intervals);
  const message = status?.rollout?.message;
  if (message) lines.push('', fit(`Message:    ${message.split('\n')[0]}`, width));
  return lines;
}

/** The line cut to width (a terminal that reports no sensible width gets it whole). */
const fit = (line: string, width: number) => (width >= 20 && line.length > width ? `${line.slice(0, width - 1)}…` : line);

/** The line that closes a watch: the final phase and why. */
export const finalLine = (c: ClusterView): string =>
  `Cluster ${c.metadata.name} ${clusterPhase(c)}${c.status?.rollout?.message ? `: ${c.status.rollout.message}` : ''}`;

/**
 * What changed between two views, one line each: the rollout moving (its phase, step and message,
 * which is the reason), and each server group created, enabled or disabled, readier, or destroyed.
 */
export function clusterChanges(before: ClusterView | undefined, after: ClusterView): string[] {
  const out: string[] = [];
  const r = after.status?.rollout;
  const was = before?.status?.rollout;
  const progress = clusterProgress(after);
  const said = r ? `rollout ${r.revision} ${r.phase}${progress ? ` ${progress}` : ''}${r.message ? `: ${r.message}` : ''}` : '';
  if (!before) out.push(`Cluster ${after.metadata.name} (${after.spec?.strategy?.type ?? 'redblack'})${said ? ` ${said}` : ': no rollout yet'}`);
  else if (r && (r.revision !== was?.revision || r.phase !== was?.phase || r.step !== was?.step || r.message !== was?.message)) out.push(said);
  const old = new Map((before?.status?.serverGroups ?? []).map((g) => [g.name, g]));
  for (const g of [...(after.status?.serverGroups ?? [])].reverse()) {
    const o = old.get(g.name);
    old.delete(g.name);
    const ready = `${g.readyReplicas}/${g.desiredReplicas} ready`;
    if (!o) { out.push(`${g.name}${g.images ? ` (${g.images})` : ''}${before ? ' created' : ''}: ${g.enabled ? 'enabled' : 'disabled'}, ${ready}`); continue; }
    // Changes seen together (a view is a snapshot) share a line.
    const changed = [o.enabled !== g.enabled ? (g.enabled ? 'enabled' : 'disabled') : '',
      o.readyReplicas !== g.readyReplicas || o.desiredReplicas !== g.desiredReplicas ? ready : ''].filter(Boolean);
    if (changed.length) out.push(`${g.name} ${changed.join(', ')}`);
  }
  for (const name of old.keys()) out.push(`${name} destroyed`);
  return out;
}
