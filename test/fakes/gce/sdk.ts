// The real @google-cloud/compute clients pointed at a FakeGce, for tests of the fake itself (the
// provider makes its own). Deep imports load one client module each instead of the SDK's index of
// all hundred-odd services; the protos they share are loaded once either way.
import { BackendServicesClient } from '@google-cloud/compute/build/src/v1/backend_services_client.js';
import { FirewallsClient } from '@google-cloud/compute/build/src/v1/firewalls_client.js';
import { ForwardingRulesClient } from '@google-cloud/compute/build/src/v1/forwarding_rules_client.js';
import { GlobalForwardingRulesClient } from '@google-cloud/compute/build/src/v1/global_forwarding_rules_client.js';
import { GlobalOperationsClient } from '@google-cloud/compute/build/src/v1/global_operations_client.js';
import { HealthChecksClient } from '@google-cloud/compute/build/src/v1/health_checks_client.js';
import { InstanceGroupManagersClient } from '@google-cloud/compute/build/src/v1/instance_group_managers_client.js';
import { InstanceTemplatesClient } from '@google-cloud/compute/build/src/v1/instance_templates_client.js';
import { ProjectsClient } from '@google-cloud/compute/build/src/v1/projects_client.js';
import { RegionBackendServicesClient } from '@google-cloud/compute/build/src/v1/region_backend_services_client.js';
import { RegionHealthChecksClient } from '@google-cloud/compute/build/src/v1/region_health_checks_client.js';
import { RegionInstanceGroupManagersClient } from '@google-cloud/compute/build/src/v1/region_instance_group_managers_client.js';
import { RegionOperationsClient } from '@google-cloud/compute/build/src/v1/region_operations_client.js';
import { TargetHttpProxiesClient } from '@google-cloud/compute/build/src/v1/target_http_proxies_client.js';
import { TargetTcpProxiesClient } from '@google-cloud/compute/build/src/v1/target_tcp_proxies_client.js';
import { UrlMapsClient } from '@google-cloud/compute/build/src/v1/url_maps_client.js';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import type { FakeGce } from './server.ts';

/** An Operation as the clients answer it. */
export interface SdkOperation { name?: string | null; status?: unknown; zone?: string | null; region?: string | null;
  error?: { errors?: { code?: string | null; message?: string | null }[] | null } | null; httpErrorStatusCode?: number | null;
  operationType?: string | null; targetLink?: string | null }

/** The reasons (error.errors[].reason) of an error answer, from the body gax keeps under its well-known symbol. */
export function reasonsOf(err: unknown): string[] {
  const raw = (err as Record<symbol, unknown>)[Symbol.for('google-gax.rawHttpResponsePayload')];
  const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { error?: { errors?: { reason?: string }[] } } | undefined;
  return (body?.error?.errors ?? []).map((e) => e.reason ?? '');
}

/** Every client the fake's tests use, made with the fake's client options. */
export function sdkClients(fake: FakeGce) {
  const o = { ...fake.clientOptions(), projectId: 'test-project' } as never;
  return {
    templates: new InstanceTemplatesClient(o), groups: new InstanceGroupManagersClient(o),
    regionGroups: new RegionInstanceGroupManagersClient(o), backends: new BackendServicesClient(o),
    regionBackends: new RegionBackendServicesClient(o), healthChecks: new HealthChecksClient(o),
    regionHealthChecks: new RegionHealthChecksClient(o), firewalls: new FirewallsClient(o),
    globalRules: new GlobalForwardingRulesClient(o), regionRules: new ForwardingRulesClient(o),
    tcpProxies: new TargetTcpProxiesClient(o), httpProxies: new TargetHttpProxiesClient(o), urlMaps: new UrlMapsClient(o),
    projects: new ProjectsClient(o), zoneOps: new ZoneOperationsClient(o), regionOps: new RegionOperationsClient(o),
    globalOps: new GlobalOperationsClient(o),
  };
}

export type SdkClients = ReturnType<typeof sdkClients>;

/** Closes every client. */
export async function closeClients(c: SdkClients): Promise<void> { await Promise.all(Object.values(c).map((x) => x.close())); }

/**
 * Waits on a mutating call's operation through the client of its scope, as the provider does, and
 * answers every status it saw (the last is DONE).
 */
export async function waitDone(c: SdkClients, started: [{ latestResponse: unknown }, ...unknown[]], project = 'test-project'):
Promise<{ op: SdkOperation; seen: string[] }> {
  let op = started[0].latestResponse as SdkOperation;
  const seen = [String(op.status)];
  for (let i = 0; i < 20 && op.status !== 'DONE'; i++) {
    const name = op.name!;
    const [next] = op.zone ? await c.zoneOps.wait({ project, zone: op.zone.split('/').pop()!, operation: name })
      : op.region ? await c.regionOps.wait({ project, region: op.region.split('/').pop()!, operation: name })
        : await c.globalOps.wait({ project, operation: name });
    op = next as SdkOperation;
    seen.push(String(op.status));
  }
  return { op, seen };
}
