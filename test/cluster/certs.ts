// Certificates for the local control plane, made with the openssl CLI: a cluster CA, the API server's
// serving certificate for 127.0.0.1 and localhost, an admin client certificate in system:masters, kwok's
// kubelet serving certificate (for localhost, where the fake nodes' kubelet API listens), and the
// service-account signing key pair. ECDSA P-256 keys, valid for 7 days, as envtest does.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterCerts {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
  /** The client certificate the API server presents to aggregated API servers (front proxy). */
  proxyCert: string;
  proxyKey: string;
  /** kwok's serving certificate for the kubelet API of every fake node, which the API server checks against the CA. */
  kubeletCert: string;
  kubeletKey: string;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error('openssl is required to make the test certificates: install it (Debian: apt-get install openssl)', { cause: err });
    }
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`, { cause: err });
  }
}

const ecKey = (out: string) => ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out];

/** Makes ca.key and ca.crt, a CA named cn, in dir. */
export function makeCa(dir: string, cn: string, days: number): void {
  openssl(dir, ecKey('ca.key'));
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', `/CN=${cn}`, '-days', String(days), '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-out', 'ca.crt']);
}

/** Makes <name>.key and <name>.crt in dir, signed by its CA, with the given subject and extensions. */
export function signed(dir: string, name: string, subject: string, extensions: string, days = 7): void {
  openssl(dir, ecKey(`${name}.key`));
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', String(days), '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
}

/** A serving certificate's extensions for 127.0.0.1 and localhost (and more names). */
export const servingExtensions = (...names: string[]) =>
  `subjectAltName=IP:127.0.0.1,DNS:localhost${names.map((n) => `,DNS:${n}`).join('')}\n` +
  'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n';

/** Writes a fresh set of certificates into dir. */
export function makeCerts(dir: string): ClusterCerts {
  makeCa(dir, 'staysail-local-ca', 7);
  signed(dir, 'apiserver', '/CN=kube-apiserver', servingExtensions('kubernetes', 'kubernetes.default', 'kubernetes.default.svc'));
  signed(dir, 'kubelet', '/CN=kwok-kubelet', servingExtensions());
  signed(dir, 'admin', '/O=system:masters/CN=staysail-admin',
    'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  signed(dir, 'front-proxy-client', '/CN=front-proxy-client',
    'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const at = (f: string) => join(dir, f);
  return {
    caCert: at('ca.crt'), caKey: at('ca.key'), serverCert: at('apiserver.crt'), serverKey: at('apiserver.key'),
    adminCert: at('admin.crt'), adminKey: at('admin.key'), saKey: at('sa.key'), saPub: at('sa.pub'),
    proxyCert: at('front-proxy-client.crt'), proxyKey: at('front-proxy-client.key'),
    kubeletCert: at('kubelet.crt'), kubeletKey: at('kubelet.key'),
  };
}
