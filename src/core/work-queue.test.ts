import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from './clock.ts';
import { WorkQueue } from './work-queue.ts';

const settle = () => new Promise((r) => setImmediate(r));

function queue(options: { base?: number; max?: number } = {}) {
  const clock = new ManualClock();
  const q = new WorkQueue({ clock, baseBackoffMs: options.base, maxBackoffMs: options.max });
  return { clock, q };
}

/** Takes every ready key without blocking. */
async function drain(q: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.length > 0) keys.push((await q.get())!);
  return keys;
}

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const { q } = queue();
    q.add('a'); q.add('b'); q.add('a'); q.add('a');
    assert.deepEqual(await drain(q), ['a', 'b']);
  });

  it('never hands a key to a second worker; a key added while held comes back once after done', async () => {
    const { q } = queue();
    q.add('a');
    const first = await q.get();
    q.add('a'); q.add('a');
    let second: string | undefined;
    void q.get().then((k) => { second = k; });
    await settle();
    assert.equal(second, undefined, 'a is held by the first worker');
    q.done(first!);
    await settle();
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.length, 0, 'added twice while held, queued once');
  });

  it('keeps the earliest of several delays', () => {
    const { clock, q } = queue();
    q.addAfter('a', 5000);
    q.addAfter('a', 1000);
    q.addAfter('a', 3000);
    clock.advance(999);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1);
    clock.advance(10_000);
    assert.equal(q.length, 1, 'the later delays were dropped');
  });

  it('lets an immediate add win over a pending delay', async () => {
    const { clock, q } = queue();
    q.addAfter('a', 5000);
    q.add('a');
    assert.deepEqual(await drain(q), ['a']);
    q.done('a');
    clock.advance(10_000);
    assert.equal(q.length, 0, 'the delay was cancelled');
  });

  it('backs off per key, doubling up to the cap, until forgotten', () => {
    const { q } = queue({ base: 100, max: 1000 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('a')), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(q.addRateLimited('b'), 100, 'another key has its own back-off');
    q.forget('a');
    assert.equal(q.addRateLimited('a'), 100);
  });

  it('resolves waiting workers with undefined on shut-down and drops delayed keys', async () => {
    const { clock, q } = queue();
    q.addAfter('later', 1000);
    const waiting = q.get();
    q.shutDown();
    assert.equal(await waiting, undefined);
    clock.advance(2000);
    assert.equal(q.length, 0);
    assert.equal(clock.pending, 0);
  });

  it('hands out nothing after shut-down, not even keys that were ready or held and added again', async () => {
    const { q } = queue();
    q.add('a'); q.add('b');
    const held = (await q.get())!;
    q.add(held);
    q.shutDown();
    assert.equal(await q.get(), undefined);
    q.done(held);
    assert.equal(await q.get(), undefined);
  });

  it('reports depth and wait time', async () => {
    const clock = new ManualClock();
    const depths: number[] = [];
    const waits: number[] = [];
    const q = new WorkQueue({ clock, observer: { depth: (d) => depths.push(d), waited: (ms) => waits.push(ms) } });
    q.add('a'); q.add('b');
    clock.advance(250);
    await q.get();
    assert.deepEqual(depths, [1, 2, 1]);
    assert.deepEqual(waits, [250]);
  });

  it('holds its invariants for any sequence of adds, delays and work (property)', async () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('add' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ t: fc.constant('after' as const), key: fc.constantFrom('a', 'b', 'c'), ms: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ t: fc.constant('fail' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ t: fc.constant('work' as const), worker: fc.constantFrom(0, 1) }),
      fc.record({ t: fc.constant('finish' as const), worker: fc.constantFrom(0, 1) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
      const { clock, q } = queue({ base: 10, max: 40 });
      const held: (string | undefined)[] = [undefined, undefined];
      /** Keys added (or due) since they were last picked up. */
      const owed = new Set<string>();
      for (const o of ops) {
        if (o.t === 'add') { q.add(o.key); owed.add(o.key); }
        else if (o.t === 'after') { q.addAfter(o.key, o.ms); owed.add(o.key); }
        else if (o.t === 'fail') { q.addRateLimited(o.key); owed.add(o.key); }
        else if (o.t === 'tick') clock.advance(o.ms);
        else if (o.t === 'work' && held[o.worker] === undefined && q.length > 0) {
          const key = (await q.get())!;
          assert.ok(!held.includes(key), `key ${key} handed to two workers`);
          held[o.worker] = key;
          owed.delete(key);
        } else if (o.t === 'finish' && held[o.worker] !== undefined) {
          q.done(held[o.worker]!);
          held[o.worker] = undefined;
        }
        assert.ok(q.length <= 3, 'each key is queued at most once');
      }
      // Finish all work and let every delay fall due: every key owed work is handed out again.
      for (const k of held) if (k) q.done(k);
      clock.advance(1000);
      const finalKeys = await drain(q);
      for (const k of owed) assert.ok(finalKeys.includes(k), `work for ${k} was lost`);
      assert.equal(new Set(finalKeys).size, finalKeys.length);
    }), { numRuns: 300 });
  });
});
