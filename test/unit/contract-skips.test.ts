// Contract suites' skip lists: an implementation leaves a case out only by its name and with a reason;
// anything else in the list fails its suite.
import assert from 'node:assert/strict';
import { planContract } from '../contracts/cases.ts';

const cases = [{ name: 'creates' }, { name: 'resizes' }, { name: 'destroys' }];

describe('contract skip lists', () => {
  it('runs every case when nothing is skipped', () => {
    assert.deepEqual(planContract('ServerGroupProvider', cases, {}), { run: ['creates', 'resizes', 'destroys'], skipped: [], problems: [] });
  });

  it('skips a named case with its reason, and runs the rest', () => {
    assert.deepEqual(planContract('ServerGroupProvider', cases, { resizes: ' moto has no Auto Scaling capacity ' }), {
      run: ['creates', 'destroys'], skipped: [{ name: 'resizes', reason: 'moto has no Auto Scaling capacity' }], problems: [] });
  });

  it('fails a skip list naming a case the contract does not have, and says which it has', () => {
    assert.deepEqual(planContract('ServerGroupProvider', cases, { resize: 'typo' }).problems,
      ['the ServerGroupProvider contract has no case "resize"; skip one of: "creates", "resizes", "destroys"']);
  });

  it('fails a skip without a reason, and runs that case', () => {
    const plan = planContract('ServerGroupProvider', cases, { destroys: '  ' });
    assert.deepEqual(plan.problems, ['skipping "destroys" of the ServerGroupProvider contract needs a reason']);
    assert.deepEqual(plan.run, ['creates', 'resizes', 'destroys']);
  });
});
