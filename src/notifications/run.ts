// A run's notifications as its controller makes them: before the pass, the deliveries due are sent
// and recorded; after it, the pass's run events are planned into new pending deliveries, recorded in
// the same status write as the change that caused them (Events are sent then, as they leave nothing
// to repeat). A later pass, which the controller asks for while any is pending, sends them, within a
// time budget so a slow receiver does not hold up the run's work. A run with no notifications gets
// no field, no condition and no extra pass.
import type { ApplicationSpec } from '../api/v1alpha1/application.ts';
import type { PipelineRunSpec, PipelineRunStatus } from '../api/v1alpha1/pipeline-run.ts';
import type { PipelineSpec } from '../api/v1alpha1/pipeline.ts';
import type { ReconcileContext } from '../core/controller.ts';
import type { ObjectCache } from '../core/informer.ts';
import type { KubeClient, KubeObject } from '../core/kube-client.ts';
import type { RunEvent } from '../pipeline/run/events.ts';
import { boundDeliveries, nextDueMs, notifiedCondition, sendDue, type SendOptions } from './deliver.ts';
import { emailNotifier } from './email.ts';
import { eventNotifier } from './event.ts';
import { DeliveryLedger } from './ledger.ts';
import { notificationsOf, planDeliveries } from './plan.ts';
import { secretReader } from './secrets.ts';
import { slackNotifier } from './slack.ts';
import type { Notifier, NotifierIO } from './types.ts';
import { webhookNotifier } from './webhook.ts';

type Run = KubeObject<PipelineRunSpec, PipelineRunStatus>;
type RunContext = ReconcileContext<Run, PipelineRunStatus>;

/** Every channel's notifier, by channel. */
export const notifiers: ReadonlyMap<string, Notifier> = new Map([slackNotifier, webhookNotifier, emailNotifier, eventNotifier].map((n) => [n.channel, n]));

export interface RunNotificationDeps {
  client: KubeClient;
  /** The Applications, whose spec.notifications apply to all their pipelines' runs. */
  applications?: ObjectCache<KubeObject<ApplicationSpec>>;
  /** The channels (tests may replace them). */
  notifiers?: ReadonlyMap<string, Notifier>;
  /** The dashboard's base URL: messages link to the run when set. */
  dashboardUrl?: string;
}

/** How soon to look again at a run whose delivery is still out after its pass's budget. */
export const outPollMs = 1_000;

// One ledger per controller's deps (the reconciler keeps one deps object for its life).
const ledgers = new WeakMap<RunNotificationDeps, DeliveryLedger>();
function ledgerOf(deps: RunNotificationDeps): DeliveryLedger {
  let l = ledgers.get(deps);
  if (!l) ledgers.set(deps, (l = new DeliveryLedger()));
  return l;
}

function ioOf(ctx: RunContext, deps: RunNotificationDeps): NotifierIO {
  const reader = secretReader(deps.client, { name: ctx.obj.metadata.name, namespace: ctx.obj.metadata.namespace ?? 'default' });
  return { ...reader, recordEvent: (type, reason, message) => ctx.recordEvent(type, reason, message), now: () => ctx.clock.now() };
}

async function send(ctx: RunContext, deps: RunNotificationDeps, opts: SendOptions): Promise<void> {
  const list = ctx.status.notifications;
  if (!list?.length) return;
  ctx.status.notifications = boundDeliveries(await sendDue(list, deps.notifiers ?? notifiers, ioOf(ctx, deps), opts));
  const condition = notifiedCondition(ctx.status.notifications);
  if (condition) ctx.setCondition(condition);
}

/**
 * Sends the deliveries that are due (first attempts and retries whose back-off is over), none that
 * is still out from an earlier pass, within the pass's budget. Each result is kept in memory until a
 * stored status shows it, so a refused status write does not send it again.
 */
export async function sendDueNotifications(ctx: RunContext, deps: RunNotificationDeps): Promise<void> {
  const ledger = ledgerOf(deps);
  const now = () => ctx.clock.now();
  if (ctx.status.notifications?.length) ctx.status.notifications = ledger.apply(ctx.obj.status?.notifications, ctx.status.notifications, now());
  const before = new Map((ctx.status.notifications ?? []).map((d) => [d.id, d]));
  await send(ctx, deps, { only: (d) => !ledger.isOut(d.id), setTimer: (ms, fn) => ctx.clock.setTimer(ms, fn),
    late: (id, after) => ledger.noteLate(id, after, now) });
  // Events are recorded only with the status write that names them: they are not remembered past it.
  const all = deps.notifiers ?? notifiers;
  for (const d of ctx.status.notifications ?? []) {
    if (before.get(d.id)?.attempts !== d.attempts && all.get(d.channel)?.immediate !== true) ledger.note(d, now());
  }
}

/** Records the deliveries of the pass's events as pending, and sends those of channels that send at once (Events). */
export async function planRunNotifications(ctx: RunContext, deps: RunNotificationDeps, events: RunEvent[]): Promise<void> {
  const snapshot = ctx.status.pipelineSpec as unknown as PipelineSpec | undefined;
  if (events.length === 0 || !snapshot) return;
  const ns = ctx.obj.metadata.namespace ?? 'default';
  const app = snapshot.application ? deps.applications?.get(`${ns}/${snapshot.application}`) : undefined;
  const sources = notificationsOf({ name: ctx.obj.spec?.pipelineRef.name ?? '', notifications: snapshot.notifications },
    app ? { name: app.metadata.name, notifications: app.spec?.notifications } : undefined);
  const plan = planDeliveries({ facts: { run: ctx.obj, status: ctx.status, now: ctx.clock.now() }, events, notifications: sources,
    ...(deps.dashboardUrl ? { dashboardUrl: deps.dashboardUrl } : {}) });
  if (plan.deliveries.length === 0) return;
  const planned = new Set(plan.deliveries.map((d) => d.id));
  ctx.status.notifications = [...(ctx.status.notifications ?? []).filter((d) => !planned.has(d.id)), ...plan.deliveries];
  ctx.status.eventSequence = plan.sequence;
  const all = deps.notifiers ?? notifiers;
  await send(ctx, deps, { only: (d) => planned.has(d.id) && all.get(d.channel)?.immediate === true });
}

/**
 * When the controller should look at the run again for its notifications: now for a new one, after
 * its back-off for a retry, soon while one is still out from an earlier pass.
 */
export function notificationsDueMs(ctx: RunContext, deps: RunNotificationDeps): number | undefined {
  const ledger = ledgerOf(deps);
  const waiting = (ctx.status.notifications ?? []).filter((d) => !ledger.isOut(d.id));
  const due = nextDueMs(waiting, ctx.clock.now());
  return ledger.anyOut(ctx.status.notifications) ? Math.min(due ?? outPollMs, outPollMs) : due;
}
