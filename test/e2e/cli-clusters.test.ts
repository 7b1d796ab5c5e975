// kubectl staysail for clusters, driven as a person would, with the operator running: follow a
// red/black rollout on a terminal and through a pipe, set an image (a rollout), roll back and retry,
// and the refusals that say what to do.
import assert from 'node:assert/strict';
import { waitFor } from '../cluster/probe.ts';
import { createNamespace, operatorIn, removeNamespace } from '../support/namespace.ts';
import { OperatorProcess } from '../support/operator-process.ts';
import { outputShows, Plugin } from '../support/plugin.ts';
import { api, inNamespace } from '../support/runs.ts';

const ns = `cli-clusters-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);

// A rollout is held at its start, so a watch begun after `set image` sees all of it: the new pods need
// a node with this label, which one node gets only once the watch runs.
const poolLabel = `pool.shop.example/${ns}`;
const pool = (open: boolean) => k(['label', 'node', 'kwok-node-0', open ? `${poolLabel}=open` : `${poolLabel}-`, '--overwrite']);

const cluster = (stack: string, extra: object = {}, containers: object[] = [{ name: 'web', image: 'shop:1', ports: [{ containerPort: 8080 }] }]) => ({
  apiVersion: api, kind: 'Cluster', metadata: { name: `shop-${stack}` },
  spec: { moniker: { app: 'shop', stack }, accountRef: { name: 'local' }, capacity: { min: 1, max: 4, desired: 2 },
    template: { kubernetes: { podTemplate: { spec: { containers, nodeSelector: { [poolLabel]: 'open' } } } } },
    strategy: { type: 'redblack', redBlack: { delayBeforeCleanup: '3s' } }, ...extra },
});

/** Deploys the cluster's first version, then closes the pool: the next version waits for it. */
async function deployed(manifest: { metadata: { name: string } }): Promise<void> {
  await pool(true);
  await apply(manifest);
  await reach(manifest.metadata.name, 1, 'Succeeded');
  await pool(false);
}

interface Status { activeServerGroup?: string; images?: string; rollout?: { phase: string; revision: number; message?: string };
  conditions?: { type: string; status: string; message: string }[] }
const status = async (name: string) => JSON.parse(await k(['get', 'cluster', name, '-o', 'jsonpath={.status}']) || '{}') as Status;
async function reach(name: string, revision: number, phase: string): Promise<Status> {
  let last: Status = {};
  await waitFor(async () => { last = await status(name); return last.rollout?.revision === revision && last.rollout.phase === phase; }, 60_000,
    () => `cluster ${name} rollout ${revision} did not reach ${phase}: ${JSON.stringify(last.rollout)}`);
  return last;
}

const esc = '\u001b';
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
/** The row of a server group in a drawn frame: its traffic word. */
const traffic = (frame: string, name: string) => new RegExp(`${name}\\s+\\S+\\s+(enabled|disabled)`).exec(frame)?.[1];

describe('kubectl staysail for clusters, as a kubectl plugin', function () {
  this.timeout(180_000);
  let operator: OperatorProcess;
  let plugin: Plugin;

  before(async () => {
    plugin = new Plugin(ns);
    await createNamespace(ns);
    operator = await operatorIn(ns);
    await apply({ apiVersion: api, kind: 'Account', metadata: { name: 'local' }, spec: { provider: 'kubernetes' } });
  });
  after(async () => {
    await pool(false).catch(() => undefined);
    await removeNamespace(ns, operator);
    plugin.remove();
  });

  it('draws a red/black rollout on a terminal in colour, redrawn in place: both server groups and the switch', async () => {
    await deployed(cluster('tty'));
    const set = await plugin.run(['set', 'image', 'shop-tty', 'web=shop:2']);
    assert.equal(set.code, 0, set.err);
    assert.equal(set.out.trim(), 'Cluster "shop-tty": web=shop:2 (was shop:1); rolling it out: follow it with: kubectl staysail get cluster shop-tty --watch');
    // Pods become ready only once the pool opens: open it when the first frame is drawn, so every step is seen.
    const first = outputShows('shop-tty-v001');
    const watching = plugin.onTerminal(['get', 'cluster', 'shop-tty', '--watch'], 90_000, first.onOutput);
    await Promise.race([first.shown, watching]);
    await pool(true);
    const screen = await watching;
    assert.ok(screen.includes(`${esc}[1mCluster shop-tty${esc}[0m`), `a bold header: ${JSON.stringify(screen.slice(0, 300))}`);
    assert.match(screen, new RegExp(`${esc}\\[\\d+A${esc}\\[J`), 'redrawn in place');
    assert.ok(screen.includes(`${esc}[32m✔${esc}[0m shop-tty-v001`), 'the new server group, healthy and enabled, in green');
    const frames = screen.split(new RegExp(`${esc}\\[\\d+A${esc}\\[J`)).map(plain);
    const states = frames.map((f) => `${traffic(f, 'shop-tty-v001') ?? '-'} ${traffic(f, 'shop-tty-v000') ?? '-'}`)
      .filter((s, i, all) => s !== all[i - 1]);
    const switchOrder = ['disabled enabled', 'enabled enabled', 'enabled disabled'];
    assert.deepEqual(states.filter((s) => switchOrder.includes(s)), switchOrder, `the switch, frame by frame: ${states.join(' | ')}`);
    assert.match(frames.at(-1)!, /Cluster shop-tty {2}\(redblack\) {2}✔ Succeeded {2}step 8\/8 {2}rollout 2/);
    assert.match(plain(screen).trimEnd(), /Cluster shop-tty Succeeded: shop-tty-v001 is live$/);
  });

  it('sets an image, keeping the rest of the template, and follows the rollout through a pipe: one line per change, the reason, the end', async () => {
    const containers = [{ name: 'web', image: 'shop:1', ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'prod' }] },
      { name: 'log', image: 'fluent:1' }];
    await deployed(cluster('pipe', {}, containers));
    const set = await plugin.run(['set', 'image', 'shop-pipe', 'web=shop:2']);
    assert.equal(set.code, 0, set.err);
    await reach('shop-pipe', 2, 'Progressing');
    const first = outputShows('shop-pipe-v001 (');
    const watching = plugin.run(['get', 'cluster', 'shop-pipe', '--watch'], 90_000, first.onOutput);
    await Promise.race([first.shown, watching]);
    await pool(true);
    const watched = await watching;
    assert.equal(watched.code, 0, watched.out + watched.err);
    const lines = watched.out.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      'Cluster shop-pipe (redblack) rollout 2 Progressing step 2/8 (wait for health): waiting for shop-pipe-v001: 0 of 2 healthy instances',
      'shop-pipe-v000 (web=shop:1, log=fluent:1): enabled, 2/2 ready',
      'shop-pipe-v001 (web=shop:2, log=fluent:1): disabled, 0/2 ready',
    ]);
    // Then the switch, in order: the new server group ready and enabled (one line when seen at once), the wait, the old one disabled.
    const at = (line: RegExp) => { const i = lines.findIndex((l) => line.test(l)); assert.ok(i > 0, `no line ${line} in:\n${watched.out}`); return i; };
    const ready = at(/^shop-pipe-v001 (enabled, )?2\/2 ready$/);
    const enabled = at(/^shop-pipe-v001 enabled(, 2\/2 ready)?$/);
    const waited = at(/^rollout 2 Progressing step 5\/8 \(wait before cleanup\): waiting 3s before cleanup$/);
    const disabled = at(/^shop-pipe-v000 disabled$/);
    assert.ok(ready <= enabled && enabled < disabled && waited < disabled, watched.out);
    assert.equal(lines.at(-1), 'Cluster shop-pipe Succeeded: shop-pipe-v001 is live');
    assert.deepEqual(JSON.parse(await k(['get', 'cluster', 'shop-pipe', '-o', 'jsonpath={.spec.template.kubernetes.podTemplate}'])),
      { spec: { containers: [{ ...containers[0], image: 'shop:2' }, containers[1]], nodeSelector: { [poolLabel]: 'open' } } });
    const json = JSON.parse((await plugin.run(['get', 'cluster', 'shop-pipe', '-o', 'json'])).out) as { status: Status };
    assert.equal(json.status.images, 'web=shop:2, log=fluent:1');
    const again = await plugin.run(['set', 'image', 'shop-pipe', 'web=shop:2']);
    assert.deepEqual([again.code, again.out.trim()], [0, 'Cluster "shop-pipe" already runs web=shop:2; nothing to roll out']);
  });

  it('retries after a rollback: the Cluster says it serves another version than its template, and retry rolls the template out again', async () => {
    await pool(true);
    await apply(cluster('again', { strategy: { type: 'redblack' } }));
    await reach('shop-again', 1, 'Succeeded');
    assert.equal((await plugin.run(['set', 'image', 'shop-again', 'web=shop:2'])).code, 0);
    await reach('shop-again', 2, 'Succeeded');
    const back = await plugin.run(['rollback', 'shop-again']);
    assert.equal(back.code, 0, back.err);
    assert.match(back.out, /^rolling Cluster "shop-again" back \(request rollback-\w+\); follow it with: kubectl staysail get cluster shop-again --watch$/m);
    const rolledBack = await reach('shop-again', 3, 'RolledBack');
    const id = /request (rollback-\w+)/.exec(back.out)![1];
    const says = `rolled back to shop-again-v000 on request ${id}; the template (web=shop:2) is not deployed: to deploy it again, `
      + 'run kubectl staysail retry shop-again (or set spec.retry), or change spec.template';
    assert.equal(rolledBack.rollout!.message, says);
    assert.equal(rolledBack.conditions!.find((c) => c.type === 'Ready')!.message, `shop-again-v000 serves with 2 of 2 instances healthy; ${says}`);
    assert.equal(rolledBack.images, 'web=shop:1');

    const retried = await plugin.run(['retry', 'shop-again']);
    assert.equal(retried.code, 0, retried.err);
    assert.match(retried.out, /^rolling the template of Cluster "shop-again" out again \(request retry-\w+\); follow it with: kubectl staysail get cluster shop-again --watch$/m);
    const watched = await plugin.run(['get', 'cluster', 'shop-again', '--watch']);
    assert.equal(watched.code, 0, watched.out + watched.err);
    assert.equal(watched.out.trimEnd().split('\n').at(-1), 'Cluster shop-again Succeeded: shop-again-v002 is live');
    const done = await status('shop-again');
    assert.deepEqual([done.activeServerGroup, done.images, done.rollout?.revision], ['shop-again-v002', 'web=shop:2', 4]);
    const nothing = await plugin.run(['retry', 'shop-again']);
    assert.deepEqual([nothing.code, nothing.err.trim()], [1,
      'error: Cluster "shop-again" has nothing to retry: its rollout is Succeeded; retry applies after a rollback or a failed rollout']);
  });

  it('says plainly what is wrong', async () => {
    await apply({ ...cluster('cloud'), spec: { ...cluster('cloud').spec, template: { aws: { imageId: 'ami-0abcdef1234567890', instanceType: 't3.micro' } } } });
    const cases: [string[], string | RegExp, number][] = [
      [['set', 'image', 'shop-pipe', 'api=shop:3'], 'error: Cluster "shop-pipe" has no container "api" in spec.template.kubernetes.podTemplate (it has: web, log)', 1],
      [['set', 'image', 'shop-pipe', 'web'], 'error: web: give the image as CONTAINER=IMAGE, e.g. web=demo/web:2.0.0', 1],
      [['set', 'image', 'shop-cloud', 'web=shop:3'], 'error: Cluster "shop-cloud" has no Kubernetes pod template (its template is spec.template.aws): '
        + 'set image changes only the containers of spec.template.kubernetes.podTemplate; change spec.template.aws instead (kubectl edit cluster shop-cloud)', 1],
      [['get', 'cluster', 'nope'], `error: Cluster "nope" not found in namespace "${ns}" (kubectl get clusters shows the clusters there)`, 1],
      [['set', 'image', 'shop-pipe'], /^set image takes CLUSTER CONTAINER=IMAGE \[CONTAINER=IMAGE\.\.\.\]/, 2],
      [['get', 'pods'], /^get what\? try: kubectl staysail get run RUN, or kubectl staysail get cluster CLUSTER/, 2],
    ];
    for (const [args, message, code] of cases) {
      const r = await plugin.run(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      if (typeof message === 'string') assert.equal(r.err.trim(), message, args.join(' '));
      else assert.match(r.err, message, args.join(' '));
    }
    assert.equal((await status('shop-pipe')).rollout?.revision, 2, 'nothing was rolled out by a refused command');
  });
});
