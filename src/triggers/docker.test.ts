import assert from 'node:assert/strict';
import { dockerEvent, dockerPayload, planDocker, tagsToRead } from './docker.ts';
import { TagPatternError } from './docker-registry.ts';

const a = 'sha256:' + 'a'.repeat(64);
const b = 'sha256:' + 'b'.repeat(64);

describe('docker trigger planning', () => {
  it('reads the matching tags, greatest first in natural order, never latest by default, at most 200', () => {
    assert.deepEqual(tagsToRead(['v1.9', 'latest', 'v1.10', 'v1.2']), ['v1.10', 'v1.9', 'v1.2']);
    assert.deepEqual(tagsToRead(['v1.9', 'latest', 'dev'], 'v.*'), ['v1.9']);
    assert.equal(tagsToRead(Array.from({ length: 300 }, (_, i) => `b${i}`)).length, 200);
    assert.equal(tagsToRead(Array.from({ length: 300 }, (_, i) => `b${i}`))[0], 'b299');
    assert.throws(() => tagsToRead(['x'], '('), TagPatternError);
  });

  const cases = [
    { name: 'first poll: existing images recorded, none fire', seen: undefined, read: [{ tag: '1.0', digest: a }], fire: [] },
    { name: 'a pushed tag fires once', seen: [{ tag: '1.0', digest: a }], read: [{ tag: '1.0', digest: a }, { tag: '1.1', digest: b }], fire: [{ tag: '1.1', digest: b }] },
    { name: 'a re-push of the same digest fires none', seen: [{ tag: '1.0', digest: a }], read: [{ tag: '1.0', digest: a }], fire: [] },
    { name: 'a re-pushed tag with a new digest fires', seen: [{ tag: '1.0', digest: a }], read: [{ tag: '1.0', digest: b }], fire: [{ tag: '1.0', digest: b }] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(planDocker(c.seen, c.read).fire, c.fire));

  it('names the event from the tag and digest, and puts both in the payload', () => {
    assert.equal(dockerEvent({ tag: '1.0', digest: a }), dockerEvent({ tag: '1.0', digest: a }));
    assert.notEqual(dockerEvent({ tag: '1.0', digest: a }), dockerEvent({ tag: '1.0', digest: b }));
    assert.notEqual(dockerEvent({ tag: '1.0', digest: a }), dockerEvent({ tag: '1.1', digest: a }));
    assert.match(dockerEvent({ tag: '1.0', digest: a }), /^[0-9a-f]{12}$/);
    assert.deepEqual(dockerPayload({ registry: 'r:5000', repository: 'team/app' }, { tag: '1.0', digest: a }),
      { registry: 'r:5000', repository: 'team/app', tag: '1.0', digest: a });
  });
});
