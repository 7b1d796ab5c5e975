// The Azure fake's TLS: a CA of its own and a serving certificate for 127.0.0.1 and localhost, made
// with the openssl CLI in a temporary folder (as test/cluster/certs.ts makes the cluster's). The SDKs
// refuse bearer tokens over plain http, so the fake must speak https, and a test trusts this CA
// (sdk.ts trustFakeCa) or hands caCertPath to a process as NODE_EXTRA_CA_CERTS.
// ECDSA P-256 keys, valid for 2 days: every start makes new ones, so nothing outlives a run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeCerts {
  dir: string;
  caCert: string;
  caCertPath: string;
  cert: string;
  key: string;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error('openssl is required to make the Azure fake\'s certificates: install it (Debian: apt-get install openssl)', { cause: err });
    }
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`, { cause: err });
  }
}

const ecKey = (out: string) => ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out];

/** Makes a CA and a serving certificate signed by it in a new temporary folder. */
export function makeFakeCerts(): FakeCerts {
  const dir = mkdtempSync(join(tmpdir(), 'staysail-azure-fake-'));
  openssl(dir, ecKey('ca.key'));
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=staysail-azure-fake-ca', '-days', '2', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-out', 'ca.crt']);
  openssl(dir, ecKey('server.key'));
  openssl(dir, ['req', '-new', '-key', 'server.key', '-subj', '/CN=127.0.0.1', '-out', 'server.csr']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' +
    'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.crt']);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { dir, caCert: read('ca.crt'), caCertPath: join(dir, 'ca.crt'), cert: read('server.crt'), key: read('server.key') };
}

/** Removes the folder (the CA file with it): a process still given caCertPath must be gone first. */
export function removeFakeCerts(certs: FakeCerts): void { rmSync(certs.dir, { recursive: true, force: true }); }
