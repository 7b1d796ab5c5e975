// The ids of the requests the server-group and cluster stages put on a Cluster.
import assert from 'node:assert/strict';
import type { StageRun } from '../stage-type.ts';
import { requestId } from './cluster-requests.ts';

const at = (name: string, uid: string, refId: string, attempts?: number) =>
  ({ run: { metadata: { name, uid } }, stage: { refId }, record: { ...(attempts ? { attempts } : {}) } }) as unknown as StageRun;
/** The id pattern and length the Cluster's schema allows (spec.requests[].id). */
const allowed = /^[A-Za-z0-9][-A-Za-z0-9_.]*$/;

describe('requestId', () => {
  it('is the same for every pass of an attempt, and another for the next attempt', () => {
    assert.equal(requestId(at('ship-1', 'u1', 'scale')), requestId(at('ship-1', 'u1', 'scale', 1)));
    assert.notEqual(requestId(at('ship-1', 'u1', 'scale')), requestId(at('ship-1', 'u1', 'scale', 2)));
  });
  it('reads as the run, the stage and the attempt, then a hash', () => assert.match(requestId(at('ship-1', 'u1', 'scale', 2)), /^ship-1-scale-2-[0-9a-f]{8}$/));
  it('differs for a run made again under the same name', () => assert.notEqual(requestId(at('ship-1', 'u1', 'scale')), requestId(at('ship-1', 'u2', 'scale'))));
  it('differs where joining and lower-casing would make the same name', () => {
    // run x, refId 1, attempt 2 and run x-1, refId 2 both read x-1-2; refIds Down and down both read down.
    assert.notEqual(requestId(at('x', 'u1', '1', 2)), requestId(at('x-1', 'u1', '2')));
    assert.notEqual(requestId(at('x', 'u1', 'Down')), requestId(at('x', 'u1', 'down')));
  });
  it('stays within what the Cluster allows, however long the run\'s name and refId', () => {
    for (const [name, refId] of [['r'.repeat(63), 'deploy_to.prod'], ['a', 'Ü'], ['run-1', 'x'.repeat(200)]]) {
      const id = requestId(at(name!, 'u1', refId!, 3));
      assert.ok(id.length <= 63 && allowed.test(id), id);
    }
  });
});
