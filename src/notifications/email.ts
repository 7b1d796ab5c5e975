// E-mail over SMTP (nodemailer). The server and its credentials come from the notification's Secret:
//   host      the SMTP server (required)
//   port      its port (default 587; 465 with security tls)
//   security  starttls (default: the server must offer STARTTLS), tls (TLS from the first byte), or
//             none (plain text: a relay on the same host or a test server only)
//   username, password   for AUTH, when both are set
//   from      the sender (default staysail@<host>)
// address holds the recipients, comma-separated. The Message-ID is the delivery's id, so a mail sent
// again after an operator restart is the same message to the receiving server and mail clients.
import nodemailer from 'nodemailer';
import { cut } from './message.ts';
import { messageOf, type DeliveryRecord, type Notifier } from './types.ts';

/** How long one mail may take in all: connecting, the greeting, TLS, AUTH and the message. */
export const smtpTimeoutMs = 10_000;
type Security = 'starttls' | 'tls' | 'none';

/** The SMTP settings in a Secret's data; throws naming the key that is wrong. */
export function smtpSettings(data: Record<string, Buffer>, secret: string) {
  const value = (key: string) => data[key]?.toString('utf8').trim() || undefined;
  const host = value('host');
  if (!host) throw new Error(`Secret "${secret}" has no key "host"; put the SMTP server's host name under "host"`);
  const security = (value('security') ?? 'starttls') as Security;
  if (!['starttls', 'tls', 'none'].includes(security)) throw new Error(`Secret "${secret}" key "security" is "${security}"; use starttls, tls or none`);
  const port = Number(value('port') ?? (security === 'tls' ? 465 : 587));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Secret "${secret}" key "port" is not a port number: "${value('port')}"`);
  const username = value('username');
  const password = data.password?.toString('utf8');
  return { host, port, security, from: value('from') ?? `staysail@${host}`, ...(username && password ? { auth: { user: username, pass: password } } : {}) };
}

/** The mail of a delivery: subject, text and the headers that name it. */
export function emailMessage(d: DeliveryRecord, from: string) {
  const m = messageOf(d);
  const firstLine = m.text.split('\n')[0]!;
  return {
    from, to: d.address ?? '', subject: cut(`[staysail] ${firstLine}`, 200), text: `${m.text}\n\n${m.event} · namespace ${m.run.namespace} · run ${m.run.name}\n`,
    messageId: `<${d.id}@staysail>`, headers: { 'X-Staysail-Delivery': d.id, 'X-Staysail-Event': d.event },
  };
}

/** The promise's value, or an error once ms have passed (nodemailer's own timeouts are each per phase). */
function withinTime<T>(p: Promise<T>, ms: number): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  return Promise.race([p, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`no answer within ${ms / 1000} s`))))]);
}

export const emailNotifier: Notifier = {
  channel: 'email',
  async send(d, io) {
    if (!d.secretRef) throw new Error(`email notification ${d.notification} has no secretRef: name the Secret that holds the SMTP server (host, port, security, username, password, from)`);
    const s = smtpSettings(await io.secretData(d, 'the SMTP settings'), d.secretRef.name);
    const transport = nodemailer.createTransport({ host: s.host, port: s.port, secure: s.security === 'tls', requireTLS: s.security === 'starttls',
      ignoreTLS: s.security === 'none', connectionTimeout: smtpTimeoutMs, greetingTimeout: smtpTimeoutMs, socketTimeout: smtpTimeoutMs, ...(s.auth ? { auth: s.auth } : {}) });
    try {
      await withinTime(transport.sendMail(emailMessage(d, s.from)), smtpTimeoutMs);
    } catch (err) {
      throw new Error(`SMTP server ${s.host}:${s.port} refused the mail: ${(err as Error).message}`, { cause: err });
    } finally {
      transport.close();
    }
  },
};
