import assert from 'node:assert/strict';
import { ConcurrencyGate } from './gate.ts';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('ConcurrencyGate', () => {
  it('runs the decisions of one pipeline one at a time, in the order asked', async () => {
    const gate = new ConcurrencyGate();
    const log: string[] = [];
    const step = (name: string) => gate.withLock('ns/p', async () => {
      log.push(`${name} in`);
      await tick();
      await tick();
      log.push(`${name} out`);
      return name;
    });
    assert.deepEqual(await Promise.all([step('a'), step('b'), step('c')]), ['a', 'b', 'c']);
    assert.deepEqual(log, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    assert.equal(gate.size, 0, 'an idle gate holds no lock');
  });

  it('lets different pipelines decide at the same time', async () => {
    const gate = new ConcurrencyGate();
    const log: string[] = [];
    let openA!: () => void;
    const a = gate.withLock('ns/a', () => new Promise<void>((r) => { openA = r; }).then(() => log.push('a')));
    await gate.withLock('ns/b', async () => { log.push('b'); });
    openA();
    await a;
    assert.deepEqual(log, ['b', 'a']);
  });

  it('releases the lock when the decision throws', async () => {
    const gate = new ConcurrencyGate();
    await assert.rejects(gate.withLock('ns/p', async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await gate.withLock('ns/p', async () => 'next'), 'next');
    assert.equal(gate.size, 0);
  });

  it('keeps a claim until the API server shows it carried out', () => {
    const gate = new ConcurrencyGate();
    gate.claim('ns/p', 'run-1', 'start');
    gate.claim('ns/p', 'run-2', 'restart');
    assert.deepEqual([...gate.claimsOf('ns/p', () => false)], [['run-1', 'start'], ['run-2', 'restart']]);
    assert.deepEqual([...gate.claimsOf('ns/p', (run) => run === 'run-1')], [['run-2', 'restart']]);
    assert.deepEqual([...gate.claimsOf('ns/other', () => false)], []);
    assert.deepEqual([...gate.claimsOf('ns/p', () => true)], []);
    assert.equal(gate.size, 0, 'claims carried out are forgotten');
  });

  it('keeps two gates apart: no state is shared between controllers', () => {
    const one = new ConcurrencyGate();
    const two = new ConcurrencyGate();
    one.claim('ns/p', 'run-1', 'start');
    assert.equal(two.claimsOf('ns/p', () => false).size, 0);
  });
});
