import assert from 'node:assert/strict';
import { childName } from './children.ts';

describe('childName', () => {
  it('is the run, stage and attempt', () => {
    assert.equal(childName('release-42', 'smoke'), 'release-42-smoke');
    assert.equal(childName('release-42', 'smoke', 3), 'release-42-smoke-3');
    assert.equal(childName('release-42', 'Smoke_Test'), 'release-42-smoke-test');
  });
  it('stays within 63 characters and unique when long', () => {
    const a = childName('a'.repeat(60), 'stage-one');
    const b = childName('a'.repeat(60), 'stage-two');
    assert.ok(a.length <= 63 && b.length <= 63);
    assert.notEqual(a, b);
    assert.equal(childName('a'.repeat(60), 'stage-one'), a, 'deterministic');
  });
});
