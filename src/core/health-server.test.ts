import assert from 'node:assert/strict';
import { registerHealthRoutes, type HealthChecks } from './health-server.ts';
import { parseAddress, serve, type RunningServer } from './http-server.ts';
import { createLogger } from './logger.ts';
import { Router } from './router.ts';

async function get(address: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${address}${path}`);
  return { status: res.status, body: await res.text() };
}

function startHealthServer(checks: HealthChecks): Promise<RunningServer> {
  const router = new Router(createLogger({ level: 'error' }));
  registerHealthRoutes(router, checks);
  return serve('127.0.0.1:0', router);
}

describe('health routes', () => {
  it('answers 200 while every check passes and 503 naming the check that fails', async () => {
    let ready = false;
    const server = await startHealthServer({ healthz: { process: () => true }, readyz: { apiserver: () => ready } });
    try {
      assert.equal((await get(server.address, '/healthz')).status, 200);
      assert.equal((await get(server.address, '/livez')).status, 200);
      const notReady = await get(server.address, '/readyz');
      assert.equal(notReady.status, 503);
      assert.match(notReady.body, /\[-\]apiserver failed/);
      ready = true;
      assert.deepEqual(await get(server.address, '/readyz'), { status: 200, body: '[+]apiserver ok\nok\n' });
      assert.equal((await get(server.address, '/elsewhere')).status, 404);
    } finally {
      await server.close();
    }
  });

  it('treats a check that throws as failed', async () => {
    const server = await startHealthServer({ healthz: { boom: () => { throw new Error('x'); } }, readyz: {} });
    try {
      assert.equal((await get(server.address, '/healthz')).status, 503);
    } finally {
      await server.close();
    }
  });

  it('parses addresses', () => {
    assert.deepEqual(parseAddress(':8081'), { host: '0.0.0.0', port: 8081 });
    assert.deepEqual(parseAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseAddress('[::1]:9'), { host: '::1', port: 9 });
    assert.throws(() => parseAddress('127.0.0.1:70000'), /must be host:port/);
  });
});
