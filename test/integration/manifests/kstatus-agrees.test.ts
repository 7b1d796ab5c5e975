// kstatus itself (the Go library, through test/tools/kstatus) on every golden object: Staysail's
// reader must reach the same status and say the same, where Staysail may add the object's own words
// after kstatus' (a Deployment's Progressing message). kstatus' Terminating is InProgress to Staysail.
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
      const ours = computeStatus(g.object, now);
      const said = ours.message === verdicts[i]!.message || ours.message.startsWith(`${verdicts[i]!.message}: `);
      return theirs === ours.status && ours.status === g.status && said ? []
        : [`${g.case}: kstatus ${verdicts[i]!.status} (${verdicts[i]!.message}), Staysail ${ours.status} (${ours.message}), golden ${g.status}`];
    });
    assert.deepEqual(disagreements, []);
  });
});
