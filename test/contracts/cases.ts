// Contract suites as tables of named cases, so that an implementation can leave a case out only by
// its name and with a stated reason (a skip list: case name -> reason). A skipped case shows as a
// pending test carrying its reason; a skip list naming no case of the contract, or giving no reason,
// fails the suite, so a renamed case cannot be skipped by accident.
import assert from 'node:assert/strict';

/** Case name -> why this implementation does not pass it (yet). */
export type SkipList = Readonly<Record<string, string>>;

export interface ContractCase<W> {
  name: string;
  run(w: W): Promise<void>;
}

export interface ContractPlan {
  run: string[];
  skipped: { name: string; reason: string }[];
  /** Skip-list entries that are wrong: no such case, or no reason given. */
  problems: string[];
}

/** Which cases run and which are skipped, and what is wrong with the skip list. */
export function planContract(contract: string, cases: readonly { name: string }[], skip: SkipList): ContractPlan {
  const names = new Set(cases.map((c) => c.name));
  const problems: string[] = [];
  for (const [name, reason] of Object.entries(skip)) {
    if (!names.has(name)) problems.push(`the ${contract} contract has no case "${name}"; skip one of: ${[...names].map((n) => `"${n}"`).join(', ')}`);
    else if (!reason.trim()) problems.push(`skipping "${name}" of the ${contract} contract needs a reason`);
  }
  return {
    run: cases.filter((c) => !skip[c.name]?.trim()).map((c) => c.name),
    skipped: cases.filter((c) => skip[c.name]?.trim()).map((c) => ({ name: c.name, reason: skip[c.name]!.trim() })),
    problems,
  };
}

export interface Disposable { cleanup?(): Promise<void> }

/** A mocha suite of the contract's cases for one implementation, each in a fresh world. */
export function contractSuite<W extends Disposable>(contract: string, implementation: string, cases: ContractCase<W>[],
  world: () => Promise<W>, skip: SkipList = {}, timeoutMs = 120_000): void {
  const plan = planContract(contract, cases, skip);
  describe(`${contract} contract: ${implementation}`, function () {
    this.timeout(timeoutMs);
    let w: W | undefined;
    beforeEach(async () => { w = await world(); });
    afterEach(async () => { await w?.cleanup?.(); w = undefined; });

    if (plan.problems.length) it('skips only cases it has, each with a reason', () => assert.fail(plan.problems.join('\n')));
    for (const c of cases) {
      const skipped = plan.skipped.find((s) => s.name === c.name);
      if (skipped) it(`${c.name} (skipped: ${skipped.reason})`);
      else it(c.name, () => c.run(w!));
    }
  });
}
