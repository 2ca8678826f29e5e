import type { Subnet, Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import { OrganizationsServiceException } from '@aws-sdk/client-organizations';
import { SageMakerServiceException } from '@aws-sdk/client-sagemaker';
import { vi } from 'vitest';
import { AwsClients } from '../../src/collect/clients.ts';
import { runScan } from '../../src/engine/scan.ts';
import { selectRules } from '../../src/engine/select.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import type { Inventory, SageMakerDomain, SageMakerNotebook } from '../../src/model/inventory.ts';
import type { Report } from '../../src/model/report.ts';
import type { Result } from '../../src/model/result.ts';
import {
  type AttemptLog,
  always,
  awsError,
  endpointServiceListing,
  fastClients,
  markerPagesOf,
  pagesOf,
  type Responder,
  serveFromResponders,
} from '../support/aws-faults.ts';
import {
  domain,
  endpoint,
  notebook,
  offeredServices,
  serviceName,
  subnet,
  vpc,
} from '../support/inventory.ts';

/**
 * One account that the fault tests break in different places: three regions (the last an opt-in
 * region) of five VPCs each, listed two per page, and IAM authorization details listed two items
 * per page. Every rule it serves has PASS and FAIL results here, so a fault that silently drops data shows
 * up as a changed result.
 */
export const ACCOUNT_ID = '111122223333';
export const HOME_REGION = 'eu-west-1';
export const OPT_IN_REGION = 'me-south-1';
export const REGIONS = [HOME_REGION, 'us-east-1', OPT_IN_REGION] as const;
export const EC2_RULE_IDS = ['vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns'];
export const IAM_RULE_IDS = ['iam-policy-presigned-url-source-ip', 'iam-principal-presigned-url-source-ip'];
export const SAGEMAKER_RULE_IDS = [
  'sagemaker-domain-vpc-only',
  'sagemaker-notebook-network',
  'sagemaker-notebook-root-access',
  'sagemaker-private-path',
];
/**
 * The rules the fault tests of the VPC and IAM collection scan with. The world also serves
 * notebooks, domains and subnets ({@link sageMakerWorld}), for scans that name the SageMaker rules.
 */
export const WORLD_RULE_IDS = [...IAM_RULE_IDS, ...EC2_RULE_IDS];
export const CALLER = {
  Account: ACCOUNT_ID,
  Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/scanner/session`,
  UserId: 'AROAEXAMPLE:session',
};
/** Items per page: small, so that every listing has a page 2 to break. */
export const PAGE_SIZE = 2;

/** `vpc-0` + 16 hex digits, distinct per region. */
export function vpcId(region: string, index: number): string {
  return `vpc-0${REGIONS.indexOf(region as (typeof REGIONS)[number])}${String(index).padStart(15, '0')}`;
}

interface RegionWorld {
  vpcs: Vpc[];
  endpoints: VpcEndpoint[];
  /** VPC id → `enableDnsSupport` / `enableDnsHostnames` as DescribeVpcAttribute returns them. */
  dns: Record<string, { enableDnsSupport: boolean; enableDnsHostnames: boolean }>;
}

/**
 * Per region: VPC 1 compliant; VPC 2 only an api endpoint, in a VPC without DNS hostnames; VPC 3
 * no endpoint; VPC 4 the default VPC, no endpoint; VPC 5 a runtime endpoint and an api endpoint
 * still pendingAcceptance. With `withSageMaker`, VPC 1 also has a notebook endpoint, and VPC 3,
 * where a notebook and a domain run, DNS on.
 */
export function regionWorld(region: string, withSageMaker = false): RegionWorld {
  const [one, two, three, four, five] = [1, 2, 3, 4, 5].map((index) => vpcId(region, index)) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const api = serviceName(region, 'sagemaker.api');
  const runtime = serviceName(region, 'sagemaker.runtime');
  const endpointId = (id: string, kind: string) => `vpce-${id.slice(4)}${kind}`;
  return {
    vpcs: [vpc(one), vpc(two), vpc(three), vpc(four, { IsDefault: true }), vpc(five)] as Vpc[],
    endpoints: [
      endpoint(endpointId(one, 'a'), one, api),
      endpoint(endpointId(one, 'r'), one, runtime),
      endpoint(endpointId(two, 'a'), two, api),
      endpoint(endpointId(five, 'a'), five, api, { State: 'pendingAcceptance' }),
      endpoint(endpointId(five, 'r'), five, runtime),
      ...(withSageMaker
        ? [
            endpoint(endpointId(one, 'n'), one, `aws.sagemaker.${region}.notebook`, {
              SubnetIds: [subnetId(one)],
            }),
          ]
        : []),
    ] as VpcEndpoint[],
    dns: {
      [one]: { enableDnsSupport: true, enableDnsHostnames: true },
      [two]: { enableDnsSupport: true, enableDnsHostnames: false },
      [five]: { enableDnsSupport: true, enableDnsHostnames: true },
      ...(withSageMaker ? { [three]: { enableDnsSupport: true, enableDnsHostnames: true } } : {}),
    },
  };
}

/** The subnet of a VPC of this world where its notebooks and domains run. */
function subnetId(vpc: string): string {
  return `subnet-${vpc.slice(4)}`;
}

/**
 * Per region: notebook nb-1 private in VPC 1 (its endpoints there: every rule PASS), nb-2 with
 * direct internet and root access in VPC 3 (no endpoints: FAIL), nb-3 in no VPC; domain d-1
 * VpcOnly in VPC 1 (which lacks the Studio, STS and S3 endpoints), d-2 PublicInternetOnly in VPC 3.
 * Listed two notebooks and one domain per page.
 */
export function sageMakerWorld(region: string): {
  notebooks: SageMakerNotebook[];
  domains: SageMakerDomain[];
  subnets: Subnet[];
} {
  const one = vpcId(region, 1);
  const three = vpcId(region, 3);
  return {
    notebooks: [
      notebook('nb-1', subnetId(one)),
      notebook('nb-2', subnetId(three), { DirectInternetAccess: 'Enabled', RootAccess: 'Enabled' }),
      notebook('nb-3', undefined, { DirectInternetAccess: 'Enabled' }),
    ],
    domains: [
      domain('d-1', 'private', one, [subnetId(one)]),
      domain('d-2', 'public', three, [subnetId(three)], { AppNetworkAccessType: 'PublicInternetOnly' }),
    ],
    subnets: [subnet(subnetId(one), one), subnet(subnetId(three), three)] as Subnet[],
  };
}

/** A Describe call of SageMaker for a name it does not know, answered as SageMaker does. */
function describedBy<T>(items: readonly T[], key: (item: T) => string | undefined, field: string): Responder {
  return (input) => {
    const found = items.find((item) => key(item) === input[field]);
    if (!found) throw awsError(SageMakerServiceException, 'ValidationException', 400, 'RecordNotFound');
    return found;
  };
}

/** The fault-free responders of one region's SageMaker client. */
export function sageMakerResponders(region: string): Record<string, Responder> {
  const world = sageMakerWorld(region);
  return {
    ListNotebookInstances: pagesOf(
      'NotebookInstances',
      world.notebooks.map((item) => ({ NotebookInstanceName: item.NotebookInstanceName })),
      PAGE_SIZE,
    ),
    DescribeNotebookInstance: describedBy(
      world.notebooks,
      (item) => item.NotebookInstanceName,
      'NotebookInstanceName',
    ),
    ListDomains: pagesOf(
      'Domains',
      world.domains.map((item) => ({ DomainId: item.DomainId })),
      1,
    ),
    DescribeDomain: describedBy(world.domains, (item) => item.DomainId, 'DomainId'),
  };
}

export const PRESIGNED = 'sagemaker:CreatePresignedNotebookInstanceUrl';

/** IAM sends policy documents URL-encoded, and the SDK hands them over as they are. */
export function encoded(...statements: Record<string, unknown>[]): string {
  return encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
}

const OPEN = { Effect: 'Allow', Action: PRESIGNED, Resource: '*' };
const FROM_OFFICE = {
  Effect: 'Allow',
  Action: PRESIGNED,
  Resource: '*',
  Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
};

function managed(name: string, document: string) {
  return {
    PolicyName: name,
    PolicyId: `ANPA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${ACCOUNT_ID}:policy/${name}`,
    Path: '/',
    DefaultVersionId: 'v1',
    AttachmentCount: 1,
    IsAttachable: true,
    PolicyVersionList: [{ Document: document, VersionId: 'v1', IsDefaultVersion: true }],
  };
}

function attached(name: string) {
  return [{ PolicyName: name, PolicyArn: `arn:aws:iam::${ACCOUNT_ID}:policy/${name}` }];
}

/**
 * Users alice (open policy: FAIL) and bob (office range: PASS), group analysts with an inline open
 * policy, role notebook-runner with an inline office-range policy; managed policies open, office,
 * and one that does not grant the action. `overrides` replaces documents by policy name.
 */
export function iamWorld(overrides: Record<string, string> = {}) {
  const document = (name: string, fallback: string) => overrides[name] ?? fallback;
  const trust = encoded({
    Effect: 'Allow',
    Principal: { Service: 'sagemaker.amazonaws.com' },
    Action: 'sts:AssumeRole',
  });
  return {
    UserDetailList: [
      {
        UserName: 'alice',
        UserId: 'AIDAALICE',
        Arn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
        Path: '/',
        GroupList: [],
        UserPolicyList: [],
        AttachedManagedPolicies: attached('OpenPresignedUrls'),
      },
      {
        UserName: 'bob',
        UserId: 'AIDABOB',
        Arn: `arn:aws:iam::${ACCOUNT_ID}:user/bob`,
        Path: '/',
        GroupList: [],
        UserPolicyList: [],
        AttachedManagedPolicies: attached('OfficePresignedUrls'),
      },
      {
        UserName: 'carol',
        UserId: 'AIDACAROL',
        Arn: `arn:aws:iam::${ACCOUNT_ID}:user/carol`,
        Path: '/',
        GroupList: ['analysts'],
        UserPolicyList: [],
        AttachedManagedPolicies: [],
      },
    ],
    GroupDetailList: [
      {
        GroupName: 'analysts',
        GroupId: 'AGPAANALYSTS',
        Arn: `arn:aws:iam::${ACCOUNT_ID}:group/analysts`,
        Path: '/',
        GroupPolicyList: [
          { PolicyName: 'analysts-notebooks', PolicyDocument: document('analysts-notebooks', encoded(OPEN)) },
        ],
        AttachedManagedPolicies: [],
      },
    ],
    RoleDetailList: [
      {
        RoleName: 'notebook-runner',
        RoleId: 'AROANOTEBOOKRUNNER',
        Arn: `arn:aws:iam::${ACCOUNT_ID}:role/notebook-runner`,
        Path: '/',
        AssumeRolePolicyDocument: trust,
        RolePolicyList: [
          {
            PolicyName: 'runner-notebooks',
            PolicyDocument: document('runner-notebooks', encoded(FROM_OFFICE)),
          },
        ],
        AttachedManagedPolicies: [],
      },
    ],
    Policies: [
      managed('OpenPresignedUrls', document('OpenPresignedUrls', encoded(OPEN))),
      managed('OfficePresignedUrls', document('OfficePresignedUrls', encoded(FROM_OFFICE))),
      managed(
        'DescribeNotebooks',
        document(
          'DescribeNotebooks',
          encoded({ Effect: 'Allow', Action: 'sagemaker:DescribeNotebookInstance', Resource: '*' }),
        ),
      ),
    ],
  };
}

/** DescribeVpcEndpoints pages, honouring the `service-name` filter as EC2 does. */
function endpointPages(endpoints: readonly VpcEndpoint[]): Responder {
  return (input) => {
    const filter = (input.Filters as { Name: string; Values: string[] }[] | undefined)?.find(
      (item) => item.Name === 'service-name',
    );
    const selected = endpoints.filter(
      (item) => filter === undefined || filter.Values.includes(item.ServiceName ?? ''),
    );
    return pagesOf('VpcEndpoints', selected, PAGE_SIZE)(input);
  };
}

/** The fault-free responders of one region's EC2 client. */
export function ec2Responders(region: string, withSageMaker = false): Record<string, Responder> {
  const world = regionWorld(region, withSageMaker);
  const subnets = withSageMaker ? sageMakerWorld(region).subnets : [];
  return {
    DescribeSubnets: (input) => {
      const filter = (input.Filters as { Name: string; Values: string[] }[] | undefined)?.find(
        (item) => item.Name === 'subnet-id',
      );
      return { Subnets: subnets.filter((item) => filter?.Values.includes(item.SubnetId ?? '')) };
    },
    DescribeVpcEndpointServices: always({
      ServiceNames: endpointServiceListing(region, offeredServices(region)),
    }),
    DescribeVpcs: pagesOf('Vpcs', world.vpcs, PAGE_SIZE),
    DescribeVpcEndpoints: endpointPages(world.endpoints),
    DescribeVpcAttribute: (input) => {
      const attributes = world.dns[input.VpcId as string];
      if (!attributes) throw new Error(`unexpected DescribeVpcAttribute for ${String(input.VpcId)}`);
      return input.Attribute === 'enableDnsSupport'
        ? { VpcId: input.VpcId, EnableDnsSupport: { Value: attributes.enableDnsSupport } }
        : { VpcId: input.VpcId, EnableDnsHostnames: { Value: attributes.enableDnsHostnames } };
    },
  };
}

/** Replaces a fault-free responder with a faulty one built on it. */
export type Fault = (healthy: Responder) => Responder;

export interface Faults {
  /** Per region, per EC2 operation. */
  ec2?: Partial<Record<string, Record<string, Fault>>>;
  /** Per region, per SageMaker operation. */
  sagemaker?: Partial<Record<string, Record<string, Fault>>>;
  /** Per IAM operation (`GetAccountAuthorizationDetails`). */
  iam?: Record<string, Fault>;
  /** IAM documents replaced by policy name (malformed data from AWS). */
  iamDocuments?: Record<string, string>;
  /** Per region, the endpoints DescribeVpcEndpoints returns instead, as they are (filter or not). */
  endpoints?: Partial<Record<string, VpcEndpoint[]>>;
}

function applied(healthy: Record<string, Responder>, faults: Record<string, Fault> = {}) {
  const responders = { ...healthy };
  for (const [operation, fault] of Object.entries(faults)) {
    responders[operation] = fault(healthy[operation] as Responder);
  }
  return responders;
}

export interface WorldLogs {
  ec2: Record<string, AttemptLog>;
  sagemaker: Record<string, AttemptLog>;
  iam: AttemptLog;
}

/**
 * Serves the world, with `faults` applied, beneath the retry middleware of every client of
 * `clients`; `withSageMaker` adds what the SageMaker rules read (see {@link regionWorld}).
 */
export function serveWorld(clients: AwsClients, faults: Faults = {}, withSageMaker = false): WorldLogs {
  serveFromResponders(clients.sts(HOME_REGION), { GetCallerIdentity: always(CALLER) });
  const ec2: Record<string, AttemptLog> = {};
  const sagemaker: Record<string, AttemptLog> = {};
  for (const region of REGIONS) {
    const healthy = ec2Responders(region, withSageMaker);
    const endpoints = faults.endpoints?.[region];
    if (endpoints) healthy.DescribeVpcEndpoints = pagesOf('VpcEndpoints', endpoints, PAGE_SIZE);
    ec2[region] = serveFromResponders(clients.ec2(region), applied(healthy, faults.ec2?.[region]));
    sagemaker[region] = serveFromResponders(
      clients.sagemaker(region),
      applied(sageMakerResponders(region), faults.sagemaker?.[region]),
    );
    // The account is in no Organization: no SCP applies, and nothing of the scan leaves loopback.
    serveFromResponders(clients.organizations(region), {
      DescribeOrganization: () => {
        throw awsError(OrganizationsServiceException, 'AWSOrganizationsNotInUseException', 400);
      },
    });
  }
  const iam = serveFromResponders(
    clients.iam(HOME_REGION),
    applied(
      { GetAccountAuthorizationDetails: markerPagesOf(iamWorld(faults.iamDocuments), PAGE_SIZE) },
      faults.iam,
    ),
  );
  return { ec2, sagemaker, iam };
}

/**
 * Every region holds only its compliant VPC 1: the EC2 rules all PASS, so the exit code and the
 * alert show what a fault adds. Combine with more faults by spreading per region.
 */
export function compliantRegions(): NonNullable<Faults['ec2']> {
  return Object.fromEntries(
    REGIONS.map((region) => [
      region,
      { DescribeVpcs: () => pagesOf('Vpcs', regionWorld(region).vpcs.slice(0, 1), PAGE_SIZE) },
    ]),
  );
}

/**
 * Serves the world to every {@link AwsClients} that code under test creates (the CLI builds its
 * own), when it asks for its first STS client. Restore with `vi.restoreAllMocks()`.
 */
export function serveWorldToNewClients(faults: Faults = {}): WorldLogs[] {
  const served = new WeakSet<AwsClients>();
  const logs: WorldLogs[] = [];
  const sts = AwsClients.prototype.sts;
  vi.spyOn(AwsClients.prototype, 'sts').mockImplementation(function (this: AwsClients, region: string) {
    const client = sts.call(this, region);
    if (!served.has(this)) {
      served.add(this);
      logs.push(serveWorld(this, faults));
    }
    return client;
  });
  return logs;
}

/**
 * A live scan of `ruleIds` (the world's VPC and IAM rules unless told) over the world, through the
 * SDK's real retries (1 ms back-off).
 */
export async function scanWorld(
  faults: Faults = {},
  maxAttempts = 4,
  ruleIds: readonly string[] = WORLD_RULE_IDS,
): Promise<{ report: Report; inventory: Inventory; logs: WorldLogs }> {
  const clients = fastClients(maxAttempts);
  const logs = serveWorld(
    clients,
    faults,
    ruleIds.some((id) => SAGEMAKER_RULE_IDS.includes(id)),
  );
  const { report, inventory } = await runScan({
    rules: selectRules([...ruleIds]),
    config: DEFAULT_RULE_CONFIG,
    source: { kind: 'live', clients, regions: [...REGIONS], homeRegion: HOME_REGION },
  });
  return { report, inventory, logs };
}

/** What a reader compares between two runs: everything a result says. */
export function verdicts(results: readonly Result[]) {
  return results.map(({ id, ruleId, status, region, resourceId, message, evidence }) => ({
    id,
    ruleId,
    status,
    region,
    resourceId,
    message,
    evidence,
  }));
}

/** Results outside the given regions and rules: the part of the report a fault must not touch. */
export function untouched(
  results: readonly Result[],
  scope: { regions?: readonly string[]; rules?: readonly string[] },
): Result[] {
  return results.filter(
    (result) =>
      !(
        (scope.regions === undefined || scope.regions.includes(result.region)) &&
        (scope.rules === undefined || scope.rules.includes(result.ruleId))
      ),
  );
}
