// Kubernetes Events about our objects (what `kubectl describe` shows). A repeat of the same event
// on the same object within the aggregation window bumps its count instead of making a new Event.
// Recording never fails the caller: problems are logged.
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';
import type { KubeClient, KubeObject, ResourceType } from './kube-client.ts';
import type { Logger } from './logger.ts';

export type EventType = 'Normal' | 'Warning';

const eventsResource: ResourceType = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };
const windowMs = 10 * 60_000;
const maxRemembered = 1000;

export class EventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number; at: number }>();
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly component: string;
  private readonly instance: string;

  constructor(options: { client: KubeClient; clock: Clock; log: Logger; component: string; instance: string }) {
    this.client = options.client; this.clock = options.clock; this.log = options.log;
    this.component = options.component; this.instance = options.instance;
  }

  async record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    const key = `${obj.metadata.uid}|${type}|${reason}|${message}`;
    const now = this.clock.now();
    const stamp = new Date(now).toISOString();
    try {
      const seen = this.recent.get(key);
      if (seen && now - seen.at < windowMs) {
        seen.count++;
        seen.at = now;
        await this.client.mergePatch(eventsResource, seen.namespace, seen.name, { count: seen.count, lastTimestamp: stamp });
        return;
      }
      const name = `${obj.metadata.name}.${randomBytes(8).toString('hex')}`;
      await this.client.create(eventsResource, {
        metadata: { name, namespace },
        involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace, uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion },
        type, reason, message: message.slice(0, 1024),
        firstTimestamp: stamp, lastTimestamp: stamp, count: 1,
        source: { component: this.component },
        reportingComponent: this.component, reportingInstance: this.instance,
      } as KubeObject);
      this.recent.set(key, { name, namespace, count: 1, at: now });
      if (this.recent.size > maxRemembered) this.recent.delete(this.recent.keys().next().value!);
    } catch (err) {
      this.log.warn('could not record an event', { object: `${namespace}/${obj.metadata.name}`, reason, error: err });
    }
  }
}
