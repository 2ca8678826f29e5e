import type { IpPermission, SecurityGroup, Subnet, Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import {
  ENDPOINT_POLICY_ACTIONS,
  type EndpointPolicyVerdict,
  judgeEndpointPolicy,
} from '../iam/endpoint-policy.ts';
import { type IpRange, parseIpRange } from '../iam/ip.ts';
import { IAM_READ_FIX } from '../iam/rule-support.ts';
import type { Plain } from '../model/inventory.ts';
import type { ResultDraft } from '../model/result.ts';
import {
  acceptedServiceNames,
  checkEachRegion,
  domainLabel,
  ec2Arn,
  missingEndpointFields,
  REACHABLE_ENDPOINT_KINDS,
  type RegionScope,
  sageMakerRegionVerdict,
  sameValue,
  shellQuote,
  vpcsToJudge,
} from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'vpc-sagemaker-endpoint-reachable',
  title:
    'SageMaker interface endpoints accept HTTPS from their VPC, span two Availability Zones, and the api endpoint’s policy lets the account in',
  severity: 'medium',
  resourceType: 'AWS::EC2::VPCEndpoint',
  needs: [
    'endpointServices',
    'vpcs',
    'vpcEndpoints',
    'securityGroups',
    'subnets',
    'sagemakerNotebooks',
    'sagemakerDomains',
    'iam',
    'organization',
  ],
  rationale:
    'An endpoint whose security groups do not let HTTPS in from the VPC carries no traffic: calls time out, or SDKs and browsers go around it to the public endpoint. An endpoint in one Availability Zone stops working when that zone does. A policy on the SageMaker api endpoint that refuses the account’s own users and roles sagemaker:CreatePresignedNotebookInstanceUrl, sagemaker:CreatePresignedDomainUrl or sagemaker:CreateApp locks them out of their notebooks and Studio.',
  remediation: {
    text: 'Allow inbound TCP 443 on the endpoint’s security group from every CIDR block of its VPC (or from the security groups of its notebooks and Studio domains), add a subnet in a second Availability Zone, and let the api endpoint’s policy allow the three SageMaker actions for the account’s principals (or reset it to the default full-access policy).',
    cli: 'aws ec2 authorize-security-group-ingress --group-id <sg-id> --ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=<vpc-cidr>}] && aws ec2 modify-vpc-endpoint --vpc-endpoint-id <vpce-id> --add-subnet-ids <subnet-id> && aws ec2 modify-vpc-endpoint --vpc-endpoint-id <vpce-id> --policy-document file://endpoint-policy.json',
  },
  references: [
    'https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html#create-interface-endpoint-aws',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/interface-vpc-endpoint.html',
    'https://docs.aws.amazon.com/vpc/latest/privatelink/interface-endpoints.html#add-remove-subnets',
    'https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html',
  ],
};

const HTTPS_PORT = 443;
const GONE_STATES = ['deleted', 'deleting'];
/** Association states in which a CIDR block no longer (or never) belongs to the VPC. */
const LEFT_CIDR_STATES = ['disassociating', 'disassociated', 'failing', 'failed'];
const ENDPOINT_POLICY_NOT_REQUIRED =
  'not required: only the SageMaker api endpoint’s policy must allow the account’s principals anything, so this endpoint’s policy is not judged';

/** The CIDR blocks of a VPC, IPv4 and IPv6, that are associated with it; undefined when none is known. */
function vpcCidrBlocks(vpc: Plain<Vpc>): string[] | undefined {
  const blocks = new Set<string>();
  const ipv4 = vpc.CidrBlockAssociationSet;
  if (Array.isArray(ipv4) && ipv4.length > 0) {
    for (const association of ipv4)
      if (
        typeof association.CidrBlock === 'string' &&
        !LEFT_CIDR_STATES.some((state) => sameValue(association.CidrBlockState?.State, state))
      )
        blocks.add(association.CidrBlock);
  } else if (typeof vpc.CidrBlock === 'string') {
    blocks.add(vpc.CidrBlock);
  }
  const ipv6 = vpc.Ipv6CidrBlockAssociationSet;
  for (const association of Array.isArray(ipv6) ? ipv6 : [])
    if (
      typeof association.Ipv6CidrBlock === 'string' &&
      !LEFT_CIDR_STATES.some((state) => sameValue(association.Ipv6CidrBlockState?.State, state))
    )
      blocks.add(association.Ipv6CidrBlock);
  return blocks.size > 0 ? [...blocks] : undefined;
}

/** Whether an inbound rule lets TCP 443 in: all traffic (`-1`), or TCP with a port range that holds 443. */
function allowsHttps(permission: Plain<IpPermission>): boolean {
  const protocol = permission.IpProtocol?.toLowerCase();
  if (protocol === '-1') return true;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  const { FromPort, ToPort } = permission;
  return (
    typeof FromPort === 'number' &&
    typeof ToPort === 'number' &&
    FromPort <= HTTPS_PORT &&
    HTTPS_PORT <= ToPort
  );
}

/** Whether the ranges together cover every address of `block` (two /17 rules cover a /16). */
function covered(block: IpRange, ranges: readonly IpRange[]): boolean {
  let next = block.first;
  for (const range of [...ranges].filter((item) => item.family === block.family).sort(byFirst)) {
    if (range.first > next) break;
    if (range.last >= next) next = range.last + 1n;
    if (next > block.last) return true;
  }
  return next > block.last;
}

function byFirst(a: IpRange, b: IpRange): number {
  return a.first < b.first ? -1 : a.first > b.first ? 1 : 0;
}

/**
 * What the endpoint's groups let in on TCP 443: address ranges, source security groups, and managed
 * prefix lists. A prefix list's CIDRs would take `ec2:GetManagedPrefixListEntries`, which the
 * scanner does not call, so its rules are listed and not counted: a FAIL says so.
 */
function httpsSources(groups: readonly Plain<SecurityGroup>[]): {
  ranges: IpRange[];
  groupIds: Set<string>;
  prefixListIds: string[];
} {
  const ranges: IpRange[] = [];
  const groupIds = new Set<string>();
  const prefixListIds = new Set<string>();
  for (const permission of groups.flatMap((group) => group.IpPermissions ?? [])) {
    if (!allowsHttps(permission)) continue;
    const cidrs = [
      ...(permission.IpRanges ?? []).map((range) => range.CidrIp),
      ...(permission.Ipv6Ranges ?? []).map((range) => range.CidrIpv6),
    ];
    for (const cidr of cidrs) {
      const range = typeof cidr === 'string' ? parseIpRange(cidr) : undefined;
      if (range) ranges.push(range);
    }
    for (const pair of permission.UserIdGroupPairs ?? []) if (pair.GroupId) groupIds.add(pair.GroupId);
    for (const list of permission.PrefixListIds ?? [])
      if (list.PrefixListId) prefixListIds.add(list.PrefixListId);
  }
  return { ranges, groupIds, prefixListIds: [...prefixListIds].sort() };
}

/** A notebook or Studio domain of the VPC, and the security groups its traffic leaves with. */
interface Client {
  label: string;
  groupIds: string[];
}

/** The notebooks (whose VPC is their subnet's) and Studio domains of the region, by VPC. */
function clientsByVpc(
  scope: RegionScope,
  subnets: ReadonlyMap<string, Plain<Subnet>>,
): Map<string, Client[]> {
  const byVpc = new Map<string, Client[]>();
  const add = (vpcId: string | undefined, client: Client) => {
    if (vpcId === undefined) return;
    const clients = byVpc.get(vpcId);
    if (clients) clients.push(client);
    else byVpc.set(vpcId, [client]);
  };
  for (const notebook of scope.region.sagemakerNotebooks ?? [])
    if (notebook.SubnetId)
      add(subnets.get(notebook.SubnetId)?.VpcId, {
        label: `notebook ${notebook.NotebookInstanceName}`,
        groupIds: notebook.SecurityGroups ?? [],
      });
  for (const domain of scope.region.sagemakerDomains ?? [])
    add(domain.VpcId, {
      label: `Studio domain ${domainLabel(domain)}`,
      groupIds: [
        ...new Set([
          ...(domain.DomainSettings?.SecurityGroupIds ?? []),
          ...(domain.DefaultUserSettings?.SecurityGroups ?? []),
        ]),
      ],
    });
  return byVpc;
}

interface RegionData {
  scope: RegionScope;
  partition: string;
  /** The service names of the SageMaker api endpoint, whose policy is judged. */
  apiNames: Set<string>;
  groups: Map<string, Plain<SecurityGroup>>;
  subnets: Map<string, Plain<Subnet>>;
  vpcs: Map<string, Plain<Vpc>>;
  clients: Map<string, Client[]>;
}

function ingressFix(region: string, groupId: string, blocks: readonly string[]): string {
  const ipv4 = blocks.filter((block) => !block.includes(':')).map((block) => `{CidrIp=${block}}`);
  const ipv6 = blocks.filter((block) => block.includes(':')).map((block) => `{CidrIpv6=${block}}`);
  const ranges = [
    ...(ipv4.length > 0 ? [`IpRanges=[${ipv4.join(',')}]`] : []),
    ...(ipv6.length > 0 ? [`Ipv6Ranges=[${ipv6.join(',')}]`] : []),
  ];
  const permissions = `IpProtocol=tcp,FromPort=${HTTPS_PORT},ToPort=${HTTPS_PORT},${ranges.join(',')}`;
  return `aws ec2 authorize-security-group-ingress --region ${shellQuote(region)} --group-id ${shellQuote(groupId)} --ip-permissions ${shellQuote(permissions)}`;
}

function policyFix(region: string, endpointId: string): string {
  const actions = ENDPOINT_POLICY_ACTIONS.map((entry) => entry.action).join(', ');
  return `Let the account’s principals through the endpoint: write a policy that allows ${actions} for them on the account’s resources to endpoint-policy.json, then aws ec2 modify-vpc-endpoint --region ${shellQuote(region)} --vpc-endpoint-id ${shellQuote(endpointId)} --policy-document file://endpoint-policy.json (or --reset-policy for the default full-access policy)`;
}

/** What lets the policy be judged next time: the IAM read it was judged against, or the policy itself. */
function unjudgedPolicyFix(policy: EndpointPolicyVerdict, region: string, endpointId: string): string {
  return policy.unjudgedFor === 'iam'
    ? IAM_READ_FIX
    : `Fix or replace the endpoint policy (see evidence), then scan again: ${policyFix(region, endpointId)}`;
}

/** The policy's summary as a sentence of its own. */
function policySentence(policy: EndpointPolicyVerdict): string {
  return `${policy.summary.charAt(0).toUpperCase()}${policy.summary.slice(1)}.`;
}

function judgeEndpoint(data: RegionData, endpoint: Plain<VpcEndpoint>): ResultDraft {
  const { accountId } = data.scope.account;
  const region = data.scope.region.region;
  const endpointId = endpoint.VpcEndpointId as string;
  const vpcId = endpoint.VpcId as string;
  const groupIds = (endpoint.Groups ?? []).flatMap((group) => (group.GroupId ? [group.GroupId] : []));
  const subnetIds = endpoint.SubnetIds ?? [];
  const vpc = data.vpcs.get(vpcId) as Plain<Vpc>;
  const cidrBlocks = vpcCidrBlocks(vpc);
  const clients = data.clients.get(vpcId) ?? [];
  const policy: EndpointPolicyVerdict | undefined = data.apiNames.has(endpoint.ServiceName as string)
    ? judgeEndpointPolicy({ partition: data.partition, region, account: data.scope.account, endpoint })
    : undefined;
  const evidence: Record<string, unknown> = {
    vpcEndpointId: endpointId,
    vpcId,
    serviceName: endpoint.ServiceName,
    securityGroupIds: groupIds,
    vpcCidrBlocks: cidrBlocks ?? [],
    clientSecurityGroups: Object.fromEntries(clients.map((client) => [client.label, client.groupIds])),
    subnetIds,
    endpointPolicy: policy ? { status: policy.status, ...policy.evidence } : ENDPOINT_POLICY_NOT_REQUIRED,
  };
  const base = {
    accountId,
    region,
    resourceType: meta.resourceType,
    resourceId: endpointId,
    resourceArn: ec2Arn(data.partition, region, accountId, `vpc-endpoint/${endpointId}`),
    evidence,
  };
  const label = `Endpoint ${endpointId} (${endpoint.ServiceName}) in VPC ${vpcId}`;
  const unread: string[] = [];
  if (groupIds.length === 0) unread.push('its security groups (DescribeVpcEndpoints lists none)');
  const missingGroups = groupIds.filter((id) => !data.groups.has(id));
  if (missingGroups.length > 0) unread.push(`security group ${missingGroups.join(', ')}`);
  const zoneOf = (id: string) => data.subnets.get(id)?.AvailabilityZone;
  const missingSubnets = subnetIds.filter((id) => zoneOf(id) === undefined);
  if (missingSubnets.length > 0) unread.push(`the Availability Zone of subnet ${missingSubnets.join(', ')}`);
  if (cidrBlocks === undefined) unread.push(`the CIDR blocks of VPC ${vpcId}`);
  if (unread.length > 0) {
    return { ...base, status: 'ERROR', message: `Could not judge ${label}: ${unread.join('; ')} not read.` };
  }

  const sources = httpsSources(groupIds.map((id) => data.groups.get(id) as Plain<SecurityGroup>));
  const uncoveredBlocks = (cidrBlocks as string[]).filter((block) => {
    const range = parseIpRange(block);
    return range === undefined || !covered(range, sources.ranges);
  });
  const unreachedClients = clients.filter(
    (client) => !client.groupIds.some((id) => sources.groupIds.has(id)),
  );
  const reachable = uncoveredBlocks.length === 0 || (clients.length > 0 && unreachedClients.length === 0);
  const zones = [...new Set(subnetIds.map((id) => zoneOf(id) as string))].sort();
  evidence.availabilityZones = zones;
  evidence.uncoveredCidrBlocks = uncoveredBlocks;
  evidence.clientsWithoutAccess = unreachedClients.map((client) => client.label);
  if (sources.prefixListIds.length > 0) evidence.prefixListsNotCounted = sources.prefixListIds;

  const problems: string[] = [];
  const fixes: string[] = [];
  if (!reachable) {
    const who =
      clients.length > 0
        ? `, nor from the security groups of ${unreachedClients.map((client) => client.label).join(', ')}`
        : '';
    const lists = sources.prefixListIds;
    const notCounted =
      lists.length > 0
        ? ` (the TCP ${HTTPS_PORT} rule${lists.length > 1 ? 's' : ''} from managed prefix list${lists.length > 1 ? 's' : ''} ${lists.join(', ')} ${lists.length > 1 ? 'are' : 'is'} not counted: the scanner does not read prefix-list entries, so it cannot tell which CIDRs they hold)`
        : '';
    problems.push(
      `its security groups ${groupIds.join(', ')} allow no inbound TCP ${HTTPS_PORT} from ${uncoveredBlocks.join(', ')}${who}${notCounted}`,
    );
    fixes.push(`Let HTTPS in from the VPC: ${ingressFix(region, groupIds[0] as string, uncoveredBlocks)}`);
  }
  if (zones.length < 2) {
    problems.push(
      zones.length === 0
        ? 'it has no subnet, so no Availability Zone'
        : `its subnets are all in one Availability Zone (${zones[0]})`,
    );
    fixes.push(
      `Add a subnet of ${vpcId} in another Availability Zone: aws ec2 modify-vpc-endpoint --region ${shellQuote(region)} --vpc-endpoint-id ${shellQuote(endpointId)} --add-subnet-ids <subnet-id>`,
    );
  }
  if (policy?.status === 'FAIL') {
    problems.push(policy.summary);
    fixes.push(policyFix(region, endpointId));
  }
  if (problems.length === 0 && policy?.status === 'ERROR') {
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge ${label}: ${policy.summary}. Its security groups and Availability Zones pass.`,
      remediation: `${unjudgedPolicyFix(policy, region, endpointId)}.`,
    };
  }
  if (problems.length === 0) {
    const judged = policy
      ? policySentence(policy)
      : 'Its endpoint policy is not required to allow anything here and is not judged.';
    return {
      ...base,
      status: 'PASS',
      message: `${label} accepts HTTPS from ${uncoveredBlocks.length === 0 ? 'every CIDR block of the VPC' : 'the security groups of its notebooks and Studio domains'} and spans ${zones.length} Availability Zones (${zones.join(', ')}). ${judged}`,
    };
  }
  const policyNotJudged = policy?.status === 'ERROR' ? ` ${policySentence(policy)}` : '';
  if (policy?.status === 'ERROR') fixes.push(unjudgedPolicyFix(policy, region, endpointId));
  return {
    ...base,
    status: 'FAIL',
    message: `${label} cannot carry all its traffic: ${problems.join('; ')}.${policyNotJudged}`,
    remediation: fixes.join(' ; '),
  };
}

function checkRegion(context: RuleContext, scope: RegionScope): RuleOutput {
  const verdict = sageMakerRegionVerdict(context, scope, meta);
  if (verdict) return verdict;
  const judged = vpcsToJudge(context, scope, meta);
  if ('done' in judged) return judged.done;
  const { vpcs, skipped } = judged;
  const { partition } = context.inventory;
  const names = new Set(
    REACHABLE_ENDPOINT_KINDS.flatMap((kind) => acceptedServiceNames(partition, scope.region.region, kind)),
  );
  const subnets = new Map((scope.region.subnets ?? []).map((subnet) => [subnet.SubnetId as string, subnet]));
  const data: RegionData = {
    scope,
    partition,
    apiNames: new Set(acceptedServiceNames(partition, scope.region.region, 'sagemaker.api')),
    groups: new Map((scope.region.securityGroups ?? []).map((group) => [group.GroupId as string, group])),
    subnets,
    vpcs: new Map(vpcs.map((vpc) => [vpc.VpcId as string, vpc])),
    clients: clientsByVpc(scope, subnets),
  };
  const results = (scope.region.vpcEndpoints ?? [])
    .filter(
      (endpoint) =>
        missingEndpointFields(endpoint).length === 0 &&
        typeof endpoint.VpcEndpointId === 'string' &&
        data.vpcs.has(endpoint.VpcId as string) &&
        names.has(endpoint.ServiceName as string) &&
        sameValue(endpoint.VpcEndpointType, 'Interface') &&
        !GONE_STATES.some((state) => sameValue(endpoint.State, state)),
    )
    .map((endpoint) => judgeEndpoint(data, endpoint));
  return { results, skipped };
}

export function check(context: RuleContext): RuleOutput {
  return checkEachRegion(context, checkRegion);
}

export const rule: Rule = { meta, check };
