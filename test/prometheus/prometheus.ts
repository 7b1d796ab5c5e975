// A real Prometheus for canary tests, on loopback, scraping targets the test serves every second.
// Its data folder shares the test clusters' prefix, so the leftover check finds it too.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirPrefix } from '../cluster/cluster.ts';
import { ManagedProcess } from '../cluster/processes.ts';
import { freePorts, httpStatus, waitFor } from '../cluster/probe.ts';

export class LocalPrometheus {
  readonly address: string;
  private readonly process: ManagedProcess;
  private readonly dataDir: string;
  private constructor(address: string, proc: ManagedProcess, dataDir: string) {
    this.address = address;
    this.process = proc;
    this.dataDir = dataDir;
  }

  /** Starts Prometheus scraping each target (host:port) at /metrics every second. */
  static async start(targets: string[]): Promise<LocalPrometheus> {
    const dataDir = mkdtempSync(join(tmpdir(), `${dataDirPrefix}prometheus-`));
    const [port] = await freePorts(1);
    writeFileSync(join(dataDir, 'prometheus.yml'), JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'canary', static_configs: [{ targets }] }],
    }));
    const proc = new ManagedProcess({
      name: 'prometheus', command: process.env.STAYSAIL_PROMETHEUS ?? 'prometheus', logFile: join(dataDir, 'prometheus.log'),
      args: [`--config.file=${join(dataDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dataDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d'],
    });
    const p = new LocalPrometheus(`http://127.0.0.1:${port}`, proc, dataDir);
    try {
      await waitFor(async () => (await httpStatus(`${p.address}/-/ready`).catch(() => 0)) === 200, 30_000,
        () => `prometheus not ready: ${proc.exit ?? ''}\n${proc.tail()}`);
    } catch (err) {
      await p.stop();
      throw err;
    }
    return p;
  }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * A scrape target whose gauges the test sets: each is a function called at every scrape, so a
 * series can be noisy. Serves the Prometheus text format at /metrics.
 */
export class MetricsTarget {
  private readonly gauges = new Map<string, { labels: Record<string, string>; value: () => number }>();
  readonly hostPort: string;
  private readonly server: Server;
  private constructor(server: Server, hostPort: string) {
    this.server = server;
    this.hostPort = hostPort;
  }

  static async start(): Promise<MetricsTarget> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = new MetricsTarget(server, `127.0.0.1:${(server.address() as { port: number }).port}`);
    server.on('request', (req, res) => {
      if (req.url !== '/metrics') { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(target.render());
    });
    return target;
  }

  /** Sets the series name{labels}; value is read at each scrape. */
  set(name: string, labels: Record<string, string>, value: () => number): void {
    const key = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    this.gauges.set(key, { labels, value });
  }

  private render(): string {
    const names = new Set([...this.gauges.keys()].map((k) => k.slice(0, k.indexOf('{'))));
    const lines = [...names].map((n) => `# TYPE ${n} gauge`);
    for (const [key, g] of this.gauges) lines.push(`${key} ${g.value()}`);
    return `${lines.join('\n')}\n`;
  }

  stop(): Promise<void> { return new Promise((resolve) => this.server.close(() => resolve())); }
}

/** A deterministic noisy series around mean: mean × (1 ± spread), from a seeded generator. */
export function noisy(mean: number, spread: number, seed = 1): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return mean * (1 + spread * (2 * (s / 4294967296) - 1)); };
}
