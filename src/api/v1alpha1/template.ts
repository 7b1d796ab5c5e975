// What a server group runs: a pod template on Kubernetes, an image and machine type on the clouds.
// A Cluster holds the desired template; each ServerGroup keeps the one it was made from, immutably.
import { arr, duration, freeform, int, mapOf, obj, oneOf, optional, str, type Rule, type Static } from '../schema.ts';

const tags = optional(mapOf('Tags (labels on GCE) put on every instance.', str('A tag value.', { maxLength: 256 })));

const templateFields = {
  kubernetes: optional(obj('Kubernetes: the pod template of the ReplicaSet.', {
    podTemplate: freeform('A PodTemplateSpec (metadata and spec), as in a ReplicaSet. Staysail adds its own labels.'),
  })),
  aws: optional(obj('AWS: an Auto Scaling group from a launch template.', {
    imageId: str('The AMI, e.g. ami-0abcdef1234567890.', { pattern: '^ami-[0-9a-f]{8,17}$', maxLength: 21 }),
    instanceType: str('The instance type, e.g. t3.micro.', { maxLength: 64 }),
    keyPair: optional(str('An EC2 key pair name.', { maxLength: 255 })),
    iamInstanceProfile: optional(str('An instance profile name or ARN.', { maxLength: 2048 })),
    subnetIds: optional(arr('Subnets to launch into, all in one VPC (default: those of location.network, or of the region\'s default VPC, in location.zones).', str('A subnet ID.', { pattern: '^subnet-[0-9a-f]+$', maxLength: 32 }),
      { listType: 'set', maxItems: 16 })),
    userData: optional(str('User data, as plain text (it is base64-encoded for EC2).', { maxLength: 16384 })),
    securityGroupIds: optional(arr('EC2 security groups the instances join beyond those of the Cluster\'s SecurityGroups.',
      str('A security group ID.', { pattern: '^sg-[0-9a-f]+$', maxLength: 32 }), { listType: 'set', maxItems: 5 })),
    healthCheck: optional(obj('How the Auto Scaling group decides an instance is unhealthy and replaces it.', {
      type: oneOf('EC2: the instance status checks; ELB: also its load balancers\' health checks.', ['EC2', 'ELB'] as const, { default: 'EC2' }),
      gracePeriod: optional(duration('Time after launch before health checks count (default 300s).')),
    })),
    metadataOptions: optional(obj('The instance metadata service (IMDS).', {
      httpTokens: optional(oneOf('required: IMDSv2 only (session tokens); optional: IMDSv1 too.', ['required', 'optional'] as const)),
      httpEndpoint: optional(oneOf('Whether the metadata service answers at all.', ['enabled', 'disabled'] as const)),
      httpPutResponseHopLimit: optional(int('Network hops a metadata token may travel (2 for containers on the instance).', { minimum: 1, maximum: 64 })),
    })),
    tags,
  })),
  gce: optional(obj('GCE: a managed instance group from an instance template.', {
    image: str('The image, e.g. projects/debian-cloud/global/images/family/debian-12.', { maxLength: 2048 }),
    machineType: str('The machine type, e.g. e2-small.', { maxLength: 64 }),
    network: optional(str('The VPC network (default: default).', { maxLength: 2048 })),
    subnetwork: optional(str('The subnetwork.', { maxLength: 2048 })),
    tags,
  })),
  azure: optional(obj('Azure: a virtual machine scale set.', {
    image: str('The image: publisher:offer:sku:version of a Marketplace image (e.g. Canonical:ubuntu-24_04-lts:server:latest), '
      + 'or the resource ID (/subscriptions/...) of an image or gallery image version.', { maxLength: 2048, rules: [{
      rule: "self.startsWith('/subscriptions/') || self.matches('^[^:]+:[^:]+:[^:]+:[^:]+$')",
      message: 'use publisher:offer:sku:version (e.g. Canonical:ubuntu-24_04-lts:server:latest) or an image resource ID starting /subscriptions/' }] }),
    vmSize: str('The VM size, e.g. Standard_B1s.', { maxLength: 64 }),
    subnetId: optional(str('The subnet the instances\' network interfaces are in: a subnet resource ID (/subscriptions/.../subnets/<subnet>) '
      + 'or <virtualNetwork>/<subnet> in the Account\'s resource group. Default: spec.location.network.', { maxLength: 2048 })),
    adminUsername: optional(str('The Linux user the SSH keys are for (default: staysail).', { maxLength: 32, rules: [{
      rule: "self.matches('^[a-z_][a-z0-9_-]{0,31}$')",
      message: 'use a Linux user name: a lower-case letter or "_", then lower-case letters, digits, "_" and "-", at most 32, e.g. azureuser' }] })),
    sshPublicKeys: optional(arr('OpenSSH public keys allowed to sign in as adminUsername. Absent: Staysail makes a key pair for the scale set '
      + 'and keeps no private key, so nobody can sign in over SSH.', str('An OpenSSH public key, e.g. ssh-ed25519 AAAAC3Nz... user@host.', {
      maxLength: 4096, rules: [{ rule: "self.matches('^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/]+={0,3}( .*)?$')",
        message: 'use an OpenSSH public key: ssh-rsa or ssh-ed25519, a space, then the key in base64 (the line of a .pub file)' }] }),
    { listType: 'set', maxItems: 16 })),
    customData: optional(str('cloud-init (or other custom data) as plain text; it is base64-encoded for Azure, which takes at most 64 KB encoded.',
      { maxLength: 49152 })),
    tags: optional(mapOf('Tags put on the scale set (keys beginning staysail- are Staysail\'s own).', str('A tag value.', { maxLength: 256 }),
      { maxProperties: 30 })),
  })),
};

const exactlyOne: Rule = {
  rule: '(has(self.kubernetes) ? 1 : 0) + (has(self.aws) ? 1 : 0) + (has(self.gce) ? 1 : 0) + (has(self.azure) ? 1 : 0) == 1',
  message: 'set exactly one of kubernetes, aws, gce or azure',
};

/** The template schema; extra rules, such as immutability, are added to exactly-one-block. */
export const serverGroupTemplate = (description: string, extraRules: Rule[] = []) =>
  obj(`${description} Exactly one block, matching the Account's provider.`, templateFields, { rules: [exactlyOne, ...extraRules] });
export type ServerGroupTemplate = Static<ReturnType<typeof serverGroupTemplate>>;

export const immutable = (what: string): Rule => ({ rule: 'self == oldSelf', message: `${what} is immutable` });
