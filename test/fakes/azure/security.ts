// Network security groups and application security groups in the Azure fake (network.ts runs their
// PUT, GET, list and DELETE). A security rule needs a priority in 100..4096 that no other rule of its
// direction has (SecurityRuleInvalidPriority, SecurityRuleConflict) and application security groups
// that exist; an NSG answers Azure's six default rules. An NSG a scale set names cannot be deleted
// (400 NetworkSecurityGroupInUseByVirtualMachineScaleSet), nor an ASG a scale set's ip configurations
// or a security rule name.
import { ArmError, invalidReference } from './errors.ts';
import { envelope, type NetworkEnv, type NetworkKind } from './network.ts';
import { lookup, scaleSetsNaming } from './references.ts';
import { parseId, sameId } from './store.ts';

type Json = Record<string, unknown>;

export const nsgType = 'Microsoft.Network/networkSecurityGroups';
export const asgType = 'Microsoft.Network/applicationSecurityGroups';

const props = (o: Json): Json => (o.properties as Json | undefined) ?? {};
const rulesOf = (nsg: Json): Json[] => (props(nsg).securityRules as Json[] | undefined) ?? [];
const asgRefs = (rule: Json): string[] => ['sourceApplicationSecurityGroups', 'destinationApplicationSecurityGroups']
  .flatMap((k) => ((props(rule)[k] as Json[] | undefined) ?? []).map((x) => String(x.id ?? '')));

// The code Network sends for an ASG still in use could not be confirmed; the message is Network's.
const asgInUseCode = 'InUseApplicationSecurityGroupCannotBeDeleted';

export function nsgKind(env: NetworkEnv): NetworkKind {
  return {
    type: nsgType, param: 'networkSecurityGroupName',
    build: (call, id, old) => {
      const r = envelope(call, old);
      const rules = rulesOf(r);
      rules.forEach((rule) => checkRule(env, id, rule, rules));
      return r;
    },
    beforeDelete: (id) => {
      const users = scaleSetsNaming(env.scaleSets.models(), id);
      if (users.length) {
        throw new ArmError(400, 'NetworkSecurityGroupInUseByVirtualMachineScaleSet',
          `Cannot delete network security group ${id} since it is in use by virtual machine scale set ${users[0]}.`, { details: [] });
      }
    },
    decorate: (v) => { props(v).defaultSecurityRules = defaultRules(v.id as string, v.etag as string); },
  };
}

function checkRule(env: NetworkEnv, nsgId: string, rule: Json, all: Json[]): void {
  const ruleId = `${nsgId}/securityRules/${rule.name as string}`;
  const p = props(rule);
  const priority = p.priority as number | undefined;
  if (priority === undefined || !Number.isInteger(priority) || priority < 100 || priority > 4096) {
    throw new ArmError(400, 'SecurityRuleInvalidPriority', `Security rule has invalid Priority. Value provided: ${String(priority)} Allowed range 100-4096.`, { details: [] });
  }
  const twin = all.find((o) => o !== rule && props(o).priority === priority && String(props(o).direction) === String(p.direction));
  if (twin) {
    throw new ArmError(400, 'SecurityRuleConflict', `Security rule ${twin.name as string} conflicts with rule ${rule.name as string}. Rules cannot ` +
      'have the same Priority and Direction. To learn more, see aka.ms/nsgrules.', { details: [] });
  }
  for (const asg of asgRefs(rule)) {
    if (parseId(asg)?.type.toLowerCase() !== asgType.toLowerCase() || !lookup(env.store, asg)) throw invalidReference(asg, ruleId);
  }
}

const defaults: [string, string, number, string, string, string, string][] = [
  ['AllowVnetInBound', 'Inbound', 65000, 'Allow', 'VirtualNetwork', 'VirtualNetwork', 'Allow inbound traffic from all VMs in VNET'],
  ['AllowAzureLoadBalancerInBound', 'Inbound', 65001, 'Allow', 'AzureLoadBalancer', '*', 'Allow inbound traffic from azure load balancer'],
  ['DenyAllInBound', 'Inbound', 65500, 'Deny', '*', '*', 'Deny all inbound traffic'],
  ['AllowVnetOutBound', 'Outbound', 65000, 'Allow', 'VirtualNetwork', 'VirtualNetwork', 'Allow outbound traffic from all VMs to all VMs in VNET'],
  ['AllowInternetOutBound', 'Outbound', 65001, 'Allow', '*', 'Internet', 'Allow outbound traffic from all VMs to Internet'],
  ['DenyAllOutBound', 'Outbound', 65500, 'Deny', '*', '*', 'Deny all outbound traffic'],
];

/** The six rules every NSG has, as Network answers them. */
function defaultRules(nsgId: string, etag: string): Json[] {
  return defaults.map(([name, direction, priority, access, source, destination, description]) => ({
    name, id: `${nsgId}/defaultSecurityRules/${name}`, etag, type: `${nsgType}/defaultSecurityRules`,
    properties: { provisioningState: 'Succeeded', description, protocol: '*', sourcePortRange: '*', destinationPortRange: '*',
      sourceAddressPrefix: source, destinationAddressPrefix: destination, access, priority, direction,
      sourcePortRanges: [], destinationPortRanges: [], sourceAddressPrefixes: [], destinationAddressPrefixes: [] } }));
}

export function asgKind(env: NetworkEnv): NetworkKind {
  return {
    type: asgType, param: 'applicationSecurityGroupName',
    build: (call, _id, old) => envelope(call, old),
    beforeDelete: (id, r) => {
      const users = scaleSetsNaming(env.scaleSets.models(), id);
      const rules = env.store.list(nsgType).flatMap(({ body }) => rulesOf(body)).filter((rule) => asgRefs(rule).some((a) => sameId(a, id)));
      if (users.length) {
        throw new ArmError(400, asgInUseCode, `Application Security Group ${r.name as string} cannot be deleted because it is referenced by ` +
          `IpConfiguration(s) of virtual machine scale set ${users[0]}.`, { details: [] });
      }
      if (rules.length) {
        throw new ArmError(400, asgInUseCode, `Application Security Group ${r.name as string} cannot be deleted because it is referenced by ` +
          `security rule(s) ${rules.map((x) => x.id as string).join(', ')}.`, { details: [] });
      }
    },
  };
}
