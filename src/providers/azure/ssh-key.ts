// The SSH key of a scale set whose template names none: Azure refuses a Linux scale set without a
// password or a key, and Staysail wants neither a password nor a way in, so it makes an RSA key pair,
// gives Azure the public half in OpenSSH's format and keeps no private half: nobody can sign in.
import { generateKeyPairSync } from 'node:crypto';

/** An SSH string: its length (4 bytes, big-endian), then its bytes. */
function sshString(bytes: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** An SSH mpint of an unsigned big-endian number: a leading zero byte when its top bit is set. */
const mpint = (unsigned: Buffer): Buffer => sshString(unsigned[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned);

/** The OpenSSH line (ssh-rsa AAAA... comment) of an RSA public key's exponent and modulus (base64url, as in a JWK). */
export function opensshRsa(e: string, n: string, comment: string): string {
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(e, 'base64url')), mpint(Buffer.from(n, 'base64url'))]);
  return `ssh-rsa ${blob.toString('base64')} ${comment}`;
}

/** A new RSA public key in OpenSSH's format; its private key is dropped when this returns. */
export function unusableSshKey(comment: string): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const jwk = publicKey.export({ format: 'jwk' });
  return opensshRsa(jwk.e!, jwk.n!, comment);
}
