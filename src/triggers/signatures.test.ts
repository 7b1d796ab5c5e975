import assert from 'node:assert/strict';
import { checkSha256Header, checkSha256HeaderForm, checkStaysailSignature, checkStaysailSignatureForm, checkToken, checkTokenForm, constantTimeEqual,
  hmacSha256Hex } from './signatures.ts';

const secret = Buffer.from('s3cret');
const body = Buffer.from('{"version":"1.4.2"}');
const now = Date.UTC(2026, 11, 1, 23, 0, 0);
const ts = String(now / 1000);
const sign = (t: string, b: Buffer = body, key: Buffer = secret) => `sha256=${hmacSha256Hex(key, Buffer.concat([Buffer.from(`${t}.`), b]))}`;

describe('checkStaysailSignature', () => {
  const cases: { name: string; headers: Record<string, string>; sent?: Buffer; want: RegExp | undefined }[] = [
    { name: 'signed now with the secret', headers: { 'x-staysail-timestamp': ts, 'x-staysail-signature': sign(ts) }, want: undefined },
    { name: 'hex in capitals is the same signature', headers: { 'x-staysail-timestamp': ts, 'x-staysail-signature': `sha256=${sign(ts).slice(7).toUpperCase()}` }, want: undefined },
    { name: 'signed 4 minutes ago', headers: { 'x-staysail-timestamp': String(Number(ts) - 240), 'x-staysail-signature': sign(String(Number(ts) - 240)) }, want: undefined },
    { name: 'signed 6 minutes ago: stale, a replay', headers: { 'x-staysail-timestamp': String(Number(ts) - 360), 'x-staysail-signature': sign(String(Number(ts) - 360)) },
      want: /more than 5 minutes from the operator's clock/ },
    { name: 'dated 6 minutes ahead', headers: { 'x-staysail-timestamp': String(Number(ts) + 360), 'x-staysail-signature': sign(String(Number(ts) + 360)) },
      want: /more than 5 minutes/ },
    { name: 'no signature', headers: { 'x-staysail-timestamp': ts }, want: /no x-staysail-signature header/ },
    { name: 'no timestamp', headers: { 'x-staysail-signature': sign(ts) }, want: /no x-staysail-timestamp header/ },
    { name: 'a timestamp in milliseconds is not unix seconds', headers: { 'x-staysail-timestamp': String(now), 'x-staysail-signature': sign(String(now)) },
      want: /must be unix seconds/ },
    { name: 'a timestamp that is not a number', headers: { 'x-staysail-timestamp': '2026-12-01T23:00:00Z', 'x-staysail-signature': sign(ts) }, want: /must be unix seconds/ },
    { name: 'another secret', headers: { 'x-staysail-timestamp': ts, 'x-staysail-signature': sign(ts, body, Buffer.from('other')) }, want: /does not match the body/ },
    { name: 'the body changed after signing', headers: { 'x-staysail-timestamp': ts, 'x-staysail-signature': sign(ts) }, sent: Buffer.from('{"version":"6.6.6"}'),
      want: /does not match the body/ },
    { name: 'the timestamp changed after signing (a replay made to look fresh)', headers: { 'x-staysail-timestamp': ts, 'x-staysail-signature': sign(String(Number(ts) - 600)) },
      want: /does not match the body/ },
    { name: 'a signature without its sha256= prefix', headers: { 'x-staysail-timestamp': ts, 'x-staysail-signature': sign(ts).slice(7) }, want: /must be sha256=/ },
    { name: 'a signature too short to be an HMAC-SHA256', headers: { 'x-staysail-timestamp': ts, 'x-staysail-signature': sign(ts).slice(0, 40) }, want: /must be sha256=<the 64 hex/ },
    { name: 'a signature that is not hex', headers: { 'x-staysail-timestamp': ts, 'x-staysail-signature': `sha256=${'z'.repeat(64)}` }, want: /must be sha256=/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = checkStaysailSignature(c.headers, c.sent ?? body, secret, now);
      if (c.want === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', c.want);
      // The form check, which needs no secret, refuses the same, except what only the secret can tell.
      assert.equal(checkStaysailSignatureForm(c.headers, now), got !== undefined && !/does not match/.test(got) ? got : undefined);
    });
  }
});

describe('checkSha256Header and checkToken', () => {
  const github = `sha256=${hmacSha256Hex(secret, body)}`;
  it('a host\'s sha256= HMAC of the body holds; of another body, or missing, it does not', () => {
    assert.equal(checkSha256Header(github, 'X-Hub-Signature-256', secret, body), undefined);
    assert.match(checkSha256Header(github, 'X-Hub-Signature-256', secret, Buffer.from('{}'))!, /X-Hub-Signature-256 header does not match/);
    assert.match(checkSha256Header(undefined, 'X-Hub-Signature', secret, body)!, /no X-Hub-Signature header/);
    assert.match(checkSha256Header(`sha1=${hmacSha256Hex(secret, body)}`, 'X-Hub-Signature', secret, body)!, /must be sha256=/);
  });
  it('the form checks need no secret: a header that is there and well-formed passes, whatever it signs', () => {
    assert.equal(checkSha256HeaderForm(`sha256=${hmacSha256Hex('any', 'thing')}`, 'X-Hub-Signature-256'), undefined);
    assert.match(checkSha256HeaderForm(undefined, 'X-Hub-Signature-256')!, /no X-Hub-Signature-256 header/);
    assert.match(checkSha256HeaderForm('sha256=', 'X-Hub-Signature-256')!, /must be sha256=/);
    assert.equal(checkTokenForm('anything', 'X-Gitlab-Token'), undefined);
    assert.match(checkTokenForm('', 'X-Gitlab-Token')!, /no X-Gitlab-Token header/);
  });
  it('a token is the secret itself, compared whole', () => {
    assert.equal(checkToken('s3cret', 'X-Gitlab-Token', secret), undefined);
    assert.match(checkToken('s3cre', 'X-Gitlab-Token', secret)!, /not the trigger's secret/);
    assert.match(checkToken('s3cret ', 'X-Gitlab-Token', secret)!, /not the trigger's secret/);
    assert.match(checkToken(undefined, 'X-Gitlab-Token', secret)!, /no X-Gitlab-Token header/);
  });
  it('constantTimeEqual compares strings of any lengths', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual('', ''), true);
  });
});
