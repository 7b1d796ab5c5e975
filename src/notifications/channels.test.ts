import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkStaysailSignature } from '../triggers/signatures.ts';
import { emailMessage, smtpSettings } from './email.ts';
import { slackMessage, slackNotifier } from './slack.ts';
import type { DeliveryRecord, NotificationMessage, NotifierIO } from './types.ts';
import { webhookBody, webhookHeaders, webhookNotifier } from './webhook.ts';

const t0 = Date.UTC(2026, 0, 1, 12);
const message: NotificationMessage = {
  event: 'pipeline.failed', time: '2026-01-01T12:00:00.000Z', text: 'Pipeline "release" run "release-7" failed: stage "deploy" ended TERMINAL: exit <3>',
  run: { name: 'release-7', namespace: 'shop', uid: 'u1', pipeline: 'release', application: 'shop', phase: 'Failed', url: 'https://dash/runs/release-7' },
  stage: { refId: 'deploy', status: 'TERMINAL', message: 'exit <3>' },
};
const delivery = (extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({ id: 'u1-2-p0', channel: 'webhook', event: 'pipeline.failed',
  notification: 'Pipeline "release" spec.notifications[0]', state: 'pending', attempts: 0, message: message as unknown as Record<string, unknown>, ...extra });
const io = (secrets: Record<string, string> = {}): NotifierIO => ({
  now: () => t0, recordEvent: () => {},
  secret: async (d, key) => { const v = secrets[d.secretRef?.key ?? key]; if (v === undefined) throw new Error(`no key ${key}`); return Buffer.from(v); },
  secretData: async () => Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, Buffer.from(v)])),
});

/** An HTTP receiver on loopback that answers each request with the next status. */
async function receiver(statuses: number[]) {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(statuses[got.length - 1] ?? 200).end('said so');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(r)) };
}

describe('slack', () => {
  it('a Block Kit message: header, escaped text, the run as fields, the failing stage, a link and the context', () => {
    const m = slackMessage(delivery({ channel: 'slack', address: '#releases' })) as { text: string; blocks: Record<string, unknown>[] };
    assert.equal(m.text, message.text);
    assert.deepEqual(m.blocks.map((b) => b.type), ['header', 'section', 'section', 'section', 'actions', 'context']);
    assert.deepEqual(m.blocks[0], { type: 'header', text: { type: 'plain_text', text: 'release failed' } });
    assert.deepEqual(m.blocks[1], { type: 'section', text: { type: 'mrkdwn', text: 'Pipeline "release" run "release-7" failed: stage "deploy" ended TERMINAL: exit &lt;3&gt;' } });
    assert.deepEqual((m.blocks[2]!.fields as { text: string }[]).map((f) => f.text), ['*Pipeline*\nrelease', '*Run*\nrelease-7', '*Phase*\nFailed', '*Stage*\ndeploy (TERMINAL)']);
    assert.deepEqual(m.blocks[3], { type: 'section', text: { type: 'mrkdwn', text: '*Stage "deploy" says*\n```exit &lt;3&gt;```' } });
    assert.deepEqual(m.blocks[4], { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the run' }, url: 'https://dash/runs/release-7' }] });
    assert.deepEqual(m.blocks[5], { type: 'context', elements: [{ type: 'mrkdwn', text: 'namespace shop · application shop · pipeline.failed · #releases' }] });
  });

  it('posts to the URL in the Secret, and an error names the Secret, never the URL', async () => {
    const r = await receiver([200, 500]);
    try {
      const d = delivery({ channel: 'slack', address: '#releases', secretRef: { name: 'slack-hook' } });
      await slackNotifier.send(d, io({ url: r.url }));
      assert.deepEqual(JSON.parse(r.got[0]!.body), slackMessage(d));
      await assert.rejects(slackNotifier.send(d, io({ url: r.url })), (err: Error) => {
        assert.equal(err.message, 'the Slack incoming webhook (Secret "slack-hook" key "url") answered 500: said so');
        return true;
      });
      await assert.rejects(slackNotifier.send(delivery({ channel: 'slack' }), io({ url: r.url })), /has no secretRef: name the Secret that holds the incoming-webhook URL under "url"/);
    } finally { await r.close(); }
  });

  it('a bad or unreachable URL in the Secret: the error names the Secret and key, never the URL', async () => {
    const d = delivery({ channel: 'slack', address: '#releases', secretRef: { name: 'slack-hook' } });
    const where = 'Secret "slack-hook" key "url"';
    const closed = await receiver([]);
    await closed.close(); // a port nothing listens on
    const port = closed.url.split(':')[2]!.split('/')[0]!;
    const cases: [string, RegExp][] = [
      ['hooks.slack.example/services/T0/B0/s3cret', new RegExp(`^the Slack webhook URL in ${where} is not a URL; put an http or https URL there$`)],
      ['ftp://hooks.slack.example/services/T0/B0/s3cret', new RegExp(`^the Slack webhook URL in ${where} must be an http or https URL$`)],
      [`http://u:s3cret@127.0.0.1:${port}/services/T0`, new RegExp(`^the Slack incoming webhook \\(${where}\\) could not be reached: the connection failed$`)],
      [`http://127.0.0.1:${port}/services/T0/B0/s3cret`, new RegExp(`^the Slack incoming webhook \\(${where}\\) could not be reached: ECONNREFUSED$`)],
    ];
    for (const [url, expected] of cases) {
      await assert.rejects(slackNotifier.send(d, io({ url })), (err: Error) => {
        assert.match(err.message, expected);
        assert.doesNotMatch(err.message, /s3cret|services/);
        return true;
      }, url);
    }
  });
});

describe('webhook', () => {
  it('the body is the delivery id and its message; signed as the webhook trigger checks, with the delivery id', () => {
    const d = delivery({ address: 'http://x/hook', secretRef: { name: 's' } });
    const body = webhookBody(d);
    assert.deepEqual(JSON.parse(body), { id: 'u1-2-p0', ...message });
    const headers = webhookHeaders(d, body, Buffer.from('k3y'), t0);
    assert.equal(headers['x-staysail-delivery'], 'u1-2-p0');
    assert.equal(headers['x-staysail-timestamp'], String(t0 / 1000));
    assert.equal(checkStaysailSignature(headers, Buffer.from(body), Buffer.from('k3y'), t0), undefined);
    assert.match(checkStaysailSignature(headers, Buffer.from(body), Buffer.from('other'), t0) ?? '', /does not match/);
    assert.deepEqual(Object.keys(webhookHeaders(d, body, undefined, t0)).sort(), ['x-staysail-delivery', 'x-staysail-event']);
  });

  it('posts to the address; a refusal says who answered what', async () => {
    const r = await receiver([204, 503]);
    try {
      const d = delivery({ address: r.url, secretRef: { name: 's' } });
      await webhookNotifier.send(d, io({ secret: 'k3y' }));
      assert.equal(r.got[0]!.body, webhookBody(d));
      assert.equal(checkStaysailSignature(r.got[0]!.headers, Buffer.from(r.got[0]!.body), Buffer.from('k3y'), t0), undefined);
      await assert.rejects(webhookNotifier.send(d, io({ secret: 'k3y' })), new RegExp(`^Error: webhook ${r.url.split('/')[2]} answered 503: said so$`));
      await assert.rejects(webhookNotifier.send(delivery({ address: 'ftp://x' }), io()), /address must be an http or https URL, not ftp:/);
    } finally { await r.close(); }
  });
});

describe('email', () => {
  it('reads the SMTP settings from the Secret, with defaults, and says which key is wrong', () => {
    const b = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));
    assert.deepEqual(smtpSettings(b({ host: 'smtp.example' }), 'mail'), { host: 'smtp.example', port: 587, security: 'starttls', from: 'staysail@smtp.example' });
    assert.deepEqual(smtpSettings(b({ host: 'h', security: 'tls', username: 'u', password: 'p', from: 'ci@x' }), 'mail'),
      { host: 'h', port: 465, security: 'tls', from: 'ci@x', auth: { user: 'u', pass: 'p' } });
    assert.throws(() => smtpSettings(b({}), 'mail'), /Secret "mail" has no key "host"/);
    assert.throws(() => smtpSettings(b({ host: 'h', security: 'ssl' }), 'mail'), /key "security" is "ssl"; use starttls, tls or none/);
    assert.throws(() => smtpSettings(b({ host: 'h', port: 'x' }), 'mail'), /key "port" is not a port number/);
  });

  it('the mail: the first line as subject, the text, and the delivery id as Message-ID', () => {
    const m = emailMessage(delivery({ channel: 'email', address: 'team@x, oncall@x' }), 'ci@x');
    assert.deepEqual({ to: m.to, subject: m.subject, messageId: m.messageId }, { to: 'team@x, oncall@x', subject: `[staysail] ${message.text}`, messageId: '<u1-2-p0@staysail>' });
    assert.equal(m.text, `${message.text}\n\npipeline.failed · namespace shop · run release-7\n`);
  });
});
