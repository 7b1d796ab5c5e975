// What Compute requires of each resource the GCE fake keeps, beyond what protos.json says (the
// protos mark no field of a resource REQUIRED). Sources: the Compute REST reference for each
// resource (docs.cloud.google.com/compute/docs/reference/rest/v1/<collection>) and the resource
// definitions Google's own Terraform provider is generated from (GoogleCloudPlatform/magic-modules
// mmv1/products/compute/<Resource>.yaml, `required: true`):
// - every insert: name, RFC 1035, 1-63 characters ("Must be a match of regex ..." in Compute's words);
// - instance templates: properties.machineType (Terraform's instance template requires machine_type;
//   an instance cannot be made without one);
// - managed instance groups: baseInstanceName, and instanceTemplate (or versions[].instanceTemplate);
// - firewalls: exactly one of allowed / denied, each entry with IPProtocol; network defaults to
//   global/networks/default as the reference says;
// - backend services: backends[].group; global forwarding rules: target; regional ones: target or
//   backendService; target HTTP proxies: urlMap; target TCP proxies: service.
// Defaults are the reference's documented ones for the fields a provider reads back.
import { GoogleApiError, invalidField } from './errors.ts';

type Json = Record<string, unknown>;

const required = (field: string): GoogleApiError =>
  new GoogleApiError(400, `Required field '${field}' not specified`, 'required', { field });

const nameRe = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** Refuses an insert or update body Compute would refuse for a missing or malformed field. */
export function checkRequired(collection: string, r: Json): void {
  if (r.name === undefined || r.name === '') throw required('resource.name');
  if (typeof r.name !== 'string' || !nameRe.test(r.name)) {
    throw invalidField('resource.name', r.name, `Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
  }
  const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
  switch (collection) {
    case 'instanceTemplates':
      if (!(r.properties as Json | undefined)?.machineType) throw required('resource.properties.machineType');
      break;
    case 'instanceGroupManagers':
      if (!r.baseInstanceName) throw required('resource.baseInstanceName');
      if (!r.instanceTemplate && !arr(r.versions).some((v) => v.instanceTemplate)) throw required('resource.instanceTemplate');
      break;
    case 'firewalls': {
      const allowed = arr(r.allowed), denied = arr(r.denied);
      if ((allowed.length > 0) === (denied.length > 0)) {
        throw invalidField('resource.allowed', '', 'Exactly one of allowed or denied must be specified.');
      }
      const field = allowed.length > 0 ? 'allowed' : 'denied';
      const i = [...allowed, ...denied].findIndex((a) => !a.IPProtocol);
      if (i >= 0) throw required(`resource.${field}[${i}].IPProtocol`);
      break;
    }
    case 'backendServices': {
      const i = arr(r.backends).findIndex((b) => !b.group);
      if (i >= 0) throw required(`resource.backends[${i}].group`);
      break;
    }
    case 'forwardingRules':
      if (!r.target && !r.backendService) throw required('resource.target');
      break;
    case 'targetHttpProxies': if (!r.urlMap) throw required('resource.urlMap'); break;
    case 'targetTcpProxies': if (!r.service) throw required('resource.service'); break;
  }
}

/** The global forwarding rules' extra rule (Terraform's GlobalForwardingRule: target required). */
export function checkGlobalForwardingRule(r: Json): void { if (!r.target) throw required('resource.target'); }

let addressCounter = 0;

/** Documented defaults for fields a provider reads back. */
export function applyDefaults(collection: string, r: Json): void {
  const d = (field: string, value: unknown) => { if (r[field] === undefined) r[field] = value; };
  switch (collection) {
    case 'instanceGroupManagers': d('targetSize', 0); break;
    case 'backendServices':
      d('protocol', 'HTTP'); d('loadBalancingScheme', 'EXTERNAL'); d('timeoutSec', 30); d('sessionAffinity', 'NONE');
      d('port', 80); d('portName', 'http'); d('connectionDraining', { drainingTimeoutSec: 300 }); d('backends', []);
      break;
    case 'healthChecks':
      d('checkIntervalSec', 5); d('timeoutSec', 5); d('healthyThreshold', 2); d('unhealthyThreshold', 2);
      break;
    case 'firewalls':
      d('network', 'global/networks/default'); d('direction', 'INGRESS'); d('priority', 1000); d('disabled', false);
      if (r.direction === 'INGRESS' && !r.sourceRanges && !r.sourceTags && !r.sourceServiceAccounts) r.sourceRanges = ['0.0.0.0/0'];
      break;
    case 'forwardingRules': {
      d('loadBalancingScheme', 'EXTERNAL'); d('IPProtocol', 'TCP'); d('networkTier', 'PREMIUM');
      const n = ++addressCounter;
      d('IPAddress', r.loadBalancingScheme === 'INTERNAL' ? `10.128.100.${n % 250}` : `203.0.113.${n % 250}`);
      break;
    }
  }
}

/** The fields of a resource that name other resources, which must exist (404 otherwise, as Compute answers). */
export function referencesOf(collection: string, r: Json): { field: string; url: string }[] {
  const out: { field: string; url: string }[] = [];
  const one = (field: string, v: unknown) => { if (typeof v === 'string' && v) out.push({ field: `resource.${field}`, url: v }); };
  const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
  switch (collection) {
    case 'instanceGroupManagers':
      one('instanceTemplate', r.instanceTemplate);
      arr(r.versions).forEach((v, i) => one(`versions[${i}].instanceTemplate`, v.instanceTemplate));
      break;
    case 'backendServices':
      (Array.isArray(r.healthChecks) ? (r.healthChecks as unknown[]) : []).forEach((h, i) => one(`healthChecks[${i}]`, h));
      arr(r.backends).forEach((b, i) => one(`backends[${i}].group`, b.group));
      break;
    case 'urlMaps': one('defaultService', r.defaultService); break;
    case 'targetHttpProxies': one('urlMap', r.urlMap); break;
    case 'targetTcpProxies': one('service', r.service); break;
    case 'forwardingRules': one('target', r.target); one('backendService', r.backendService); break;
  }
  return out;
}

/** The snake-case singular Compute names a resource kind by in its messages (instance_template). */
export const kindWord = (collection: string): string =>
  ({ instanceTemplates: 'instance_template', instanceGroupManagers: 'instance_group', backendServices: 'backend_service',
    healthChecks: 'health_check', urlMaps: 'url_map', targetHttpProxies: 'target_http_proxy',
    targetTcpProxies: 'target_tcp_proxy', forwardingRules: 'forwarding_rule', firewalls: 'firewall' } as Record<string, string>)[collection]
  ?? collection;
