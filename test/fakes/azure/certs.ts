// The Azure fake's TLS: a CA of its own and a serving certificate for 127.0.0.1 and localhost, made
// with the openssl CLI in a temporary folder (as test/cluster/certs.ts makes the cluster's). The SDKs
// refuse bearer tokens over plain http, so the fake must speak https, and a test trusts this CA
// (sdk.ts trustFakeCa) or hands caCertPath to a process as NODE_EXTRA_CA_CERTS.
// ECDSA P-256 keys, valid for 2 days: every start makes new ones, so nothing outlives a run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa, servingExtensions, signed } from '../../cluster/certs.ts';

export interface FakeCerts {
  dir: string;
  caCert: string;
  caCertPath: string;
  cert: string;
  key: string;
}

/** Makes a CA and a serving certificate signed by it in a new temporary folder. */
export function makeFakeCerts(): FakeCerts {
  const dir = mkdtempSync(join(tmpdir(), 'staysail-azure-fake-'));
  makeCa(dir, 'staysail-azure-fake-ca', 2);
  signed(dir, 'server', '/CN=127.0.0.1', servingExtensions(), 2);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { dir, caCert: read('ca.crt'), caCertPath: join(dir, 'ca.crt'), cert: read('server.crt'), key: read('server.key') };
}

/** Removes the folder (the CA file with it): a process still given caCertPath must be gone first. */
export function removeFakeCerts(certs: FakeCerts): void { rmSync(certs.dir, { recursive: true, force: true }); }
