// An operator SIGKILLed while a run's notifications go out, again and again, and another taking over
// from the run's status: every event is sent under one delivery id only, none is lost, and none is
// sent more than twice (once more, at most, when the kill fell between sending and recording: the
// delivery id lets the receiver drop it).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../cluster/probe.ts';
import { createNamespace, removeNamespace } from '../../support/namespace.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { inNamespace, pipeline, run } from '../../support/runs.ts';

const ns = `notify-crash-${Date.now().toString(36)}`;
const { apply, getRun } = inNamespace(ns);
const stages = ['s1', 's2', 's3', 's4', 's5', 's6'];

describe('notifications across operators killed mid-run', function () {
  this.timeout(180_000);
  const got: { id: string; event: string; stage?: string }[] = [];
  let server: Server;
  let url = '';
  const operators: OperatorProcess[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: string; event: string; stage?: { refId: string } };
        got.push({ id: body.id, event: body.event, ...(body.stage ? { stage: body.stage.refId } : {}) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await createNamespace(ns);
  });
  after(async () => {
    for (const o of operators) o.child.kill('SIGKILL');
    await removeNamespace(ns);
    await new Promise((r) => server.close(r));
  });

  it('sends every event under one id, at most twice, and loses none', async () => {
    await apply(pipeline('steps', stages.map((refId, i) => ({ refId, type: 'wait', wait: { duration: '1s' }, requisiteStageRefIds: i ? [stages[i - 1]] : [] })), {
      notifications: [{ type: 'webhook', address: url, when: ['pipeline.starting', 'pipeline.complete', 'stage.starting', 'stage.complete'] }],
    }), run('steps-1', 'steps'));
    for (const after of [1, 4, 8]) {
      const operator = new OperatorProcess(['--namespaces', ns]);
      operators.push(operator);
      await operator.running();
      await waitFor(async () => got.length >= after, 60_000, () => `only ${got.length} deliveries arrived`);
      operator.child.kill('SIGKILL');
    }
    const last = new OperatorProcess(['--namespaces', ns]);
    operators.push(last);
    await last.running();
    type Status = { phase?: string; notifications?: { state: string }[] };
    let status: Status | undefined;
    await waitFor(async () => {
      status = (await getRun('steps-1') as unknown as { status?: Status }).status;
      return status?.phase === 'Succeeded' && (status.notifications ?? []).every((n) => n.state === 'sent') && got.length >= 2 + 2 * stages.length;
    }, 90_000, () => `not done: ${JSON.stringify(status)}, ${got.length} received`);

    const idsOf = new Map<string, Set<string>>();
    for (const g of got) {
      const key = `${g.event} ${g.stage ?? ''}`.trim();
      idsOf.set(key, (idsOf.get(key) ?? new Set()).add(g.id));
    }
    const want = ['pipeline.starting', ...stages.flatMap((s) => [`stage.starting ${s}`, `stage.complete ${s}`]), 'pipeline.complete'];
    assert.deepEqual([...idsOf.keys()].sort(), want.sort(), 'every event, and nothing else');
    for (const [key, ids] of idsOf) assert.equal(ids.size, 1, `${key} was sent under ${[...ids].join(', ')}`);
    const times = new Map<string, number>();
    for (const g of got) times.set(g.id, (times.get(g.id) ?? 0) + 1);
    for (const [id, n] of times) assert.ok(n <= 2, `${id} was sent ${n} times`);
  });
});
