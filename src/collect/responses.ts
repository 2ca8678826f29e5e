/**
 * What every successful answer of an operation carries. An inspecting proxy or a captive portal can
 * answer HTTP 200 with an empty body or an HTML page; the SDK's deserializers then hand over an
 * output without its fields, which must never read as "no resources".
 */
export class IncompleteResponseError extends Error {
  override readonly name = 'IncompleteResponse';
}

type FieldKind = 'list' | 'string' | 'boolean';

export interface ResponseContract {
  /** Field (dotted path) → its kind, for the request `input`: AWS always sends these, even when empty. */
  fields: (input: Record<string, unknown>) => Record<string, FieldKind>;
  /** Lists that are never empty in a real answer. */
  nonEmpty?: readonly string[];
  /** A list whose pages, put together, always hold one of these names in the region listed. */
  wholeListing?: { field: string; includesOneOf: (region: string) => string[] };
}

/**
 * Service names that every region's `DescribeVpcEndpointServices` listing holds: the S3 gateway
 * endpoint exists in every region (moto lists it too). China regions name some services
 * `cn.com.amazonaws.…`, so either prefix counts.
 */
function anchorServiceNames(region: string): string[] {
  return [`com.amazonaws.${region}.s3`, `cn.com.amazonaws.${region}.s3`];
}

/** DescribeVpcAttribute answers the one attribute asked for, under its capitalised name. */
function askedAttribute(input: Record<string, unknown>): string {
  const attribute = String(input.Attribute ?? '');
  return `${attribute.charAt(0).toUpperCase()}${attribute.slice(1)}.Value`;
}

/**
 * Every operation the collectors call, by `service:Operation` as the call counter names it. An
 * operation missing here fails its call: a new collector cannot skip declaring its answers.
 */
export const RESPONSE_CONTRACTS: Readonly<Record<string, ResponseContract>> = {
  'sts:GetCallerIdentity': { fields: () => ({ Account: 'string', Arn: 'string', UserId: 'string' }) },
  // With AllRegions=false the answer holds at least the region the request went to.
  'ec2:DescribeRegions': { fields: () => ({ Regions: 'list' }), nonEmpty: ['Regions'] },
  'ec2:DescribeVpcs': { fields: () => ({ Vpcs: 'list' }) },
  'ec2:DescribeVpcEndpoints': { fields: () => ({ VpcEndpoints: 'list' }) },
  'ec2:DescribeVpcEndpointServices': {
    fields: () => ({ ServiceNames: 'list' }),
    wholeListing: { field: 'ServiceNames', includesOneOf: anchorServiceNames },
  },
  'ec2:DescribeVpcAttribute': {
    fields: (input) => ({ VpcId: 'string', [askedAttribute(input)]: 'boolean' }),
  },
  'ec2:DescribeSubnets': { fields: () => ({ Subnets: 'list' }) },
  'sagemaker:ListNotebookInstances': { fields: () => ({ NotebookInstances: 'list' }) },
  'sagemaker:DescribeNotebookInstance': {
    fields: () => ({
      NotebookInstanceArn: 'string',
      NotebookInstanceName: 'string',
      NotebookInstanceStatus: 'string',
    }),
  },
  'sagemaker:ListDomains': { fields: () => ({ Domains: 'list' }) },
  'sagemaker:DescribeDomain': { fields: () => ({ DomainId: 'string', DomainArn: 'string' }) },
  'organizations:DescribeOrganization': {
    fields: () => ({ 'Organization.Id': 'string', 'Organization.MasterAccountId': 'string' }),
  },
  // Organizations may answer a page with no items and a NextToken: whole listings are checked by the reader.
  'organizations:ListRoots': { fields: () => ({ Roots: 'list' }) },
  'organizations:ListParents': { fields: () => ({ Parents: 'list' }) },
  'organizations:ListPoliciesForTarget': { fields: () => ({ Policies: 'list' }) },
  'organizations:DescribePolicy': {
    fields: () => ({ 'Policy.Content': 'string', 'Policy.PolicySummary.Id': 'string' }),
  },
  'organizations:ListAccounts': { fields: () => ({ Accounts: 'list' }) },
  'organizations:ListAccountsForParent': { fields: () => ({ Accounts: 'list' }) },
  'organizations:ListChildren': { fields: () => ({ Children: 'list' }) },
  'iam:GetAccountAuthorizationDetails': {
    fields: () => ({
      UserDetailList: 'list',
      GroupDetailList: 'list',
      RoleDetailList: 'list',
      Policies: 'list',
      IsTruncated: 'boolean',
    }),
  },
};

function valueAt(output: unknown, path: string): unknown {
  let value: unknown = output;
  for (const key of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  return kind === 'list' ? Array.isArray(value) : typeof value === kind;
}

/**
 * Throws an {@link IncompleteResponseError} naming the operation and what its answer lacks.
 *
 * @example checkResponse('ec2:DescribeVpcs', {}, {}) // throws: DescribeVpcs answered without Vpcs …
 */
export function checkResponse(operation: string, input: Record<string, unknown>, output: unknown): void {
  const name = operation.slice(operation.indexOf(':') + 1);
  const contract = RESPONSE_CONTRACTS[operation];
  if (contract === undefined) {
    throw new IncompleteResponseError(`${name} has no declared response contract (src/collect/responses.ts)`);
  }
  const missing = Object.entries(contract.fields(input))
    .filter(([path, kind]) => !hasKind(valueAt(output, path), kind))
    .map(([path, kind]) => `${path} (${kind})`);
  const empty = (contract.nonEmpty ?? []).filter(
    (path) => Array.isArray(valueAt(output, path)) && (valueAt(output, path) as unknown[]).length === 0,
  );
  const problems = [
    ...(missing.length > 0 ? [`without ${missing.join(', ')}`] : []),
    ...(empty.length > 0 ? [`with an empty ${empty.join(', ')}`] : []),
  ];
  if (problems.length > 0) {
    throw new IncompleteResponseError(
      `${name} answered ${problems.join(' and ')}, which AWS always sends: not an AWS answer (an empty body, or a proxy or captive portal page?)`,
    );
  }
}

/**
 * Checks a listing put together from all its pages against its operation's `wholeListing`.
 *
 * @example checkListing('ec2:DescribeVpcEndpointServices', 'eu-west-1', names)
 */
export function checkListing(operation: string, region: string, items: readonly string[]): void {
  const rule = RESPONSE_CONTRACTS[operation]?.wholeListing;
  if (rule === undefined) return;
  const expected = rule.includesOneOf(region);
  if (!items.some((item) => expected.includes(item))) {
    const name = operation.slice(operation.indexOf(':') + 1);
    throw new IncompleteResponseError(
      `${name} listed ${items.length} ${rule.field} in ${region} but not ${expected[0]}, which every region has: not a whole AWS answer`,
    );
  }
}
