import assert from 'node:assert/strict';
import { eventDigest, maxRunNameLength, minuteStamp, triggerRunName } from './run-name.ts';

describe('triggerRunName', () => {
  it('is <pipeline>-<trigger>-<event>-<pair>, lower-case, when it fits', () => {
    assert.match(triggerRunName('release', 'Nightly', minuteStamp(Date.parse('2026-03-29T01:00:00Z'))), /^release-nightly-202603290100-[0-9a-f]{6}$/);
  });

  it('tells apart pairs whose names join alike: deploy + nightly-db and deploy-nightly + db', () => {
    const a = triggerRunName('deploy', 'nightly-db', '202601010200');
    const b = triggerRunName('deploy-nightly', 'db', '202601010200');
    assert.notEqual(a, b);
    assert.ok(a.startsWith('deploy-nightly-db-202601010200-') && b.startsWith('deploy-nightly-db-202601010200-'));
  });

  it('cuts long names to 63 characters with a hash, and different pairs stay different', () => {
    const long = 'a-very-long-pipeline-name-that-goes-on-and-on-for-ever';
    const a = triggerRunName(long, 'nightly-build-of-everything', '202601010000');
    const b = triggerRunName(long, 'nightly-build-of-everything-else', '202601010000');
    for (const n of [a, b]) {
      assert.ok(n.length <= maxRunNameLength, n);
      assert.match(n, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      assert.match(n, /-202601010000-[0-9a-f]{6}$/);
    }
    assert.notEqual(a, b);
    assert.equal(triggerRunName(long, 'nightly-build-of-everything', '202601010000'), a, 'the same event makes the same name');
  });

  it('an upstream run\'s uid makes a short, stable digest', () => {
    assert.equal(eventDigest('0b7c6a1e-1111-2222-3333-444455556666'), eventDigest('0b7c6a1e-1111-2222-3333-444455556666'));
    assert.match(eventDigest('x'), /^[0-9a-f]{10}$/);
    assert.notEqual(eventDigest('x'), eventDigest('y'));
  });
});
