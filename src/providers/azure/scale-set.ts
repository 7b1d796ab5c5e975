// The virtual machine scale set of a server group (pure), as Clouddriver's Azure provider makes one:
// Uniform orchestration with a Manual upgrade policy (a model change reaches the instances only when
// Staysail upgrades them, so joining and leaving load balancers happens when it says), the template's
// image and size, one NIC `nic` with one IP configuration `ipconfig` in the subnet, the network and
// application security groups of its SecurityGroup, and, while enabled, the backend pools of its
// LoadBalancers with the first one's probe as the scale set's health probe. What changes on a server
// group (enabled, its load balancers, min and max, which a scale set without autoscale does not have)
// is kept in tags beside who owns it.
import type { ApiEntityReference, ImageReference, VirtualMachineScaleSet, VirtualMachineScaleSetNetworkProfile,
  VirtualMachineScaleSetUpdate, VirtualMachineScaleSetUpdateNetworkProfile } from '@azure/arm-compute';
import { invalid } from '../errors.ts';
import type { CreateServerGroup } from '../interfaces.ts';
import { ipConfigName, nicName, sameId } from './ids.ts';
import { tagKeys, tagsOf, userTags, type Tags } from './marks.ts';

export type AzureTemplate = NonNullable<CreateServerGroup['template']['azure']>;

/** The tags of what changes on a server group, beside the mark's. */
export const stateKeys = { min: 'staysail-capacity-min', max: 'staysail-capacity-max' } as const;

/** What changes on a server group, as its tags record it. */
export interface ScaleSetState { enabled: boolean; loadBalancers: string[]; min: number; max: number }

/** Where a scale set's instances sit on the network, and the traffic they take. */
export interface ScaleSetNetwork {
  subnetId: string;
  /** Its SecurityGroup's network and application security groups, when it names one. */
  nsgId?: string;
  asgId?: string;
  /** The backend pools it is in: its LoadBalancers' while enabled, none while disabled. */
  pools: string[];
  /** The probe that reports its instances' health (its first LoadBalancer's), while it is in pools. */
  healthProbeId?: string;
}

export const defaultAdminUsername = 'staysail';
const adminUsername = /^[a-z_][a-z0-9_-]{0,31}$/;
/** The user names Azure refuses for a Linux scale set's administrator (Compute's osProfile.adminUsername). */
export const reservedAdminUsernames: ReadonlySet<string> = new Set(['administrator', 'admin', 'user', 'user1', 'test', 'user2', 'test1', 'user3', 'admin1', '1',
  '123', 'a', 'actuser', 'adm', 'admin2', 'aspnet', 'backup', 'console', 'david', 'guest', 'john', 'owner', 'root', 'server', 'sql', 'support',
  'support_388945a0', 'sys', 'test2', 'test3', 'user4', 'user5']);
const sshKey = /^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const zone = /^[1-9]$/;

/** The template's azure block, which must be there. */
export function azureTemplateOf(req: CreateServerGroup): AzureTemplate {
  const t = req.template.azure;
  if (!t) throw invalid(`server group ${req.name}: its Account is on Azure, and spec.template has no azure block; give the template an azure block (image, vmSize)`);
  return t;
}

/** The image reference of spec.template.azure.image: publisher:offer:sku:version, or an image's resource ID. */
export function imageReferenceOf(name: string, image: string): ImageReference {
  if (/^\/subscriptions\//i.test(image)) return { id: image };
  const parts = image.split(':');
  if (parts.length !== 4 || parts.some((p) => !p.trim())) {
    throw invalid(`server group ${name}: spec.template.azure.image "${image}" is neither publisher:offer:sku:version `
      + '(e.g. Canonical:ubuntu-24_04-lts:server:latest) nor an image resource ID starting /subscriptions/; correct it');
  }
  const [publisher, offer, sku, version] = parts as [string, string, string, string];
  return { publisher, offer, sku, version };
}

/** A computer name prefix: the name cut to 15 characters, without a trailing '-'. */
export const computerNamePrefixOf = (name: string): string => name.slice(0, 15).replace(/-+$/, '');

/** The one SecurityGroup a scale set may name: a NIC takes a single network security group. */
export function securityGroupOf(req: CreateServerGroup): string | undefined {
  const groups = [...new Set(req.securityGroups)];
  if (groups.length > 1) {
    throw invalid(`server group ${req.name}: spec.securityGroupRefs names ${groups.length} SecurityGroups (${groups.join(', ')}), and on Azure a `
      + 'network interface takes one network security group; name one SecurityGroup holding every rule');
  }
  return groups[0];
}

/**
 * The kinds of a server group's load balancers (external: true, internal: false, not made yet:
 * undefined), which Azure takes at most one of each: a NIC IP configuration joins at most one public
 * and one internal Standard load balancer.
 */
export function checkLoadBalancerFronts(name: string, fronts: readonly (readonly [string, boolean | undefined])[]): void {
  for (const [external, kind] of [[true, 'external'], [false, 'internal']] as const) {
    const same = fronts.filter(([, e]) => e === external).map(([lb]) => lb).sort();
    if (same.length > 1) {
      throw invalid(`server group ${name}: spec.loadBalancerRefs names ${same.length} ${kind} LoadBalancers (${same.join(', ')}), and on Azure a scale set's `
        + `network interface joins at most one ${kind} load balancer (and one of the other kind); name one ${kind} LoadBalancer, with every port on it`);
    }
  }
}

/** The Linux user and SSH keys of the template (generated: the one key Staysail made when it names none), checked. */
export function linuxAccessOf(name: string, t: AzureTemplate, generated: string | undefined): { user: string; keys: string[] } {
  const user = t.adminUsername ?? defaultAdminUsername;
  if (!adminUsername.test(user)) {
    throw invalid(`server group ${name}: spec.template.azure.adminUsername "${user}" is not a Linux user name: a lower-case letter or "_", `
      + 'then lower-case letters, digits, "_" and "-", at most 32; correct it');
  }
  if (reservedAdminUsernames.has(user.toLowerCase())) {
    throw invalid(`server group ${name}: spec.template.azure.adminUsername "${user}" is one of the names Azure reserves (root, admin, administrator, `
      + `user, test, guest and others), which it refuses for a scale set's administrator; choose another, e.g. ${defaultAdminUsername}`);
  }
  const keys = t.sshPublicKeys?.length ? [...new Set(t.sshPublicKeys.map((k) => k.trim()))] : generated ? [generated] : [];
  const bad = keys.find((k) => !sshKey.test(k));
  if (bad !== undefined) {
    throw invalid(`server group ${name}: spec.template.azure.sshPublicKeys holds "${bad.slice(0, 40)}...", which is not an OpenSSH ssh-rsa or ssh-ed25519 public key; `
      + 'give the line of a .pub file');
  }
  if (!keys.length) throw invalid(`server group ${name}: a scale set needs an SSH public key; name one in spec.template.azure.sshPublicKeys`);
  return { user, keys };
}

/** The availability zones of spec.location.zones: Azure's are numbers, "1" to "3". */
export function zonesOf(name: string, zones: readonly string[] | undefined): string[] {
  const bad = (zones ?? []).find((z) => !zone.test(z));
  if (bad !== undefined) {
    throw invalid(`server group ${name}: spec.location.zones names "${bad}", and Azure's availability zones are numbered: use "1", "2" or "3"`);
  }
  return [...new Set(zones ?? [])];
}

/** The tags of a server group's scale set: the user's, then its owner's and its state. */
export function scaleSetTags(req: CreateServerGroup, createdAt: string): Tags {
  const user = userTags(`server group ${req.name}`, 'spec.template.azure.tags', req.template.azure?.tags);
  return tagsOf(req.owner, req.name, {
    ...user,
    [tagKeys.cluster]: req.cluster, [tagKeys.sequence]: String(req.sequence), [tagKeys.templateHash]: req.templateHash,
    [tagKeys.created]: createdAt,
    ...stateTags({ enabled: req.enabled, loadBalancers: req.loadBalancers, min: req.capacity.min, max: req.capacity.max }),
  });
}

/** The tags that record state. */
export function stateTags(state: ScaleSetState): Tags {
  const lbs = [...new Set(state.loadBalancers)].sort().join(',');
  if (lbs.length > 256) throw invalid(`the LoadBalancers' names (${lbs}) are longer together than the 256 characters an Azure tag holds; name fewer load balancers`);
  return { [tagKeys.enabled]: String(state.enabled), [tagKeys.loadBalancers]: lbs, [stateKeys.min]: String(state.min), [stateKeys.max]: String(state.max) };
}

/** The network profile of a scale set: one NIC, one IP configuration, in the subnet, with its security groups and pools. */
export function networkProfileOf(net: ScaleSetNetwork): VirtualMachineScaleSetNetworkProfile {
  return {
    ...(net.pools.length && net.healthProbeId ? { healthProbe: { id: net.healthProbeId } } : {}),
    networkInterfaceConfigurations: [{
      name: nicName, primary: true,
      ...(net.nsgId ? { networkSecurityGroup: { id: net.nsgId } } : {}),
      ipConfigurations: [{
        name: ipConfigName, primary: true, subnet: { id: net.subnetId },
        ...(net.asgId ? { applicationSecurityGroups: [{ id: net.asgId }] } : {}),
        loadBalancerBackendAddressPools: net.pools.map((id) => ({ id })),
      }],
    }],
  };
}

export interface ScaleSetInput {
  req: CreateServerGroup;
  region: string;
  network: ScaleSetNetwork;
  /** An OpenSSH public key made for it, used when the template names none. */
  generatedKey?: string;
  createdAt: string;
}

/** The scale set a server group is made as. */
export function scaleSetOf({ req, region, network, generatedKey, createdAt }: ScaleSetInput): VirtualMachineScaleSet {
  const t = azureTemplateOf(req);
  const { user, keys } = linuxAccessOf(req.name, t, generatedKey);
  const zones = zonesOf(req.name, req.location.zones);
  return {
    location: region,
    tags: scaleSetTags(req, createdAt),
    sku: { name: t.vmSize, capacity: req.capacity.desired },
    ...(zones.length ? { zones } : {}),
    orchestrationMode: 'Uniform',
    upgradePolicy: { mode: 'Manual' },
    overprovision: false,
    virtualMachineProfile: {
      osProfile: {
        computerNamePrefix: computerNamePrefixOf(req.name), adminUsername: user,
        linuxConfiguration: { disablePasswordAuthentication: true,
          ssh: { publicKeys: keys.map((keyData) => ({ path: `/home/${user}/.ssh/authorized_keys`, keyData })) } },
        ...(t.customData ? { customData: Buffer.from(t.customData, 'utf8').toString('base64') } : {}),
      },
      storageProfile: {
        imageReference: imageReferenceOf(req.name, t.image),
        osDisk: { createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Standard_LRS' } },
      },
      networkProfile: networkProfileOf(network),
    },
  };
}

/** The primary IP configuration of a scale set's model. */
export const primaryIpConfigOf = (ss: VirtualMachineScaleSet) => {
  const nics = ss.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations ?? [];
  const nic = nics.find((n) => n.primary) ?? nics[0];
  return nic?.ipConfigurations?.find((ip) => ip.primary) ?? nic?.ipConfigurations?.[0];
};

/** The backend pools the scale set's model names. */
export const poolsOf = (ss: VirtualMachineScaleSet): string[] =>
  (primaryIpConfigOf(ss)?.loadBalancerBackendAddressPools ?? []).map((p) => p.id ?? '').filter(Boolean);

/** Whether the model already takes exactly this traffic (these pools, and this probe while in any). */
export function hasTraffic(ss: VirtualMachineScaleSet, pools: readonly string[], healthProbeId: string | undefined): boolean {
  const have = poolsOf(ss);
  const probe = ss.virtualMachineProfile?.networkProfile?.healthProbe?.id;
  const wantProbe = pools.length ? healthProbeId : undefined;
  return have.length === pools.length && pools.every((p) => have.some((h) => sameId(h, p)))
    && (wantProbe ? sameId(probe, wantProbe) : !probe);
}

/**
 * The network profile of a PATCH that makes the model take this traffic, keeping everything else
 * of its NICs: ARM replaces a list in a PATCH whole, so the NICs are sent as the model has them.
 * A probe is removed with null (JSON merge patch), since leaving it out keeps it.
 */
export function trafficUpdateOf(ss: VirtualMachineScaleSet, pools: readonly string[], healthProbeId: string | undefined): VirtualMachineScaleSetUpdate {
  const primary = primaryIpConfigOf(ss);
  const nics = (ss.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations ?? []).map((nic) => ({
    name: nic.name, primary: nic.primary,
    ...(nic.networkSecurityGroup ? { networkSecurityGroup: nic.networkSecurityGroup } : {}),
    ipConfigurations: (nic.ipConfigurations ?? []).map((ip) => ({
      name: ip.name, primary: ip.primary, subnet: ip.subnet,
      ...(ip.applicationSecurityGroups ? { applicationSecurityGroups: ip.applicationSecurityGroups } : {}),
      loadBalancerBackendAddressPools: ip === primary ? pools.map((id) => ({ id })) : ip.loadBalancerBackendAddressPools ?? [],
    })),
  }));
  const probe = pools.length && healthProbeId ? { id: healthProbeId } : null as unknown as ApiEntityReference;
  const networkProfile: VirtualMachineScaleSetUpdateNetworkProfile = { healthProbe: probe, networkInterfaceConfigurations: nics };
  return { virtualMachineProfile: { networkProfile } };
}
