import { SECTIONS } from './sections/index.ts';

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
 * The answers of the calls a scan makes outside any section: who the caller is, which regions
 * are enabled, the account's alias, and which accounts of the Organization a multi-account scan
 * covers. Each section declares those of its own calls (`responses` in src/collect/sections).
 */
const SCAN_CONTRACTS: Readonly<Record<string, ResponseContract>> = {
  'sts:GetCallerIdentity': { fields: () => ({ Account: 'string', Arn: 'string', UserId: 'string' }) },
  // With AllRegions=false the answer holds at least the region the request went to.
  'ec2:DescribeRegions': { fields: () => ({ Regions: 'list' }), nonEmpty: ['Regions'] },
  'iam:ListAccountAliases': { fields: () => ({ AccountAliases: 'list' }) },
  'organizations:ListAccounts': { fields: () => ({ Accounts: 'list' }) },
  'organizations:ListAccountsForParent': { fields: () => ({ Accounts: 'list' }) },
  'organizations:ListChildren': { fields: () => ({ Children: 'list' }) },
};

let contracts: Readonly<Record<string, ResponseContract>> | undefined;

/**
 * Every operation the collectors call, by `service:Operation` as the call counter names it. An
 * operation missing here fails its call: a new collector cannot skip declaring its answers.
 */
export function responseContracts(): Readonly<Record<string, ResponseContract>> {
  // Put together on first use: the sections import this module, so SECTIONS is not there yet when it loads.
  const declared =
    contracts ??
    Object.fromEntries(
      [SCAN_CONTRACTS, ...SECTIONS.map((section) => section.responses)].flatMap((part) =>
        Object.entries(part),
      ),
    );
  contracts = declared;
  return declared;
}

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
  const contract = responseContracts()[operation];
  if (contract === undefined) {
    throw new IncompleteResponseError(
      `${name} has no declared response contract (src/collect/responses.ts or its section)`,
    );
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
  const rule = responseContracts()[operation]?.wholeListing;
  if (rule === undefined) return;
  const expected = rule.includesOneOf(region);
  if (!items.some((item) => expected.includes(item))) {
    const name = operation.slice(operation.indexOf(':') + 1);
    throw new IncompleteResponseError(
      `${name} listed ${items.length} ${rule.field} in ${region} but not ${expected[0]}, which every region has: not a whole AWS answer`,
    );
  }
}
