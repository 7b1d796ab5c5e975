// A made key is an OpenSSH ssh-rsa line whose blob holds the key's own exponent and modulus.
import assert from 'node:assert/strict';
import { opensshRsa, unusableSshKey } from './ssh-key.ts';

/** The SSH strings of a blob. */
function fields(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < blob.length && out.length < 8;) {
    const len = blob.readUInt32BE(i);
    out.push(blob.subarray(i + 4, i + 4 + len));
    i += 4 + len;
  }
  return out;
}

describe('Azure SSH keys', () => {
  it('writes ssh-rsa, the exponent and the modulus as SSH mpints', () => {
    const n = Buffer.from([0x80, 1, 2, 3]); // top bit set: an mpint needs a leading zero
    const line = opensshRsa(Buffer.from([1, 0, 1]).toString('base64url'), n.toString('base64url'), 'staysail@shop-prod-v001');
    const [type, blob, comment] = line.split(' ');
    assert.equal(type, 'ssh-rsa');
    assert.equal(comment, 'staysail@shop-prod-v001');
    const [name, e, mod] = fields(Buffer.from(blob!, 'base64'));
    assert.equal(name!.toString(), 'ssh-rsa');
    assert.deepEqual([...e!], [1, 0, 1]);
    assert.deepEqual([...mod!], [0, 0x80, 1, 2, 3]);
  });

  it('makes a fresh 3072-bit key each time', () => {
    const a = unusableSshKey('x');
    assert.match(a, /^ssh-rsa [A-Za-z0-9+/]+={0,3} x$/);
    assert.notEqual(a, unusableSshKey('x'));
    const [, , mod] = fields(Buffer.from(a.split(' ')[1]!, 'base64'));
    assert.equal(mod!.length, 385); // 384 bytes and the leading zero
  });
});
