// kstatus itself (the Go library, through test/tools/kstatus) on every golden object: Staysail's
// reader must reach the same status. kstatus' Terminating is InProgress to Staysail (still changing).
import assert from 'node:assert/strict';
import { computeStatus } from '../../../src/providers/kubernetes/kstatus.ts';
import { goldenObjects } from '../../golden/kstatus/objects.ts';
import { kstatus } from '../../tools/tools.ts';

describe('Staysail\'s kstatus reader and kstatus', function () {
  this.timeout(300_000);

  it('agree on every golden object', async () => {
    const golden = goldenObjects();
    const verdicts = await kstatus(golden.map((g) => JSON.stringify(g.object)).join('\n'));
    assert.equal(verdicts.length, golden.length);
    const now = Date.now();
    const disagreements = golden.flatMap((g, i) => {
      const theirs = verdicts[i]!.status === 'Terminating' ? 'InProgress' : verdicts[i]!.status;
      const ours = computeStatus(g.object, now).status;
      return theirs === ours && ours === g.status ? [] : [`${g.case}: kstatus ${verdicts[i]!.status} (${verdicts[i]!.message}), Staysail ${ours}, golden ${g.status}`];
    });
    assert.deepEqual(disagreements, []);
  });
});
