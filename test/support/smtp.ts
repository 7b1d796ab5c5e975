// A real SMTP server for e-mail notification tests: Python's aiosmtpd (Debian's python3-aiosmtpd,
// installed by hack/ensure-smtp.sh) on a free loopback port. Each mail it accepts is written to its
// folder as JSON (envelope sender, recipients and the message as received), which messages() reads
// back. The folder shares the test clusters' prefix, so the leftover check finds a server left running.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { dataDirPrefix } from '../cluster/cluster.ts';
import { ManagedProcess } from '../cluster/processes.ts';
import { freePorts, waitFor } from '../cluster/probe.ts';

const server = `
import json, os, sys, threading, time
from aiosmtpd.controller import Controller

class Save:
    def __init__(self, folder):
        self.folder, self.count = folder, 0
    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, "mail-%d-%06d.json" % (time.time_ns(), self.count))
        with open(path + ".tmp", "w") as f:
            json.dump({"mailFrom": envelope.mail_from, "rcptTos": envelope.rcpt_tos,
                       "data": envelope.original_content.decode("utf-8", "replace")}, f)
        os.rename(path + ".tmp", path)
        return "250 OK"

folder, port = sys.argv[1], int(sys.argv[2])
controller = Controller(Save(folder), hostname="127.0.0.1", port=port)
controller.start()
print("listening", flush=True)
threading.Event().wait()
`;

/** A mail as the server received it: its headers parsed (names in lower case, encoded words decoded), its body decoded when quoted-printable. */
export interface ReceivedMail { mailFrom: string; rcptTos: string[]; data: string; headers: Record<string, string>; body: string }

/** The SMTP server's Python: Debian's, unless STAYSAIL_SMTP_PYTHON names another (hack/ensure-smtp.sh). */
const python = () => process.env.STAYSAIL_SMTP_PYTHON ?? '/usr/bin/python3';

export class LocalSmtp {
  readonly host = '127.0.0.1';
  readonly port: number;
  private readonly proc: ManagedProcess;
  private readonly dataDir: string;
  private constructor(port: number, proc: ManagedProcess, dataDir: string) {
    this.port = port; this.proc = proc; this.dataDir = dataDir;
  }

  /** Starts a server and waits until it accepts connections. */
  static async start(): Promise<LocalSmtp> {
    const script = join(repoRoot, 'hack', 'ensure-smtp.sh');
    try { execFileSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] }); } catch (err) {
      throw new Error(`${script} failed; its output above says why`, { cause: err });
    }
    const dataDir = mkdtempSync(join(tmpdir(), `${dataDirPrefix}smtp-`));
    writeFileSync(join(dataDir, 'server.py'), server);
    const [port] = await freePorts(1);
    const proc = new ManagedProcess({ name: 'smtp', command: python(), args: [join(dataDir, 'server.py'), dataDir, String(port)], logFile: join(dataDir, 'smtp.log') });
    const smtp = new LocalSmtp(port!, proc, dataDir);
    try {
      await waitFor(() => accepts(port!), 30_000, () => `aiosmtpd not listening on 127.0.0.1:${port}: ${proc.exit ?? ''}\n${proc.tail()}`);
    } catch (err) {
      await smtp.stop();
      throw err;
    }
    return smtp;
  }

  /** Every mail received so far, oldest first. */
  messages(): ReceivedMail[] {
    return readdirSync(this.dataDir).filter((f) => f.startsWith('mail-') && f.endsWith('.json')).sort()
      .map((f) => parseMail(JSON.parse(readFileSync(join(this.dataDir, f), 'utf8')) as Omit<ReceivedMail, 'headers' | 'body'>));
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.end(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

/** Splits a message into its headers (unfolded) and body. */
function parseMail(m: Omit<ReceivedMail, 'headers' | 'body'>): ReceivedMail {
  const text = m.data.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = encodedWords(line.slice(colon + 1).trim());
  }
  const body = split < 0 ? '' : text.slice(split + 2);
  return { ...m, headers, body: headers['content-transfer-encoding'] === 'quoted-printable' ? quotedPrintable(body) : body };
}

/** A header's RFC 2047 encoded words (=?UTF-8?Q?...?= and =?UTF-8?B?...?=) as text; the space between two of them is dropped. */
function encodedWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_, kind: string, text: string) =>
    (kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : quotedPrintable(text.replace(/_/g, ' '))));
}

/** A quoted-printable body as UTF-8 text. */
function quotedPrintable(s: string): string {
  const bytes = s.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
