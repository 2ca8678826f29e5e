import type { InventorySection } from '../src/model/inventory.ts';
import {
  AWS_JSON_1_1,
  ec2Xml,
  IAM_XMLNS,
  queryXml,
  STS_XMLNS,
  type WireAnswer,
  type WireCall,
} from '../test/support/aws-faults.ts';
import {
  type BucketChoice,
  type BucketLoad,
  bucketOf,
  DEFAULT_LATENCY,
  type LatencyModel,
  latencyMs,
  type RequestShape,
  TokenBucket,
} from './aws-limits.ts';
import { ACCOUNT_ID, REGIONS, type SyntheticAccount, type SyntheticRegion } from './synthetic.ts';

/** The largest pages AWS serves: EC2 Describe* 1,000 items, IAM GetAccountAuthorizationDetails 1,000 items. */
export const EC2_MAX_PAGE = 1000;
export const IAM_MAX_PAGE = 1000;
/** SageMaker's ListNotebookInstances and ListDomains: 100 items a page. */
export const SAGEMAKER_MAX_PAGE = 100;
/** Values of one DescribeSubnets filter. */
export const SUBNET_FILTER_VALUES = 200;
/** Values of one DescribeSecurityGroups filter. */
export const GROUP_FILTER_VALUES = 200;

/** An answer with a body (the bench's AWS always answers). */
export type WireReply = Exclude<WireAnswer, 'silent'>;

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * EC2's query protocol names a structure's members in lower camel case and wraps each list in an
 * element of its own name (`Tags` is `<tagSet><item>`), as its `ec2QueryName` traits say.
 */
const EC2_LIST_NAMES: Record<string, string> = {
  Tags: 'tagSet',
  SubnetIds: 'subnetIdSet',
  Groups: 'groupSet',
  IpPermissions: 'ipPermissions',
  IpRanges: 'ipRanges',
};

function ec2Members(value: object): string {
  return Object.entries(value)
    .filter(([, member]) => member !== undefined)
    .map(([key, member]) => {
      if (Array.isArray(member)) {
        const name = EC2_LIST_NAMES[key];
        if (name === undefined) throw new Error(`bench world: no EC2 list element name for ${key}`);
        return `<${name}>${member.map((item) => `<item>${ec2Value(item)}</item>`).join('')}</${name}>`;
      }
      const name = `${key.charAt(0).toLowerCase()}${key.slice(1)}`;
      return `<${name}>${ec2Value(member)}</${name}>`;
    })
    .join('');
}

const ec2Value = (value: unknown): string =>
  typeof value === 'object' && value !== null ? ec2Members(value) : escapeXml(String(value));

/** IAM's awsQuery protocol keeps the member names and lists each item as `<member>`. */
function queryMembers(value: object): string {
  return Object.entries(value)
    .filter(([, member]) => member !== undefined)
    .map(([key, member]) => `<${key}>${queryValue(member)}</${key}>`)
    .join('');
}

function queryValue(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<member>${queryValue(item)}</member>`).join('');
  return typeof value === 'object' && value !== null ? queryMembers(value) : escapeXml(String(value));
}

/** One page of `items` from `token` (an offset), of at most `limit` or the request's own size. */
function page<T>(items: readonly T[], token: string | undefined, asked: number | undefined, limit: number) {
  const start = token ? Number(token) : 0;
  const end = start + Math.min(asked ?? limit, limit);
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

/** The values of the EC2 query filter named `name` (`Filter.1.Name=…`, `Filter.1.Value.1=…`). */
function filterValues(params: URLSearchParams, name: string): string[] | undefined {
  for (const [key, value] of params) {
    const index = /^Filter\.(\d+)\.Name$/.exec(key)?.[1];
    if (index !== undefined && value === name) {
      return [...params].filter(([k]) => k.startsWith(`Filter.${index}.Value.`)).map(([, v]) => v);
    }
  }
  return undefined;
}

const numberParam = (params: URLSearchParams, name: string) => {
  const value = params.get(name);
  return value === null ? undefined : Number(value);
};

const nextToken = (next: string | undefined) => (next ? `<nextToken>${next}</nextToken>` : '');

/** A VPC's DNS hostnames attribute: off for a tenth of them, so the DNS rule has failures to find. */
const hostnamesOn = (vpcId: string) => Number.parseInt(vpcId.slice(-2), 16) % 10 !== 0;

/** The EC2 answer bodies of one listing's pages, as the wire carries them (for the lower bound). */
export function ec2ListingPages(region: SyntheticRegion, action: ListingAction): string[] {
  const pages: string[] = [];
  let token: string | undefined;
  do {
    const params = new URLSearchParams({ Action: action, MaxResults: String(EC2_MAX_PAGE) });
    if (token) params.set('NextToken', token);
    const { body, next } = ec2Listing(region, action, params);
    pages.push(body);
    token = next;
  } while (token);
  return pages;
}

type ListingAction = 'DescribeVpcEndpointServices' | 'DescribeVpcs' | 'DescribeVpcEndpoints';

function ec2Listing(region: SyntheticRegion, action: ListingAction, params: URLSearchParams) {
  const token = params.get('NextToken') ?? undefined;
  const asked = numberParam(params, 'MaxResults');
  if (action === 'DescribeVpcEndpointServices') {
    const { items, next } = page(region.serviceNames, token, asked, EC2_MAX_PAGE);
    const names = items.map((name) => `<item>${name}</item>`).join('');
    return { body: ec2Xml(action, `<serviceNameSet>${names}</serviceNameSet>${nextToken(next)}`), next };
  }
  if (action === 'DescribeVpcs') {
    const { items, next } = page(region.vpcs, token, asked, EC2_MAX_PAGE);
    const vpcs = items.map((vpc) => `<item>${ec2Members(vpc)}</item>`).join('');
    return { body: ec2Xml(action, `<vpcSet>${vpcs}</vpcSet>${nextToken(next)}`), next };
  }
  const names = filterValues(params, 'service-name');
  const matching = region.endpoints.filter(
    (endpoint) => names === undefined || names.includes(endpoint.ServiceName ?? ''),
  );
  const { items, next } = page(matching, token, asked, EC2_MAX_PAGE);
  const endpoints = items.map((endpoint) => `<item>${ec2Members(endpoint)}</item>`).join('');
  return { body: ec2Xml(action, `<vpcEndpointSet>${endpoints}</vpcEndpointSet>${nextToken(next)}`), next };
}

function ec2Answer(region: SyntheticRegion, call: WireCall): string | undefined {
  const { action, params } = call;
  switch (action) {
    case 'DescribeRegions': {
      const regions = REGIONS.map(
        (RegionName) => `<item>${ec2Members({ RegionName, OptInStatus: 'opt-in-not-required' })}</item>`,
      );
      return ec2Xml(action, `<regionInfo>${regions.join('')}</regionInfo>`);
    }
    case 'DescribeVpcEndpointServices':
    case 'DescribeVpcs':
    case 'DescribeVpcEndpoints':
      return ec2Listing(region, action, params).body;
    case 'DescribeSubnets': {
      const ids = new Set(filterValues(params, 'subnet-id') ?? []);
      const matching = region.subnets.filter((subnet) => ids.has(subnet.SubnetId ?? ''));
      const { items, next } = page(matching, params.get('NextToken') ?? undefined, undefined, EC2_MAX_PAGE);
      const subnets = items.map((subnet) => `<item>${ec2Members(subnet)}</item>`).join('');
      return ec2Xml(action, `<subnetSet>${subnets}</subnetSet>${nextToken(next)}`);
    }
    case 'DescribeSecurityGroups': {
      const ids = filterValues(params, 'group-id') ?? [];
      const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8' }] };
      const groups = ids.map(
        (GroupId) => `<item>${ec2Members({ GroupId, OwnerId: ACCOUNT_ID, IpPermissions: [https] })}</item>`,
      );
      return ec2Xml(action, `<securityGroupInfo>${groups.join('')}</securityGroupInfo>`);
    }
    case 'DescribeVpcAttribute': {
      const vpcId = params.get('VpcId') ?? '';
      const attribute = params.get('Attribute') ?? '';
      const value = attribute === 'enableDnsHostnames' ? hostnamesOn(vpcId) : true;
      return ec2Xml(action, `<vpcId>${vpcId}</vpcId><${attribute}><value>${value}</value></${attribute}>`);
    }
    default:
      return undefined;
  }
}

type IamEntry = { key: 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'; item: object };

function iamEntries(account: SyntheticAccount): IamEntry[] {
  return [
    ...account.iam.users.map((item) => ({ key: 'UserDetailList' as const, item })),
    ...account.iam.groups.map((item) => ({ key: 'GroupDetailList' as const, item })),
    ...account.iam.roles.map((item) => ({ key: 'RoleDetailList' as const, item })),
    ...account.iam.policies.map((item) => ({ key: 'Policies' as const, item })),
  ];
}

/** One `GetAccountAuthorizationDetails` page: the four lists, `IsTruncated` and the next `Marker`. */
function authorizationDetailsPage(entries: readonly IamEntry[], marker: string | undefined, asked?: number) {
  const { items, next } = page(entries, marker, asked, IAM_MAX_PAGE);
  const lists = (['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const).map(
    (key) =>
      `<${key}>${items
        .filter((entry) => entry.key === key)
        .map((entry) => `<member>${queryMembers(entry.item)}</member>`)
        .join('')}</${key}>`,
  );
  const more =
    next !== undefined
      ? `<IsTruncated>true</IsTruncated><Marker>${next}</Marker>`
      : '<IsTruncated>false</IsTruncated>';
  return { body: queryXml('GetAccountAuthorizationDetails', IAM_XMLNS, `${more}${lists.join('')}`), next };
}

/** Every `GetAccountAuthorizationDetails` page body of the account, in order. */
export function authorizationDetailsPages(account: SyntheticAccount): string[] {
  const entries = iamEntries(account);
  const pages: string[] = [];
  let marker: string | undefined;
  do {
    const { body, next } = authorizationDetailsPage(entries, marker);
    pages.push(body);
    marker = next;
  } while (marker);
  return pages;
}

/** The SageMaker listing pages of a region (`NotebookInstances` or `Domains` summaries). */
function sageMakerListing(
  region: SyntheticRegion,
  action: string,
  token: string | undefined,
  asked?: number,
) {
  if (action === 'ListNotebookInstances') {
    const { items, next } = page(region.notebooks, token, asked, SAGEMAKER_MAX_PAGE);
    const NotebookInstances = items.map(
      ({ NotebookInstanceName, NotebookInstanceArn, NotebookInstanceStatus }) => ({
        NotebookInstanceName,
        NotebookInstanceArn,
        NotebookInstanceStatus,
      }),
    );
    return { body: JSON.stringify({ NotebookInstances, NextToken: next }), next };
  }
  const { items, next } = page(region.domains, token, asked, SAGEMAKER_MAX_PAGE);
  const Domains = items.map(({ DomainId, DomainArn, DomainName }) => ({ DomainId, DomainArn, DomainName }));
  return { body: JSON.stringify({ Domains, NextToken: next }), next };
}

/** Every page body of one SageMaker listing of a region, in order. */
export function sageMakerListingPages(
  region: SyntheticRegion,
  action: 'ListNotebookInstances' | 'ListDomains',
) {
  const pages: string[] = [];
  let token: string | undefined;
  do {
    const { body, next } = sageMakerListing(region, action, token);
    pages.push(body);
    token = next;
  } while (token);
  return pages;
}

function sageMakerAnswer(region: SyntheticRegion, call: WireCall): string | undefined {
  const input = call.json ?? {};
  const asked = typeof input.MaxResults === 'number' ? input.MaxResults : undefined;
  const token = typeof input.NextToken === 'string' ? input.NextToken : undefined;
  if (call.action === 'ListNotebookInstances' || call.action === 'ListDomains') {
    return sageMakerListing(region, call.action, token, asked).body;
  }
  if (call.action === 'DescribeNotebookInstance') {
    const notebook = region.notebooks.find((n) => n.NotebookInstanceName === input.NotebookInstanceName);
    return notebook ? JSON.stringify(notebook) : undefined;
  }
  if (call.action === 'DescribeDomain') {
    const domain = region.domains.find((d) => d.DomainId === input.DomainId);
    return domain ? JSON.stringify(domain) : undefined;
  }
  return undefined;
}

/**
 * The synthetic account as AWS's wire protocols answer it, before throttling and latency: EC2
 * query XML, IAM and STS awsQuery XML, SageMaker awsJson1_1, with AWS's page sizes. A call it has no
 * answer for gets HTTP 400 naming it, so a new call of the collector shows as ERROR results, not
 * as a hang.
 */
export function worldAnswer(account: SyntheticAccount): (call: WireCall) => WireReply {
  const entries = iamEntries(account);
  return (call) => {
    const region = account.regions[call.region];
    let body: string | undefined;
    if (call.service === 'sts' && call.action === 'GetCallerIdentity') {
      body = queryXml(
        'GetCallerIdentity',
        STS_XMLNS,
        `<Arn>arn:aws:sts::${ACCOUNT_ID}:assumed-role/scanner/bench</Arn><UserId>AROA:bench</UserId><Account>${ACCOUNT_ID}</Account>`,
      );
    } else if (call.service === 'iam' && call.action === 'ListAccountAliases') {
      body = queryXml(
        'ListAccountAliases',
        IAM_XMLNS,
        '<IsTruncated>false</IsTruncated><AccountAliases><member>bench</member></AccountAliases>',
      );
    } else if (call.service === 'iam' && call.action === 'GetAccountAuthorizationDetails') {
      const asked = numberParam(call.params, 'MaxItems');
      body = authorizationDetailsPage(entries, call.params.get('Marker') ?? undefined, asked).body;
    } else if (call.service === 'organizations' && call.action === 'DescribeOrganization') {
      // A standalone account: no SCP applies to it.
      const notInUse = { __type: 'AWSOrganizationsNotInUseException', Message: 'not in an organization' };
      return { status: 400, body: JSON.stringify(notInUse), contentType: AWS_JSON_1_1 };
    } else if (call.service === 'ec2' && region) {
      body = ec2Answer(region, call);
    } else if (call.service === 'sagemaker' && region) {
      const json = sageMakerAnswer(region, call);
      if (json !== undefined) return { body: json, contentType: AWS_JSON_1_1 };
    }
    if (body === undefined) {
      return {
        status: 400,
        body: `bench world: no answer for ${call.service}:${call.action} in "${call.region}"`,
      };
    }
    return { body };
  };
}

/** Each service's throttling answer, in its own wire format. */
export function throttledAnswer(service: string): WireReply {
  const requestId = '00000000-0000-0000-0000-000000000000';
  if (service === 'ec2') {
    return {
      status: 503,
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    };
  }
  if (service === 'sagemaker') {
    return {
      status: 400,
      contentType: AWS_JSON_1_1,
      body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
    };
  }
  return {
    status: 400,
    body: `<ErrorResponse xmlns="${IAM_XMLNS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** The bucket a wire call draws from. */
export function bucketOfCall(call: WireCall): BucketChoice | undefined {
  const json = call.json ?? {};
  const shape: RequestShape = {
    account: ACCOUNT_ID,
    region: call.region,
    service: call.service as RequestShape['service'],
    action: call.action,
    filtered: [...call.params.keys()].some((key) => key.startsWith('Filter.')) || 'Filters' in json,
    paginated: call.params.has('MaxResults') || call.params.has('NextToken') || 'MaxResults' in json,
  };
  return bucketOf(shape);
}

/** What the modelled AWS saw: every HTTP attempt (retries included) and the throttled ones, by operation. */
export interface WireStats {
  attempts: Record<string, number>;
  throttled: Record<string, number>;
}

export interface ModelledAws {
  answer: (call: WireCall) => Promise<WireReply>;
  stats: () => WireStats;
}

export interface ModelOptions {
  latency?: LatencyModel;
  /** The bucket of each call (default: {@link bucketOfCall}), e.g. a tiny one in a test. */
  bucket?: (call: WireCall) => BucketChoice | undefined;
  /** Milliseconds, read once per request when it arrives (default: `performance.now`). */
  now?: () => number;
}

const count = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * AWS as the bench models it: the world's answers, after the latency their size implies, unless
 * the request's bucket is empty when it arrives: then the service's throttling error, after the
 * fixed latency only.
 */
export function modelledAws(world: (call: WireCall) => WireReply, options: ModelOptions = {}): ModelledAws {
  const latency = options.latency ?? DEFAULT_LATENCY;
  const now = options.now ?? (() => performance.now());
  const chooseBucket = options.bucket ?? bucketOfCall;
  const buckets = new Map<string, TokenBucket>();
  const attempts: Record<string, number> = {};
  const throttled: Record<string, number> = {};
  return {
    stats: () => ({ attempts: { ...attempts }, throttled: { ...throttled } }),
    answer: async (call) => {
      const operation = `${call.service}:${call.action}`;
      count(attempts, operation);
      const arrivedMs = now();
      const choice = chooseBucket(call);
      let bucket = choice ? buckets.get(choice.key) : undefined;
      if (choice && !bucket) {
        bucket = new TokenBucket(choice.limit, arrivedMs);
        buckets.set(choice.key, bucket);
      }
      const admitted = bucket === undefined || bucket.take(arrivedMs);
      if (!admitted) count(throttled, operation);
      const reply = admitted ? world(call) : throttledAnswer(call.service);
      await new Promise((resolve) => setTimeout(resolve, latencyMs(latency, Buffer.byteLength(reply.body))));
      return reply;
    },
  };
}

/**
 * The requests the fewest-call scan of this account makes, per bucket, with each request's latency
 * under `latency`: the listings as chains of their pages' real bodies, every other call at the
 * fixed latency (the floor of any answer). See {@link minimumCalls} for which calls those are.
 */
export function minimumLoads(
  account: SyntheticAccount,
  needs: ReadonlySet<InventorySection>,
  latency: LatencyModel = DEFAULT_LATENCY,
): BucketLoad[] {
  const loads = new Map<string, BucketLoad>();
  const floor = latency.baseMs;
  const shapeOf = (service: RequestShape['service'], region: string, action: string): RequestShape => ({
    account: ACCOUNT_ID,
    region,
    service,
    action,
    // The scanner filters DescribeSecurityGroups by group id, and pages every listing.
    filtered: true,
    paginated: true,
  });
  const loadOf = (shape: RequestShape) => {
    const choice = bucketOf(shape);
    if (!choice) return undefined;
    const existing = loads.get(choice.key);
    if (existing) return existing;
    const created: BucketLoad = { key: choice.key, limit: choice.limit, latenciesMs: [], chains: [] };
    loads.set(choice.key, created);
    return created;
  };
  const chain = (shape: RequestShape, bodies: string[]) =>
    loadOf(shape)?.chains.push(bodies.map((body) => latencyMs(latency, Buffer.byteLength(body))));
  const single = (shape: RequestShape, calls: number) =>
    loadOf(shape)?.latenciesMs.push(...Array.from({ length: calls }, () => floor));

  const perRegion = minimumCallsByRegion(account, needs);
  const home = REGIONS[0] as string;
  for (const [operation, calls] of Object.entries(perRegion.account)) {
    const [service, action] = operation.split(':') as [RequestShape['service'], string];
    if (action === 'GetAccountAuthorizationDetails')
      chain(shapeOf(service, home, action), authorizationDetailsPages(account));
    else single(shapeOf(service, home, action), calls);
  }
  for (const [name, operations] of Object.entries(perRegion.regions)) {
    const region = account.regions[name] as SyntheticRegion;
    for (const [operation, calls] of Object.entries(operations)) {
      const [service, action] = operation.split(':') as [RequestShape['service'], string];
      const shape = shapeOf(service, name, action);
      if (
        action === 'DescribeVpcEndpointServices' ||
        action === 'DescribeVpcs' ||
        action === 'DescribeVpcEndpoints'
      ) {
        chain(shape, ec2ListingPages(region, action));
      } else if (action === 'ListNotebookInstances' || action === 'ListDomains') {
        chain(shape, sageMakerListingPages(region, action));
      } else single(shape, calls);
    }
  }
  return [...loads.values()];
}

/** The SageMaker endpoints whose security groups the securityGroups section reads. */
const REACHABLE_SERVICE =
  /\.sagemaker\.(?:api|runtime)(?:-fips)?$|^aws\.sagemaker\.[a-z0-9-]+\.(?:notebook|studio)$/;

/**
 * The fewest calls any scan of this account can make for the sections the rules need, account-wide
 * and per region: one identity call, one for the account's alias and one that finds it in no
 * Organization, then per region the pages of
 * each listing, one Describe per notebook and domain, the subnets they and the endpoints use 200 at
 * a time, two attribute reads per owned VPC holding a SageMaker endpoint or running a notebook or
 * domain, the SageMaker endpoints' security groups 200 at a time, and the pages of the IAM listing.
 */
export function minimumCallsByRegion(
  account: SyntheticAccount,
  needs: ReadonlySet<InventorySection>,
): { account: Record<string, number>; regions: Record<string, Record<string, number>> } {
  const pages = (count: number, size: number) => Math.max(1, Math.ceil(count / size));
  const accountCalls: Record<string, number> = { 'iam:ListAccountAliases': 1, 'sts:GetCallerIdentity': 1 };
  if (needs.has('organization')) accountCalls['organizations:DescribeOrganization'] = 1;
  if (needs.has('iam')) {
    const { users, groups, roles, policies } = account.iam;
    accountCalls['iam:GetAccountAuthorizationDetails'] = pages(
      users.length + groups.length + roles.length + policies.length,
      IAM_MAX_PAGE,
    );
  }
  const regions: Record<string, Record<string, number>> = {};
  for (const [name, region] of Object.entries(account.regions)) {
    const calls: Record<string, number> = {};
    regions[name] = calls;
    const add = (operation: string, count: number) => {
      calls[operation] = (calls[operation] ?? 0) + count;
    };
    const owned = new Set(region.vpcs.filter((vpc) => vpc.OwnerId === ACCOUNT_ID).map((vpc) => vpc.VpcId));
    const holding = new Set(region.endpoints.filter((e) => owned.has(e.VpcId)).map((e) => e.VpcId));
    const subnetVpc = new Map(region.subnets.map((subnet) => [subnet.SubnetId, subnet.VpcId]));
    if (needs.has('sagemakerNotebooks') && needs.has('subnets')) {
      for (const notebook of region.notebooks) {
        const vpcId = subnetVpc.get(notebook.SubnetId);
        if (vpcId && owned.has(vpcId)) holding.add(vpcId);
      }
    }
    if (needs.has('sagemakerDomains')) {
      for (const domain of region.domains)
        if (domain.VpcId && owned.has(domain.VpcId)) holding.add(domain.VpcId);
    }
    if (needs.has('sagemakerNotebooks') || needs.has('subnets')) {
      add('sagemaker:ListNotebookInstances', pages(region.notebooks.length, SAGEMAKER_MAX_PAGE));
      add('sagemaker:DescribeNotebookInstance', region.notebooks.length);
    }
    if (needs.has('sagemakerDomains') || needs.has('subnets')) {
      add('sagemaker:ListDomains', pages(region.domains.length, SAGEMAKER_MAX_PAGE));
      add('sagemaker:DescribeDomain', region.domains.length);
    }
    if (needs.has('subnets')) {
      const used = new Set([
        ...region.endpoints.flatMap((endpoint) => endpoint.SubnetIds ?? []),
        ...region.notebooks.flatMap((notebook) => (notebook.SubnetId ? [notebook.SubnetId] : [])),
        ...region.domains.flatMap((domain) => domain.SubnetIds ?? []),
      ]);
      add('ec2:DescribeSubnets', Math.ceil(used.size / SUBNET_FILTER_VALUES));
    }
    const sageMakerRead = ['sagemakerNotebooks', 'sagemakerDomains', 'subnets'].some((section) =>
      needs.has(section as InventorySection),
    );
    if (needs.has('endpointServices') || sageMakerRead)
      add('ec2:DescribeVpcEndpointServices', pages(region.serviceNames.length, EC2_MAX_PAGE));
    if (needs.has('vpcs') || needs.has('vpcAttributes'))
      add('ec2:DescribeVpcs', pages(region.vpcs.length, EC2_MAX_PAGE));
    if (needs.has('vpcEndpoints') || needs.has('vpcAttributes') || needs.has('subnets')) {
      add('ec2:DescribeVpcEndpoints', pages(region.endpoints.length, EC2_MAX_PAGE));
    }
    if (needs.has('vpcAttributes')) add('ec2:DescribeVpcAttribute', 2 * holding.size);
    if (needs.has('securityGroups')) {
      const groups = new Set(
        region.endpoints
          .filter((endpoint) => REACHABLE_SERVICE.test(endpoint.ServiceName ?? ''))
          .flatMap((endpoint) => (endpoint.Groups ?? []).map((group) => group.GroupId)),
      );
      add('ec2:DescribeSecurityGroups', Math.ceil(groups.size / GROUP_FILTER_VALUES));
    }
  }
  return { account: accountCalls, regions };
}

/** {@link minimumCallsByRegion} summed by operation, as the client's call counter reports them. */
export function minimumCalls(
  account: SyntheticAccount,
  needs: ReadonlySet<InventorySection>,
): Record<string, number> {
  const { account: accountCalls, regions } = minimumCallsByRegion(account, needs);
  const calls: Record<string, number> = { ...accountCalls };
  for (const operations of Object.values(regions)) {
    for (const [operation, count] of Object.entries(operations))
      calls[operation] = (calls[operation] ?? 0) + count;
  }
  return Object.fromEntries(Object.entries(calls).sort(([a], [b]) => a.localeCompare(b)));
}
