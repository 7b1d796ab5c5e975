// The trigger suites' world: the Pipeline controller in process, watching one namespace, on a real
// clock with an offset the suite moves (only forward: the client's rate limiter reads it), and the
// reads of a trigger's runs and status that every suite makes.
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { triggerLabel } from '../../../src/api/v1alpha1/labels.ts';
import type { TriggerStatus } from '../../../src/api/v1alpha1/pipeline.ts';
import { registerControllers } from '../../../src/controllers/index.ts';
import { realClock, type Clock } from '../../../src/core/clock.ts';
import type { KubeClient, KubeObject, ResourceType } from '../../../src/core/kube-client.ts';
import type { Manager } from '../../../src/core/manager.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { ProviderRegistry } from '../../../src/providers/registry.ts';
import { waitFor } from '../../cluster/probe.ts';
import { createNamespace, removeNamespace } from '../../support/namespace.ts';
import { testManager } from '../core/manager-harness.ts';

export type Run = KubeObject<{ pipelineRef: { name: string }; parameters?: Record<string, unknown>; trigger?: Record<string, unknown> }, { phase?: string }>;
export type Pipeline = KubeObject<Record<string, unknown>, { observedGeneration?: number; triggers?: TriggerStatus[]; conditions?: { type: string }[] }>;
export const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
export const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

/** A real clock whose time the test moves forward. */
export class OffsetClock implements Clock {
  offset = 0;
  now(): number { return Date.now() + this.offset; }
  setTimer(ms: number, fn: () => void) { return realClock.setTimer(ms, fn); }
  advance(ms: number) { this.offset += ms; }
  /** Moves time so that now is ms before the instant. */
  moveTo(instant: number, beforeMs: number) { this.offset = instant - beforeMs - Date.now(); }
}

/** The Pipeline controller in process over namespace ns, and what a trigger suite reads there. */
export class TriggerHarness {
  readonly ns: string;
  readonly clock = new OffsetClock();
  private manager: Manager | undefined;

  constructor(ns: string) { this.ns = ns; }

  get client(): KubeClient { return this.manager!.client; }

  /** Creates the namespace and starts the controllers (the suite's before hook). */
  async open(): Promise<void> {
    await createNamespace(this.ns);
    this.manager = await this.startManager();
  }

  /** Stops the controllers and removes the namespace (the suite's after hook). */
  async close(): Promise<void> {
    await this.manager?.stop();
    await removeNamespace(this.ns);
  }

  /** Stops the controllers and starts new ones, which know only what the API server holds. */
  async restart(): Promise<void> {
    await this.manager?.stop();
    this.manager = await this.startManager();
  }

  /** The runs the trigger named started, oldest first. */
  async runs(trigger: string): Promise<Run[]> {
    return (await this.client.list<Run>(resources.pipelineRun, this.ns, { labelSelector: `${triggerLabel}=${trigger}` })).items
      .sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!) || a.metadata.name.localeCompare(b.metadata.name));
  }

  getPipeline(name: string): Promise<Pipeline> { return this.client.get<Pipeline>(resources.pipeline, this.ns, name); }

  /** The status of the Pipeline's trigger named, or of its first trigger when none is named. */
  async triggerStatus(pipeline: string, trigger?: string): Promise<TriggerStatus | undefined> {
    return statusOf(await this.getPipeline(pipeline), trigger);
  }

  /** Changes the Pipeline's description and waits for a pass of the current manager over the new generation. */
  async touch(pipeline: string, description: string): Promise<void> {
    const p = await this.describe(pipeline, description);
    await waitFor(async () => (await this.getPipeline(pipeline)).status?.observedGeneration === p.metadata.generation, 30_000,
      () => `Pipeline ${pipeline} never reconciled generation ${p.metadata.generation}`);
  }

  /** Moves past the poll interval, changes the Pipeline, and waits for a pass that polled. */
  async poll(pipeline: string, trigger: string | undefined, note: string): Promise<TriggerStatus> {
    this.clock.advance(11_000);
    const due = this.clock.now();
    const p = await this.describe(pipeline, note);
    let s: TriggerStatus | undefined;
    await waitFor(async () => {
      const got = await this.getPipeline(pipeline);
      s = statusOf(got, trigger);
      return got.status?.observedGeneration === p.metadata.generation && Date.parse(s?.lastPollTime ?? '') >= due - 1000;
    }, 30_000, () => `no poll after "${note}": ${JSON.stringify(s)}`);
    return s!;
  }

  private describe(pipeline: string, description: string): Promise<Pipeline> {
    return this.client.mergePatch<Pipeline>(resources.pipeline, this.ns, pipeline, { spec: { description } });
  }

  private async startManager(): Promise<Manager> {
    const m = testManager(this.ns, {}, this.clock);
    registerControllers(m, new ProviderRegistry().register(new KubernetesProvider(m.client, this.clock)));
    await m.start();
    return m;
  }
}

const statusOf = (p: Pipeline, trigger: string | undefined) =>
  trigger === undefined ? p.status?.triggers?.[0] : p.status?.triggers?.find((t) => t.name === trigger);
