import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, isTransientApiError } from '../../../../core/errors.ts';
import { BakeError } from './errors.ts';
import { chartInIndex, fetchChart, maxIndexBytes } from './repository.ts';

const index = `apiVersion: v1
entries:
  hello:
    - version: 0.2.0
      urls: [hello-0.2.0.tgz]
      digest: abc
    - version: 0.1.0
      urls: [https://cdn.example.com/hello-0.1.0.tgz]
`;
const repo = (version: string, chart = 'hello') => ({ url: 'https://charts.example.com/stable/', chart, version });

describe('a chart repository\'s index', () => {
  it('resolves the version\'s URL against the repository, or takes an absolute one as it is', () => {
    assert.deepEqual(chartInIndex(index, repo('0.2.0')), { url: 'https://charts.example.com/stable/hello-0.2.0.tgz', digest: 'abc' });
    assert.equal(chartInIndex(index, repo('0.1.0')).url, 'https://cdn.example.com/hello-0.1.0.tgz');
  });

  it('says which charts and versions there are when the one asked for is not', () => {
    assert.throws(() => chartInIndex(index, repo('9.9.9')), /has no version 9.9.9 of chart "hello"; it has 0.2.0, 0.1.0/);
    assert.throws(() => chartInIndex(index, repo('0.1.0', 'bye')), /has no chart "bye"; its index lists "hello"/);
  });
});

describe('reading a chart repository', () => {
  let server: Server;
  let base: string;
  const served: Record<string, { status?: number; body?: string | Buffer; chunks?: number }> = {};
  const requests: { path: string; authorization?: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      requests.push({ path: req.url!, authorization: req.headers.authorization });
      const r = served[req.url!];
      if (!r) return void res.writeHead(404).end();
      if (r.chunks) {
        // A body with no content-length, sent until the client stops reading it.
        res.writeHead(200);
        let sent = 0;
        const more = () => { while (sent < r.chunks! && res.write(Buffer.alloc(1 << 20, 'x'))) sent++; if (sent < r.chunks!) res.once('drain', () => { sent++; more(); }); else res.end(); };
        res.on('error', () => undefined);
        return more();
      }
      res.writeHead(r.status ?? 200).end(r.body ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => { requests.length = 0; for (const k of Object.keys(served)) delete served[k]; });

  const tgz = Buffer.from('not really a chart');
  const digest = createHash('sha256').update(tgz).digest('hex');
  const indexOf = (url: string, d = digest) => `apiVersion: v1\nentries:\n  web:\n    - version: 1.0.0\n      urls: [${url}]\n      digest: ${d}\n`;
  const repo = () => ({ url: `${base}/charts`, chart: 'web', version: '1.0.0' });
  const auth = { username: 'ci', password: 's3cret' };

  it('parses the index on a worker thread and checks the chart against its digest', async () => {
    served['/charts/index.yaml'] = { body: indexOf('web-1.0.0.tgz') };
    served['/charts/web-1.0.0.tgz'] = { body: tgz };
    assert.deepEqual(await fetchChart(repo()), tgz);
    served['/charts/index.yaml'] = { body: indexOf('web-1.0.0.tgz', `sha256:${'0'.repeat(64)}`) };
    await assert.rejects(fetchChart(repo()), (err: Error) => err instanceof BakeError
      && /^chart "web" 1.0.0 from http:\/\/127.0.0.1:\d+\/charts\/web-1.0.0.tgz has digest sha256:[0-9a-f]{64}, not the index's sha256:0{64}; the repository is inconsistent$/.test(err.message));
  });

  it('sends the credentials to the repository\'s origin only, not to a .tgz elsewhere', async () => {
    const elsewhere = base.replace('127.0.0.1', 'localhost');
    served['/charts/index.yaml'] = { body: indexOf(`${elsewhere}/cdn/web-1.0.0.tgz`) };
    served['/cdn/web-1.0.0.tgz'] = { body: tgz };
    assert.deepEqual(await fetchChart(repo(), auth), tgz);
    assert.deepEqual(requests.map((r) => [r.path, r.authorization !== undefined]), [['/charts/index.yaml', true], ['/cdn/web-1.0.0.tgz', false]]);
  });

  it('retries what may pass (5xx, 429) and fails on what will not (404)', async () => {
    for (const status of [500, 503, 429]) {
      served['/charts/index.yaml'] = { status };
      await assert.rejects(fetchChart(repo()), (err: Error) => err instanceof ApiError && isTransientApiError(err)
        && err.message.includes(`the chart repository answered ${status} for index.yaml`), String(status));
    }
    await assert.rejects(fetchChart({ ...repo(), url: `${base}/nothing` }), (err: Error) => err instanceof BakeError && /answered 404 for index.yaml .*; check chartFrom.repository.url/.test(err.message));
  });

  it('stops reading an index past its limit, though the server sends no length', async () => {
    served['/charts/index.yaml'] = { chunks: (maxIndexBytes >> 20) + 8 };
    await assert.rejects(fetchChart(repo()), /^Error: index.yaml \(http:\/\/127.0.0.1:\d+\/charts\/index.yaml\) is above the 4 MiB a bake reads$/);
  });

  it('refuses a chart URL that is not http(s), and credentials over plain http to another host, before sending anything', async () => {
    served['/charts/index.yaml'] = { body: indexOf('file:///etc/passwd') };
    await assert.rejects(fetchChart(repo()), (err: Error) => err instanceof BakeError && /lists file:\/\/\/etc\/passwd for chart "web" 1.0.0; a bake fetches charts over http\(s\) only/.test(err.message));
    requests.length = 0;
    await assert.rejects(fetchChart({ ...repo(), url: 'http://charts.example.com/stable' }, auth),
      /^Error: chartFrom.repository.url http:\/\/charts.example.com\/stable is plain http, and credentialsSecretRef would send its password in the clear; use https$/);
    assert.deepEqual(requests, []);
  });

  it('stops when the run is canceled', async () => {
    served['/charts/index.yaml'] = { chunks: 2 };
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(fetchChart(repo(), undefined, controller.signal), /was stopped: the run was canceled/);
  });
});
