// A real Kubernetes control plane on loopback, built from upstream parts: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, and kwok for fake nodes whose pods become Ready. kwok also
// serves the nodes' kubelet API on loopback, so pods/log works (see container-logs.ts).
// Each cluster has its own free ports, certificates and temporary data folder; stop() (or the
// watchdog, when the owning process dies) leaves no process and no file behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { binary, repoRoot, type Component } from './binaries.ts';
import { makeCerts, type ClusterCerts } from './certs.ts';
import { installLogCrds, logKinds, serveContainerLog } from './container-logs.ts';
import { ManagedProcess, processesMentioning } from './processes.ts';
import { freePorts, httpStatus, waitFor, type TlsMaterial } from './probe.ts';

/** Every cluster's data folder starts with this, so leftovers can be found by name. */
export const dataDirPrefix = 'staysail-cluster-';
export const serviceCidr = '10.96.0.0/16';
export const podCidr = '10.244.0.0/16';

export interface LocalClusterOptions {
  /** How many kwok nodes to register (default 2). */
  nodes?: number;
  /** Where progress lines go (default stderr). */
  log?: (line: string) => void;
  /** Stop the cluster and exit when this process gets SIGINT or SIGTERM (default true). */
  handleSignals?: boolean;
}

const startDeadlineMs = 120_000;
const live = new Set<LocalCluster>();

export class LocalCluster {
  readonly dataDir: string;
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly certs: ClusterCerts;
  readonly nodeNames: string[];
  private readonly processes: ManagedProcess[] = [];
  private watchdog: ChildProcess | undefined;
  private readonly log: (line: string) => void;
  private stopping: Promise<void> | undefined;

  private constructor(dataDir: string, apiPort: number, certs: ClusterCerts, nodes: number, log: (l: string) => void) {
    this.dataDir = dataDir;
    this.server = `https://127.0.0.1:${apiPort}`;
    this.certs = certs;
    this.kubeconfigPath = join(dataDir, 'kubeconfig');
    this.nodeNames = Array.from({ length: nodes }, (_, i) => `kwok-node-${i}`);
    this.log = log;
  }

  /** Starts a cluster and returns once its nodes are Ready and the default ServiceAccount exists. */
  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const log = options.log ?? ((line: string) => process.stderr.write(`[cluster] ${line}\n`));
    const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
    for (const sub of ['certs', 'logs', 'etcd', 'kcm', 'scheduler', 'container-logs']) mkdirSync(join(dataDir, sub));
    const [etcdPort, peerPort, apiPort, kcmPort, schedPort, kubeletPort] =
      await freePorts(6) as [number, number, number, number, number, number];
    const cluster = new LocalCluster(dataDir, apiPort, makeCerts(join(dataDir, 'certs')), options.nodes ?? 2, log);
    live.add(cluster);
    if (options.handleSignals ?? true) installSignalHandlers();
    cluster.startWatchdog();
    try {
      cluster.writeKubeconfig();
      await cluster.startEtcd(etcdPort, peerPort);
      await cluster.startApiServer(apiPort, etcdPort);
      cluster.startControllers(kcmPort, schedPort);
      await installLogCrds(cluster.kubeConfig(), startDeadlineMs);
      cluster.startKwok(kubeletPort);
      await cluster.registerNodes();
      await cluster.waitForDefaultServiceAccount();
      log(`ready: ${cluster.server} (kubeconfig ${cluster.kubeconfigPath})`);
      return cluster;
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n${cluster.logTails()}\n`);
      await cluster.stop();
      throw err;
    }
  }

  /** A client-node KubeConfig for the cluster's admin user. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  /**
   * Makes `lines` what `kubectl logs` (pods/log) returns for every container named `container` in pods
   * of `namespace`, as long as the cluster runs. Calling it again replaces the lines.
   */
  serveContainerLog(namespace: string, container: string, lines: string[]): Promise<void> {
    return serveContainerLog(this.kubeConfig(), join(this.dataDir, 'container-logs'), namespace, container, lines);
  }

  /** The last lines of every component's log. */
  logTails(lines = 30): string {
    return this.processes.map((p) => `----- ${p.name} (${p.exit ?? 'running'}) ${p.logFile}\n${p.tail(lines)}`).join('\n');
  }

  /** Processes still running that belong to this cluster (none after stop()). */
  leftoverProcesses(): { pid: number; cmdline: string }[] { return processesMentioning(this.dataDir); }

  /** Stops every component, newest first, and removes the data folder. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const p of [...this.processes].reverse()) await p.stop();
      rmSync(this.dataDir, { recursive: true, force: true });
      await this.stopWatchdog();
      live.delete(this);
    })();
    return this.stopping;
  }

  private tls(): TlsMaterial {
    return { ca: readFileSync(this.certs.caCert), cert: readFileSync(this.certs.adminCert), key: readFileSync(this.certs.adminKey) };
  }

  private run(name: string, args: string[]): ManagedProcess {
    const p = new ManagedProcess({ name, command: binary(name as Component), args, logFile: join(this.dataDir, 'logs', `${name}.log`) });
    this.processes.push(p);
    writeFileSync(join(this.dataDir, 'pids.json'), JSON.stringify(this.processes.map((q) => q.pid).filter(Boolean)));
    return p;
  }

  private async waitReady(p: ManagedProcess, url: string, tls: TlsMaterial): Promise<void> {
    await waitFor(async () => {
      if (p.exit) throw new Error(`${p.name} ${p.exit} before it was ready`);
      return (await httpStatus(url, tls)) === 200;
    }, startDeadlineMs, () => `${p.name} not ready at ${url} after ${startDeadlineMs / 1000}s`);
  }

  private startWatchdog(): void {
    this.watchdog = spawn(process.execPath, [join(repoRoot, 'test', 'cluster', 'watchdog.ts'), String(process.pid), this.dataDir],
      { detached: true, stdio: 'ignore' });
    this.watchdog.unref();
  }

  private async stopWatchdog(): Promise<void> {
    const w = this.watchdog;
    if (!w || w.exitCode !== null || w.signalCode !== null) return;
    const exited = new Promise((resolve) => w.once('exit', resolve));
    w.ref();
    w.kill('SIGTERM');
    await exited;
  }

  private async startEtcd(port: number, peerPort: number): Promise<void> {
    const client = `http://127.0.0.1:${port}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const p = this.run('etcd', [
      '--name=default', `--data-dir=${join(this.dataDir, 'etcd')}`,
      `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync=true', '--log-level=warn',
    ]);
    await this.waitReady(p, `${client}/health`, {});
    this.log(`etcd ready on ${client}`);
  }

  private apiServerArgs: string[] = [];

  /**
   * Stops kube-apiserver and starts it again on the same port and etcd: every watch is cut, and the
   * new server's watch cache starts at the current resourceVersion, so older ones get 410 Gone.
   */
  async restartApiServer(): Promise<void> {
    const old = this.processes.findIndex((p) => p.name === 'kube-apiserver');
    if (old >= 0) await this.processes.splice(old, 1)[0]!.stop();
    const p = this.run('kube-apiserver', this.apiServerArgs);
    await this.waitReady(p, `${this.server}/readyz`, this.tls());
    this.log('kube-apiserver restarted');
  }

  private async startApiServer(port: number, etcdPort: number): Promise<void> {
    const c = this.certs;
    this.apiServerArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1', `--secure-port=${port}`, '--advertise-address=127.0.0.1',
      // A loopback address is not a valid endpoint for the `kubernetes` Service, so leave it without endpoints.
      '--endpoint-reconciler-type=none',
      `--cert-dir=${join(this.dataDir, 'certs')}`,
      `--tls-cert-file=${c.serverCert}`, `--tls-private-key-file=${c.serverKey}`, `--client-ca-file=${c.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${c.saPub}`, `--service-account-signing-key-file=${c.saKey}`,
      `--service-cluster-ip-range=${serviceCidr}`,
      '--authorization-mode=Node,RBAC', '--allow-privileged=true',
      // The front proxy's CA, so kube-controller-manager and kube-scheduler can authenticate delegated requests.
      `--requestheader-client-ca-file=${c.caCert}`, '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${c.proxyCert}`, `--proxy-client-key-file=${c.proxyKey}`,
      // Every node's kubelet is kwok's server on localhost (each node's InternalDNS address), serving a
      // certificate from the cluster CA; its InternalIP in 10.0.0.0/8 is not reachable.
      '--kubelet-preferred-address-types=InternalDNS', `--kubelet-certificate-authority=${c.caCert}`,
      '--profiling=false', '--v=1',
    ];
    const p = this.run('kube-apiserver', this.apiServerArgs);
    await this.waitReady(p, `${this.server}/readyz`, this.tls());
    this.log(`kube-apiserver ready on ${this.server}`);
  }

  private startControllers(kcmPort: number, schedPort: number): void {
    const kc = `--kubeconfig=${this.kubeconfigPath}`;
    const delegated = [`--authentication-kubeconfig=${this.kubeconfigPath}`, `--authorization-kubeconfig=${this.kubeconfigPath}`];
    this.run('kube-controller-manager', [
      kc, ...delegated, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`,
      `--cert-dir=${join(this.dataDir, 'kcm')}`,
      `--service-account-private-key-file=${this.certs.saKey}`, `--root-ca-file=${this.certs.caCert}`,
      `--cluster-signing-cert-file=${this.certs.caCert}`, `--cluster-signing-key-file=${this.certs.caKey}`,
      `--service-cluster-ip-range=${serviceCidr}`, '--profiling=false', '--v=1',
    ]);
    this.run('kube-scheduler', [
      kc, ...delegated, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${schedPort}`,
      `--cert-dir=${join(this.dataDir, 'scheduler')}`, '--profiling=false', '--v=1',
    ]);
  }

  /** kwok, which also serves the kubelet API of every node it manages on kubeletPort (the nodes' daemonEndpoints). */
  private startKwok(kubeletPort: number): void {
    this.run('kwok', [
      `--kubeconfig=${this.kubeconfigPath}`, `--config=${join(repoRoot, 'hack', 'kwok', 'stages.yaml')}`,
      '--manage-all-nodes=true', `--cidr=${podCidr}`, '--node-ip=10.0.0.1', '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${kubeletPort}`, `--node-port=${kubeletPort}`,
      `--tls-cert-file=${this.certs.kubeletCert}`, `--tls-private-key-file=${this.certs.kubeletKey}`,
      `--enable-crds=${logKinds.join(',')}`, '--v=INFO',
    ]);
  }

  private async registerNodes(): Promise<void> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    for (const [i, name] of this.nodeNames.entries()) {
      await core.createNode({ body: {
        apiVersion: 'v1', kind: 'Node',
        metadata: { name, annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0',
          'test.staysail.dev/node-ip': `10.0.0.${i + 1}` },
          labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' } },
      } });
    }
    await waitFor(async () => {
      this.assertRunning();
      const nodes = await core.listNode();
      return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length
        === this.nodeNames.length;
    }, startDeadlineMs, () => `nodes ${this.nodeNames.join(', ')} not Ready after ${startDeadlineMs / 1000}s (is kwok running?)`, 500);
    this.log(`${this.nodeNames.length} kwok nodes Ready`);
  }

  private async waitForDefaultServiceAccount(): Promise<void> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    await waitFor(async () => {
      this.assertRunning();
      try { await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }); return true; } catch { return false; }
    }, startDeadlineMs, () => 'the default ServiceAccount never appeared (is kube-controller-manager running?)', 500);
  }

  private assertRunning(): void {
    const dead = this.processes.find((p) => p.exit);
    if (dead) throw new Error(`${dead.name} ${dead.exit}`);
  }

  private writeKubeconfig(): void {
    const b64 = (f: string) => readFileSync(f).toString('base64');
    writeFileSync(this.kubeconfigPath, [
      'apiVersion: v1', 'kind: Config', 'preferences: {}',
      'clusters:', '- name: staysail-local', '  cluster:', `    server: ${this.server}`,
      `    certificate-authority-data: ${b64(this.certs.caCert)}`,
      'users:', '- name: staysail-admin', '  user:',
      `    client-certificate-data: ${b64(this.certs.adminCert)}`, `    client-key-data: ${b64(this.certs.adminKey)}`,
      'contexts:', '- name: staysail-local', '  context:', '    cluster: staysail-local', '    user: staysail-admin',
      '    namespace: default',
      'current-context: staysail-local', '',
    ].join('\n'), { mode: 0o600 });
  }
}

let signalsInstalled = false;
function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    void Promise.allSettled([...live].map((c) => c.stop())).then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
