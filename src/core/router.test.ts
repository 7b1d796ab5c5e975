import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { serve, type RunningServer, type ServerTimeouts } from './http-server.ts';
import { createLogger } from './logger.ts';
import { json, Router, text } from './router.ts';

const quiet = createLogger({ level: 'error', write: () => undefined });

/** Sends bytes over a raw connection and collects what comes back until the server closes it (bounded). */
function rawExchange(address: string, writes: (string | number)[], deadlineMs = 5000): Promise<{ data: string; closedAfterMs: number }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const started = Date.now();
    let data = '';
    const deadline = setTimeout(() => { socket.destroy(); reject(new Error(`the server kept the connection open ${deadlineMs} ms; got ${JSON.stringify(data)}`)); }, deadlineMs);
    socket.on('data', (d) => { data += d.toString(); });
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(deadline); resolve({ data, closedAfterMs: Date.now() - started }); });
    void (async () => {
      for (const w of writes) {
        if (typeof w === 'number') await new Promise((r) => setTimeout(r, w));
        else if (!socket.destroyed) socket.write(w);
      }
    })();
  });
}

describe('router', () => {
  let server: RunningServer;
  let logged: Record<string, unknown>[];
  const url = (path: string) => `http://${server.address}${path}`;

  async function start(register: (r: Router) => void, timeouts?: ServerTimeouts): Promise<void> {
    logged = [];
    const router = new Router(createLogger({ level: 'error', write: (line) => logged.push(JSON.parse(line) as Record<string, unknown>) }));
    register(router);
    server = await serve('127.0.0.1:0', router, timeouts);
  }
  afterEach(async () => { await server?.close(); });

  it('matches exact paths, :param segments and prefixes, the most specific first', async () => {
    await start((r) => r
      .get('/runs/*', (req) => json({ route: 'prefix', rest: req.params['*'] }))
      .get('/runs/:name', (req) => json({ route: 'param', name: req.params.name }))
      .get('/runs/latest', () => json({ route: 'exact' }))
      .get('/apps/:app/runs/:run', (req) => json({ route: 'two params', ...req.params, q: req.query.get('q') })));
    const cases: [string, unknown][] = [
      ['/runs/latest', { route: 'exact' }],
      ['/runs/demo%20release-1', { route: 'param', name: 'demo release-1' }],
      ['/runs/demo/stages/deploy', { route: 'prefix', rest: 'demo/stages/deploy' }],
      ['/runs/', { route: 'prefix', rest: '' }],
      ['/apps/shop/runs/r1?q=x', { route: 'two params', app: 'shop', run: 'r1', q: 'x' }],
    ];
    for (const [path, want] of cases) {
      const res = await fetch(url(path));
      assert.equal(res.status, 200, path);
      assert.deepEqual(await res.json(), want, path);
    }
    assert.equal((await fetch(url('/runs'))).status, 404, 'a prefix route needs the slash');
  });

  it('answers 404 for an unknown path and 405 with Allow for a known path and another method', async () => {
    await start((r) => r.get('/things', () => text('list')).post('/things', () => text('made', 201)));
    const missing = await fetch(url('/nothing'));
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'nothing is served at /nothing' });
    const wrong = await fetch(url('/things'), { method: 'DELETE' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD, POST');
    assert.deepEqual(await wrong.json(), { error: '/things answers GET, HEAD, POST, not DELETE' });
    const head = await fetch(url('/things'), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await fetch(url('/things'), { method: 'POST' })).status, 201);
    assert.equal((await fetch(url('/%E0%A4%A'))).status, 400, 'a path that does not decode');
  });

  it('gives the handler the body, up to each route\'s limit; past it 413 without waiting for the rest, and the connection closes', async () => {
    await start((r) => r
      .post('/echo', (req) => text(`${req.body.length} ${req.body.toString().slice(0, 5)}`))
      .post('/small', (req) => text(String(req.body.length)), { maxBodyBytes: 10 }));
    assert.equal(await (await fetch(url('/echo'), { method: 'POST', body: 'hello world' })).text(), '11 hello');
    const mib = 1024 * 1024;
    assert.equal(await (await fetch(url('/echo'), { method: 'POST', body: 'x'.repeat(mib) })).text(), `${mib} xxxxx`);
    assert.equal((await fetch(url('/echo'), { method: 'POST', body: 'x'.repeat(mib + 1) })).status, 413);
    assert.equal(await (await fetch(url('/small'), { method: 'POST', body: '0123456789' })).text(), '10');
    const over = await fetch(url('/small'), { method: 'POST', body: '0123456789a' });
    assert.equal(over.status, 413);
    assert.deepEqual(await over.json(), { error: 'the body is over the 10 bytes POST /small accepts' });

    // A declared length past the limit is refused from the headers alone: the body is never sent.
    const early = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = request(url('/echo'), { method: 'POST', headers: { 'content-length': String(100 * mib) } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, connection: res.headers.connection });
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.deepEqual(early, { status: 413, connection: 'close' });

    // A chunked body is cut as soon as it passes the limit, although the client never finishes it.
    const chunked = await rawExchange(server.address, ['POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n', 'b\r\n0123456789a\r\n']);
    assert.match(chunked.data, /^HTTP\/1\.1 413 /);
  });

  it('answers 408 and closes the socket when a client sends its headers or its body too slowly, and closes idle connections', async () => {
    await start((r) => r.get('/', () => text('ok')).post('/', (req) => text(req.body.toString())),
      { headersMs: 300, requestMs: 600, idleMs: 300 });
    const slowHeaders = await rawExchange(server.address, ['GET / HTTP/1.1\r\nHost: t\r\n']);
    assert.match(slowHeaders.data, /^HTTP\/1\.1 408 /);
    assert.ok(slowHeaders.closedAfterMs < 2000, `closed after ${slowHeaders.closedAfterMs} ms`);

    const slowBody = await rawExchange(server.address, ['POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc']);
    assert.match(slowBody.data, /^HTTP\/1\.1 408 /);
    assert.ok(slowBody.closedAfterMs >= 500 && slowBody.closedAfterMs < 2500, `closed after ${slowBody.closedAfterMs} ms`);

    // Answered, then left idle: node closes it after the idle timeout and its own one-second margin.
    const idle = await rawExchange(server.address, ['GET / HTTP/1.1\r\nHost: t\r\n\r\n']);
    assert.match(idle.data, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\nok$/);
    assert.ok(idle.closedAfterMs >= 300 && idle.closedAfterMs < 3000, `closed after ${idle.closedAfterMs} ms`);

    assert.equal(await (await fetch(url('/'))).text(), 'ok', 'the server still serves');
  });

  it('answers 500 with a short JSON error and a log line when a handler throws, and keeps serving', async () => {
    await start((r) => r
      .get('/sync', () => { throw new Error('sync boom'); })
      .get('/async', async () => { await Promise.resolve(); throw new Error('async boom'); })
      .get('/fine', () => text('fine')));
    for (const path of ['/sync', '/async']) {
      const res = await fetch(url(path));
      assert.equal(res.status, 500, path);
      assert.deepEqual(await res.json(), { error: 'internal error' });
    }
    assert.deepEqual(logged.map((l) => [l.msg, l.route, l.error]), [['http handler failed', '/sync', 'sync boom'], ['http handler failed', '/async', 'async boom']]);
    assert.equal(await (await fetch(url('/fine'))).text(), 'fine');
  });

  it('refuses a malformed or duplicate route when it is registered', () => {
    const r = new Router(quiet).get('/a/:id', () => text(''));
    assert.throws(() => r.get('/a/:other', () => text('')), /route GET \/a\/:other is registered twice/);
    assert.doesNotThrow(() => r.post('/a/:id', () => text('')));
    assert.throws(() => r.get('a', () => text('')), /must start with \//);
    assert.throws(() => r.get('/a/*/b', () => text('')), /\* may only end a pattern/);
    assert.throws(() => r.get('/b/:', () => text('')), /parameter ":" must be a name/);
  });
});
