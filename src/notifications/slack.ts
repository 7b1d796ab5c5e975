// Slack: a Block Kit message posted to an incoming webhook. The webhook's URL is a secret (anyone
// holding it can post), so it is read from the notification's Secret, under the key `url` unless
// secretRef.key names another, and never written into an error. address is the channel, shown in
// the message's context (an incoming webhook posts to the channel it was made for).
import { httpUrl, postJson } from './http.ts';
import { cut } from './message.ts';
import { messageOf, type DeliveryRecord, type NotificationMessage, type Notifier } from './types.ts';

/** The Secret key that holds the incoming-webhook URL when secretRef names none. */
export const slackUrlKey = 'url';

/** Text as Slack's mrkdwn reads it: &, < and > escaped. */
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: cut(text, 3000) });

const headlines: Record<NotificationMessage['event'], string> = {
  'pipeline.starting': 'started', 'pipeline.complete': 'succeeded', 'pipeline.failed': 'failed',
  'stage.starting': 'stage started', 'stage.complete': 'stage succeeded', 'stage.failed': 'stage failed',
  manualJudgment: 'waits for a judgment', manualJudgmentContinue: 'judgment approved', manualJudgmentStop: 'judgment rejected',
};

/** The Block Kit message of a delivery: a header, the text, the run's fields, the stage's message, a link, and the context. */
export function slackMessage(d: DeliveryRecord): Record<string, unknown> {
  const m = messageOf(d);
  const fields = [
    mrkdwn(`*Pipeline*\n${escape(m.run.pipeline)}`), mrkdwn(`*Run*\n${escape(m.run.name)}`), mrkdwn(`*Phase*\n${m.run.phase}`),
    ...(m.stage ? [mrkdwn(`*Stage*\n${escape(m.stage.refId)} (${m.stage.status})`)] : []),
  ];
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${m.run.pipeline} ${headlines[m.event]}`, 150) } },
    { type: 'section', text: mrkdwn(escape(m.text)) },
    { type: 'section', fields },
  ];
  if (m.stage?.message && (m.event.endsWith('failed') || m.event === 'manualJudgmentStop')) {
    blocks.push({ type: 'section', text: mrkdwn(`*Stage "${escape(m.stage.refId)}" says*\n\`\`\`${escape(cut(m.stage.message, 2900))}\`\`\``) });
  }
  if (m.run.url) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the run' }, url: m.run.url }] });
  const context = [`namespace ${m.run.namespace}`, ...(m.run.application ? [`application ${m.run.application}`] : []), m.event, ...(d.address ? [d.address] : [])];
  blocks.push({ type: 'context', elements: [mrkdwn(escape(context.join(' · ')))] });
  return { text: cut(m.text, 3000), blocks };
}

export const slackNotifier: Notifier = {
  channel: 'slack',
  async send(d, io) {
    if (!d.secretRef) throw new Error(`slack notification ${d.notification} has no secretRef: name the Secret that holds the incoming-webhook URL under "${slackUrlKey}"`);
    const where = `Secret "${d.secretRef.name}" key "${d.secretRef.key ?? slackUrlKey}"`;
    const url = httpUrl((await io.secret(d, slackUrlKey, 'the Slack incoming-webhook URL')).toString('utf8').trim(), `the Slack webhook URL in ${where}`, true);
    await postJson(url, JSON.stringify(slackMessage(d)), { 'x-staysail-delivery': d.id }, { who: `the Slack incoming webhook (${where})`, secret: true });
  },
};
