import type { Subnet, VpcEndpoint } from '@aws-sdk/client-ec2';
import type { Plain, SageMakerDomain, SageMakerNotebook } from '../model/inventory.ts';
import type { ResultDraft, SkippedScope } from '../model/result.ts';
import {
  acceptedServiceNames,
  checkEachRegion,
  domainLabel,
  domainsToJudge,
  type EndpointKind,
  missingEndpointFields,
  notebooksToJudge,
  type RegionScope,
  sageMakerRegionVerdict,
  sameValue,
  shellQuote,
} from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'sagemaker-private-path',
  title: 'SageMaker notebook instance or VpcOnly Studio domain has the private endpoints it needs in its VPC',
  severity: 'high',
  resourceType: 'AWS::SageMaker::NotebookInstance|AWS::SageMaker::Domain',
  needs: [
    'endpointServices',
    'sagemakerNotebooks',
    'sagemakerDomains',
    'subnets',
    'vpcs',
    'vpcEndpoints',
    'vpcAttributes',
  ],
  rationale:
    'A notebook instance or a VpcOnly Studio domain is only private if its own VPC resolves SageMaker (and, for Studio without internet, STS and S3) to interface endpoints: without them, calls fail or leave through a NAT gateway, and the presigned URL that opens the notebook or Studio goes over the internet.',
  remediation: {
    text: 'In the VPC the notebook or domain runs in, create each missing interface endpoint with private DNS on (S3 may be a gateway endpoint), replace endpoints that are not available, and turn on DNS support and DNS hostnames for the VPC.',
    cli: 'aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id <vpc-id> --service-name <service> --subnet-ids <subnet-ids> --security-group-ids <sg-ids> --private-dns-enabled, once per missing <service>: for a notebook instance aws.sagemaker.<region>.notebook, com.amazonaws.<region>.sagemaker.api and .sagemaker.runtime; for a Studio domain aws.sagemaker.<region>.studio, the same two, com.amazonaws.<region>.sts, and S3 (a Gateway endpoint may do)',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-interface-endpoint.html',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/studio-interface-endpoint.html',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/studio-notebooks-and-internet-access.html',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-and-internet-access.html',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/interface-vpc-endpoint.html',
  ],
};

/** A notebook opens through its own endpoint, and calls the SageMaker API and runtime. */
const NOTEBOOK_ENDPOINTS: readonly EndpointKind[] = ['sagemaker.api', 'sagemaker.runtime', 'notebook'];
/**
 * Without internet, AWS's "VPC-only mode requirements" list the SageMaker API and runtime, S3 and
 * the Studio endpoint; STS is needed as soon as code in Studio asks who it runs as (the SageMaker
 * Python SDK does). Endpoints for optional features (Service Catalog, CloudWatch Logs, ECR) are
 * left to the account: the scanner cannot see which features a domain uses.
 */
const VPC_ONLY_DOMAIN_ENDPOINTS: readonly EndpointKind[] = [
  'sagemaker.api',
  'sagemaker.runtime',
  'studio',
  'sts',
  's3',
];

type Endpoint = Plain<VpcEndpoint>;

/** What the judged resource is, as far as this rule needs to know. */
interface Target {
  kind: 'notebook' | 'domain';
  resourceType: string;
  resourceId: string;
  resourceArn?: string;
  /** `notebook instance ds-1`, `Studio domain ml (d-1)`. */
  label: string;
  subnetIds: string[];
  required: readonly EndpointKind[];
}

/** One requirement the VPC does not meet, or might not: `unknown` when the data cannot tell. */
interface Gap {
  requirement: string;
  problem: string;
  fix: string;
  unknown?: boolean;
}

interface RegionData {
  scope: RegionScope;
  partition: string;
  subnets: Map<string, Plain<Subnet>>;
  endpointsByVpc: Map<string, Endpoint[]>;
  /** Endpoints without a VPC id: they could be anywhere, so they leave a missing endpoint in doubt. */
  orphanEndpoints: Endpoint[];
}

function notebookTarget(notebook: SageMakerNotebook): Target {
  const name = notebook.NotebookInstanceName as string;
  return {
    kind: 'notebook',
    resourceType: 'AWS::SageMaker::NotebookInstance',
    resourceId: name,
    ...(notebook.NotebookInstanceArn ? { resourceArn: notebook.NotebookInstanceArn } : {}),
    label: `notebook instance ${name}`,
    subnetIds: notebook.SubnetId ? [notebook.SubnetId] : [],
    required: NOTEBOOK_ENDPOINTS,
  };
}

function domainTarget(domain: SageMakerDomain): Target {
  return {
    kind: 'domain',
    resourceType: 'AWS::SageMaker::Domain',
    resourceId: domain.DomainId as string,
    ...(domain.DomainArn ? { resourceArn: domain.DomainArn } : {}),
    label: `Studio domain ${domainLabel(domain)}`,
    subnetIds: domain.SubnetIds ?? [],
    required: VPC_ONLY_DOMAIN_ENDPOINTS,
  };
}

function createCommand(data: RegionData, vpcId: string, target: Target, kind: EndpointKind): string {
  const region = data.scope.region.region;
  const serviceName = acceptedServiceNames(data.partition, region, kind)[0] as string;
  const head = `aws ec2 create-vpc-endpoint --region ${shellQuote(region)} --vpc-id ${shellQuote(vpcId)} --service-name ${shellQuote(serviceName)}`;
  if (kind === 's3') return `${head} --vpc-endpoint-type Gateway --route-table-ids <route-table-ids>`;
  const subnets = target.subnetIds.length > 0 ? target.subnetIds.map(shellQuote).join(' ') : '<subnet-ids>';
  return `${head} --vpc-endpoint-type Interface --subnet-ids ${subnets} --security-group-ids <sg-ids> --private-dns-enabled`;
}

function usable(endpoint: Endpoint, kind: EndpointKind): boolean {
  if (!sameValue(endpoint.State, 'available')) return false;
  if (kind === 's3' && sameValue(endpoint.VpcEndpointType, 'Gateway')) return true;
  return sameValue(endpoint.VpcEndpointType, 'Interface') && endpoint.PrivateDnsEnabled === true;
}

function whyUnusable(endpoint: Endpoint): string {
  if (!sameValue(endpoint.State, 'available')) return `${endpoint.VpcEndpointId} is ${endpoint.State}`;
  if (!sameValue(endpoint.VpcEndpointType, 'Interface')) {
    return `${endpoint.VpcEndpointId} is of type ${endpoint.VpcEndpointType}, not Interface`;
  }
  return `${endpoint.VpcEndpointId} has private DNS off`;
}

/** Whether an endpoint lacking the fields a verdict rests on could be the one `names` asks for. */
function couldBe(endpoint: Endpoint, names: string[]): boolean {
  const incomplete =
    missingEndpointFields(endpoint).length > 0 ||
    (sameValue(endpoint.VpcEndpointType, 'Interface') && typeof endpoint.PrivateDnsEnabled !== 'boolean');
  return incomplete && (endpoint.ServiceName === undefined || names.includes(endpoint.ServiceName));
}

function endpointGap(data: RegionData, vpcId: string, target: Target, kind: EndpointKind): Gap | undefined {
  const region = data.scope.region.region;
  const names = acceptedServiceNames(data.partition, region, kind);
  const inVpc = data.endpointsByVpc.get(vpcId) ?? [];
  const candidates = inVpc.filter(
    (endpoint) => endpoint.ServiceName !== undefined && names.includes(endpoint.ServiceName),
  );
  if (candidates.some((endpoint) => usable(endpoint, kind))) return undefined;
  const requirement = names[0] as string;
  const doubtful = [...inVpc, ...data.orphanEndpoints].filter((endpoint) => couldBe(endpoint, names));
  if (doubtful.length > 0) {
    return {
      requirement,
      unknown: true,
      problem: `${requirement}: endpoint data is incomplete (${doubtful
        .map((endpoint) => endpoint.VpcEndpointId ?? 'an endpoint without an id')
        .join(', ')})`,
      fix: '',
    };
  }
  const dnsOff = candidates.find(
    (endpoint) =>
      sameValue(endpoint.State, 'available') &&
      sameValue(endpoint.VpcEndpointType, 'Interface') &&
      endpoint.PrivateDnsEnabled === false,
  );
  if (dnsOff) {
    return {
      requirement,
      problem: `${requirement}: ${whyUnusable(dnsOff)}`,
      fix: `aws ec2 modify-vpc-endpoint --region ${shellQuote(region)} --vpc-endpoint-id ${shellQuote(dnsOff.VpcEndpointId as string)} --private-dns-enabled`,
    };
  }
  return {
    requirement,
    problem:
      candidates.length === 0
        ? `no ${requirement} endpoint`
        : `no usable ${requirement} endpoint (${candidates.map(whyUnusable).join(', ')})`,
    fix: createCommand(data, vpcId, target, kind),
  };
}

function dnsGaps(data: RegionData, vpcId: string): Gap[] {
  const region = data.scope.region.region;
  const attributes = data.scope.region.vpcAttributes?.[vpcId];
  const settings = [
    ['enableDnsSupport', attributes?.enableDnsSupport, 'DNS support', '--enable-dns-support'],
    ['enableDnsHostnames', attributes?.enableDnsHostnames, 'DNS hostnames', '--enable-dns-hostnames'],
  ] as const;
  return settings.flatMap(([attribute, value, words, flag]): Gap[] => {
    if (value === true) return [];
    if (value === undefined) {
      return [
        { requirement: attribute, unknown: true, problem: `${attribute} of VPC ${vpcId} not read`, fix: '' },
      ];
    }
    return [
      {
        requirement: attribute,
        problem: `${words} is off on VPC ${vpcId}`,
        fix: `aws ec2 modify-vpc-attribute --region ${shellQuote(region)} --vpc-id ${shellQuote(vpcId)} ${flag}`,
      },
    ];
  });
}

/** The VPC the target runs in, or why it cannot be known from this account. */
function resolveVpc(
  data: RegionData,
  target: Target,
  declaredVpcId: string | undefined,
): { vpcId: string } | { error: string } {
  const subnetVpcs = new Set<string>();
  for (const subnetId of target.subnetIds) {
    const subnet = data.subnets.get(subnetId);
    if (subnet?.VpcId) subnetVpcs.add(subnet.VpcId);
    else if (target.kind === 'notebook') {
      return {
        error: subnet
          ? `its subnet ${subnetId} names no VPC`
          : `its subnet ${subnetId} is not among the subnets read (DescribeSubnets)`,
      };
    }
  }
  const vpcId = declaredVpcId ?? [...subnetVpcs][0];
  if (vpcId === undefined) return { error: 'it names no VPC' };
  if (subnetVpcs.size > 1 || (subnetVpcs.size === 1 && !subnetVpcs.has(vpcId))) {
    return { error: `its VPC ${vpcId} and the VPCs of its subnets (${[...subnetVpcs].join(', ')}) disagree` };
  }
  const vpc = data.scope.region.vpcs?.find((item) => item.VpcId === vpcId);
  if (!vpc) return { error: `its VPC ${vpcId} is not among the VPCs read (DescribeVpcs)` };
  if (vpc.OwnerId !== undefined && vpc.OwnerId !== data.scope.account.accountId) {
    return {
      error: `its VPC ${vpcId} is shared by account ${vpc.OwnerId}, whose endpoints this account cannot list`,
    };
  }
  return { vpcId };
}

function judge(data: RegionData, target: Target, declaredVpcId: string | undefined): ResultDraft {
  const base = {
    accountId: data.scope.account.accountId,
    region: data.scope.region.region,
    resourceType: target.resourceType,
    resourceId: target.resourceId,
    ...(target.resourceArn ? { resourceArn: target.resourceArn } : {}),
  };
  const resolved = resolveVpc(data, target, declaredVpcId);
  if ('error' in resolved) {
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge the private path of ${target.label}: ${resolved.error}.`,
      evidence: { subnetIds: target.subnetIds, vpcId: declaredVpcId },
    };
  }
  const { vpcId } = resolved;
  const gaps = [
    ...target.required.flatMap((kind) => endpointGap(data, vpcId, target, kind) ?? []),
    ...dnsGaps(data, vpcId),
  ];
  const definite = gaps.filter((gap) => !gap.unknown);
  const doubtful = gaps.filter((gap) => gap.unknown);
  const required = target.required.map((kind) => acceptedServiceNames(data.partition, base.region, kind)[0]);
  const evidence = {
    vpcId,
    subnetIds: target.subnetIds,
    required,
    missing: definite.map((gap) => gap.requirement),
    unknown: doubtful.map((gap) => gap.requirement),
  };
  if (definite.length > 0) {
    const alsoUnknown =
      doubtful.length > 0 ? ` Not judged: ${doubtful.map((gap) => gap.problem).join('; ')}.` : '';
    return {
      ...base,
      status: 'FAIL',
      message: `${capitalised(target.label)} in VPC ${vpcId} lacks a private path: ${definite.map((gap) => gap.problem).join('; ')}.${alsoUnknown}`,
      remediation: `Fix each gap in VPC ${vpcId}: ${definite.map((gap) => gap.fix).join(' ; ')}`,
      evidence,
    };
  }
  if (doubtful.length > 0) {
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge the private path of ${target.label} in VPC ${vpcId}: ${doubtful.map((gap) => gap.problem).join('; ')}.`,
      evidence,
    };
  }
  return {
    ...base,
    status: 'PASS',
    message: `${capitalised(target.label)} in VPC ${vpcId} has available endpoints with private DNS for ${required.join(', ')}, and the VPC resolves them (DNS support and hostnames on).`,
    evidence,
  };
}

function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function checkRegion(context: RuleContext, scope: RegionScope): RuleOutput {
  const verdict = sageMakerRegionVerdict(context, scope, meta);
  if (verdict) return verdict;
  const data: RegionData = {
    scope,
    partition: context.inventory.partition,
    subnets: new Map((scope.region.subnets ?? []).map((subnet) => [subnet.SubnetId as string, subnet])),
    endpointsByVpc: new Map(),
    orphanEndpoints: [],
  };
  for (const endpoint of scope.region.vpcEndpoints ?? []) {
    if (typeof endpoint.VpcId !== 'string') {
      data.orphanEndpoints.push(endpoint);
      continue;
    }
    const list = data.endpointsByVpc.get(endpoint.VpcId) ?? [];
    list.push(endpoint);
    data.endpointsByVpc.set(endpoint.VpcId, list);
  }
  const where = { ruleId: meta.id, accountId: scope.account.accountId, region: scope.region.region };
  const results: ResultDraft[] = [];
  const notebooks = notebooksToJudge(scope, meta.id);
  const domains = domainsToJudge(scope, meta.id);
  const skipped: SkippedScope[] = [...notebooks.skipped, ...domains.skipped];
  for (const notebook of notebooks.notebooks) {
    if (!notebook.SubnetId) {
      skipped.push({
        ...where,
        resourceId: notebook.NotebookInstanceName,
        reason: `notebook instance ${notebook.NotebookInstanceName} is in no VPC: sagemaker-notebook-network judges that`,
      });
      continue;
    }
    results.push(judge(data, notebookTarget(notebook), undefined));
  }
  for (const domain of domains.domains) {
    if (!sameValue(domain.AppNetworkAccessType, 'VpcOnly')) {
      skipped.push({
        ...where,
        resourceId: domain.DomainId,
        reason: `Studio domain ${domainLabel(domain)} is not VpcOnly: sagemaker-domain-vpc-only judges that`,
      });
      continue;
    }
    results.push(judge(data, domainTarget(domain), domain.VpcId));
  }
  return { results, skipped };
}

export function check(context: RuleContext): RuleOutput {
  return checkEachRegion(context, checkRegion);
}

export const rule: Rule = { meta, check };
