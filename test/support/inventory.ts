import type { Subnet, Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import { evaluate } from '../../src/engine/evaluate.ts';
import { DEFAULT_RULE_CONFIG, type RuleConfig } from '../../src/model/config.ts';
import type {
  AccountInventory,
  Inventory,
  Plain,
  RegionInventory,
  SageMakerDomain,
  SageMakerNotebook,
  VpcDnsAttributes,
} from '../../src/model/inventory.ts';
import type { Result, SkippedScope } from '../../src/model/result.ts';
import type { Rule } from '../../src/rules/types.ts';

/** The account that owns the inventories built here. */
export const ACCOUNT_ID = '111122223333';
export const OTHER_ACCOUNT_ID = '444455556666';

export type EndpointKind =
  | 'sagemaker.api'
  | 'sagemaker.runtime'
  | 'sagemaker.api-fips'
  | 'sagemaker.runtime-fips'
  | 'sagemaker.featurestore-runtime'
  | 'sagemaker.metrics';

/**
 * The AWS service name of a SageMaker endpoint kind, as EC2 spells it.
 *
 * @example serviceName('eu-west-1', 'sagemaker.api') // 'com.amazonaws.eu-west-1.sagemaker.api'
 */
export function serviceName(region: string, kind: EndpointKind): string {
  const prefix = region.startsWith('cn-') ? 'cn.com.amazonaws' : 'com.amazonaws';
  return `${prefix}.${region}.${kind}`;
}

/** A VPC as DescribeVpcs returns it, owned by {@link ACCOUNT_ID} unless `extra` says otherwise. */
export function vpc(VpcId: string, extra: Partial<Plain<Vpc>> = {}): Plain<Vpc> {
  return {
    VpcId,
    OwnerId: ACCOUNT_ID,
    IsDefault: false,
    State: 'available',
    CidrBlock: '10.0.0.0/16',
    ...extra,
  };
}

/**
 * Endpoint fields as EC2 sends them: the wire says `available`, `pendingAcceptance`, while the
 * SDK's `State` enum is capitalised, so a state is any string here.
 */
export type EndpointFields = Omit<Partial<Plain<VpcEndpoint>>, 'State'> & { State?: string };

/** An available interface endpoint with private DNS on, as DescribeVpcEndpoints returns it. */
export function endpoint(
  VpcEndpointId: string,
  VpcId: string,
  ServiceName: string,
  extra: EndpointFields = {},
): Plain<VpcEndpoint> {
  const fields: EndpointFields = {
    VpcEndpointId,
    VpcId,
    ServiceName,
    VpcEndpointType: 'Interface',
    State: 'available',
    PrivateDnsEnabled: true,
    OwnerId: ACCOUNT_ID,
    ...extra,
  };
  return fields as Plain<VpcEndpoint>;
}

/** A subnet as DescribeSubnets returns it, owned by {@link ACCOUNT_ID}. */
export function subnet(SubnetId: string, VpcId: string, extra: Partial<Plain<Subnet>> = {}): Plain<Subnet> {
  return {
    SubnetId,
    VpcId,
    AvailabilityZone: 'eu-west-1a',
    OwnerId: ACCOUNT_ID,
    State: 'available',
    ...extra,
  };
}

/**
 * A notebook instance as DescribeNotebookInstance returns it: in service, in `SubnetId`, with
 * direct internet access and root access disabled unless `extra` says otherwise.
 */
export function notebook(
  NotebookInstanceName: string,
  SubnetId: string | undefined,
  extra: Partial<SageMakerNotebook> = {},
): SageMakerNotebook {
  return {
    NotebookInstanceName,
    NotebookInstanceArn: `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:notebook-instance/${NotebookInstanceName.toLowerCase()}`,
    NotebookInstanceStatus: 'InService',
    InstanceType: 'ml.t3.medium',
    ...(SubnetId ? { SubnetId, SecurityGroups: ['sg-0notebook'] } : {}),
    DirectInternetAccess: 'Disabled',
    RootAccess: 'Disabled',
    ...extra,
  };
}

/** A Studio domain as DescribeDomain returns it: in service, VpcOnly in `VpcId`, unless `extra` says otherwise. */
export function domain(
  DomainId: string,
  DomainName: string,
  VpcId: string,
  SubnetIds: string[],
  extra: Partial<SageMakerDomain> = {},
): SageMakerDomain {
  return {
    DomainId,
    DomainName,
    DomainArn: `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:domain/${DomainId}`,
    Status: 'InService',
    AuthMode: 'IAM',
    AppNetworkAccessType: 'VpcOnly',
    VpcId,
    SubnetIds,
    DomainSettings: { SecurityGroupIds: ['sg-0studio'] },
    ...extra,
  };
}

export const DNS_ON: VpcDnsAttributes = { enableDnsSupport: true, enableDnsHostnames: true };

/** The SageMaker service names DescribeVpcEndpointServices lists in a region that offers them. */
export function offeredServices(region: string): string[] {
  return [
    serviceName(region, 'sagemaker.api'),
    serviceName(region, 'sagemaker.featurestore-runtime'),
    serviceName(region, 'sagemaker.metrics'),
    serviceName(region, 'sagemaker.runtime'),
  ];
}

/**
 * A region where SageMaker is offered. Every VPC that holds an endpoint gets DNS support and
 * hostnames on unless `attributes` says otherwise; pass a section as `undefined` to leave it out.
 * The SageMaker sections and `subnets` are there only when given.
 */
export function region(
  name: string,
  parts: {
    vpcs?: Plain<Vpc>[];
    endpoints?: Plain<VpcEndpoint>[];
    attributes?: Record<string, VpcDnsAttributes>;
    services?: string[];
    notebooks?: SageMakerNotebook[];
    domains?: SageMakerDomain[];
    subnets?: Plain<Subnet>[];
  } = {},
): RegionInventory {
  const endpoints = parts.endpoints ?? [];
  const defaults = Object.fromEntries(
    endpoints.flatMap((item) => (item.VpcId ? [[item.VpcId, DNS_ON] as const] : [])),
  );
  return {
    region: name,
    endpointServices: 'services' in parts ? parts.services : offeredServices(name),
    vpcs: 'vpcs' in parts ? parts.vpcs : [],
    vpcAttributes: 'attributes' in parts ? parts.attributes : defaults,
    vpcEndpoints: 'endpoints' in parts ? parts.endpoints : [],
    ...('notebooks' in parts ? { sagemakerNotebooks: parts.notebooks } : {}),
    ...('domains' in parts ? { sagemakerDomains: parts.domains } : {}),
    ...('subnets' in parts ? { subnets: parts.subnets } : {}),
  };
}

export function inventory(
  regions: RegionInventory[],
  options: { partition?: string; accountId?: string; account?: Partial<AccountInventory> } = {},
): Inventory {
  return {
    snapshotVersion: 1,
    collectedAt: '2026-01-01T00:00:00.000Z',
    partition: options.partition ?? 'aws',
    accounts: [{ accountId: options.accountId ?? ACCOUNT_ID, regions, ...options.account }],
  };
}

/**
 * The report invariant every rule keeps: one result per id (rule, account, region, resource), so
 * that baselines, suppressions and subscribers can key on it. Returns the ids seen more than once.
 */
export function repeatedResultIds(results: readonly Pick<Result, 'id'>[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { id } of results) {
    if (seen.has(id)) repeated.add(id);
    seen.add(id);
  }
  return [...repeated];
}

/** Runs one rule through the engine (checking {@link repeatedResultIds}), so results carry their ids, severity and remediation. */
export function runRule(
  rule: Rule,
  input: Inventory,
  config: Partial<RuleConfig> = {},
): { results: Result[]; skipped: SkippedScope[] } {
  const { results, skipped } = evaluate(input, [rule], { ...DEFAULT_RULE_CONFIG, ...config });
  const repeated = repeatedResultIds(results);
  if (repeated.length > 0) {
    throw new Error(`${rule.meta.id} gave several results under one id: ${repeated.join(', ')}`);
  }
  return { results, skipped };
}
