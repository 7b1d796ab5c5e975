// The instance template of a server group (pure): the image as its boot disk, the machine type, its
// network (and subnetwork), the network tags of its SecurityGroups (their firewall rules target
// those tags, security-groups.ts), and the template's tags as labels on every instance beside
// Staysail's own. Templates are global and a server group's name is unique only in its zone (or
// region, for a regional group), so the template's name carries where the group lives.
import type { google } from '@google-cloud/compute/build/protos/protos.js';
import { invalid } from '../errors.ts';
import type { CreateServerGroup } from '../interfaces.ts';
import { describeMark, gceName, markOf, ownerLabels, type Mark } from './marks.ts';

export type InstanceTemplate = google.cloud.compute.v1.IInstanceTemplate;
export type GceTemplate = NonNullable<CreateServerGroup['template']['gce']>;

/** The global instance template of server group name in place (its zone, or its region when regional). */
export const templateName = (name: string, place: string): string => gceName(`${name}-${place}`);

/**
 * The network tag that a SecurityGroup's firewall rules target: its namespace's and name, since tags
 * are project-wide and a server group naming a SecurityGroup must never get another namespace's rules.
 */
export const networkTag = (namespace: string, securityGroup: string): string => gceName(`${namespace}-${securityGroup}`);

/** A network or subnetwork as the API takes it: a URL or path as given, else the project's (or region's) of that name. */
export function networkPath(project: string, network: string | undefined): string {
  const n = network ?? 'default';
  return n.includes('/') ? n : `projects/${project}/global/networks/${n}`;
}
export const subnetworkPath = (project: string, region: string, subnetwork: string): string =>
  subnetwork.includes('/') ? subnetwork : `projects/${project}/regions/${region}/subnetworks/${subnetwork}`;

const labelKey = /^[a-z][a-z0-9_-]{0,62}$/;
const labelVal = /^[a-z0-9_-]{0,63}$/;

/** The template's gce block, which must be there. */
export function gceTemplateOf(req: CreateServerGroup): GceTemplate {
  const t = req.template.gce;
  if (!t) throw invalid(`server group ${req.name}: its Account is on GCE, and spec.template has no gce block; give the template a gce block (image, machineType)`);
  return t;
}

/** The labels of spec.template.gce.tags, which must be valid GCE labels (Invalid naming the one that is not). */
export function instanceLabels(name: string, tags: Record<string, string> | undefined): Record<string, string> {
  for (const [k, v] of Object.entries(tags ?? {})) {
    if (!labelKey.test(k) || !labelVal.test(v) || k.startsWith('staysail-')) {
      throw invalid(`server group ${name}: spec.template.gce.tags "${k}": "${v}" is not a GCE label: keys start with a lower-case letter, `
        + 'keys and values hold only lower-case letters, digits, _ and - (at most 63), and keys beginning staysail- are Staysail\'s; correct it');
    }
  }
  return { ...(tags ?? {}) };
}

/** The mark of a server group's template and group. */
export const serverGroupMark = (req: CreateServerGroup): Mark =>
  markOf(req.owner, req.name, { cluster: req.cluster, sequence: req.sequence, templateHash: req.templateHash });

/** The instance template a server group in place (its zone or region) is made from. */
export function instanceTemplateOf(req: CreateServerGroup, project: string, region: string, place: string): InstanceTemplate {
  const t = gceTemplateOf(req);
  const tags = [...new Set(req.securityGroups.map((sg) => networkTag(req.owner.namespace, sg)))].sort();
  return {
    name: templateName(req.name, place),
    description: describeMark(serverGroupMark(req), `Instance template of server group ${req.name} in ${place}`),
    properties: {
      machineType: t.machineType,
      disks: [{ boot: true, autoDelete: true, type: 'PERSISTENT', initializeParams: { sourceImage: t.image } }],
      networkInterfaces: [{
        network: networkPath(project, t.network ?? req.location.network),
        ...(t.subnetwork ? { subnetwork: subnetworkPath(project, region, t.subnetwork) } : {}),
      }],
      ...(tags.length ? { tags: { items: tags } } : {}),
      labels: { ...instanceLabels(req.name, t.tags), ...ownerLabels(req.owner), 'staysail-server-group': gceName(req.name) },
    },
  };
}
