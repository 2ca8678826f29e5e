import type {
  DescribeVpcAttributeCommandInput,
  DescribeVpcEndpointServicesCommandInput,
  DescribeVpcEndpointsCommandInput,
  DescribeVpcsCommandInput,
} from '@aws-sdk/client-ec2';
import type { GetAccountAuthorizationDetailsCommandInput } from '@aws-sdk/client-iam';
import type { AwsClients } from '../src/collect/clients.ts';
import type { InventorySection } from '../src/model/inventory.ts';
import { type Responder, serveFromResponders } from '../test/support/aws-faults.ts';
import { ACCOUNT_ID, REGIONS, type SyntheticAccount } from './synthetic.ts';

/** The largest pages AWS serves: EC2 Describe* 1,000 items, IAM GetAccountAuthorizationDetails 1,000 items. */
export const EC2_MAX_PAGE = 1000;
export const IAM_MAX_PAGE = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function page<T>(items: T[], token: string | undefined, maxResults: number | undefined, limit: number) {
  const start = token ? Number(token) : 0;
  const size = Math.min(maxResults ?? limit, limit);
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

type IamItem =
  | { kind: 'UserDetailList'; item: unknown }
  | { kind: 'GroupDetailList'; item: unknown }
  | { kind: 'RoleDetailList'; item: unknown }
  | { kind: 'Policies'; item: unknown };

/** A responder for one operation's input type (the responders receive the command input as is). */
function answering<Input>(answer: (input: Input) => Promise<unknown>): Responder {
  return (input) => answer(input as Input);
}

/**
 * Serves a synthetic account to `clients` beneath their middleware (where calls are counted and
 * answers checked) with AWS's page sizes and a latency per call, so that wall time reflects round
 * trips.
 */
export function serveAccount(account: SyntheticAccount, latencyMs: number, clients: AwsClients): void {
  const home = REGIONS[0] as string;
  serveFromResponders(clients.sts(home), {
    GetCallerIdentity: async () => {
      await sleep(latencyMs);
      return {
        Account: ACCOUNT_ID,
        Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/scanner/bench`,
        UserId: 'AROA:bench',
      };
    },
  });
  for (const name of REGIONS) {
    const region = account.regions[name];
    serveFromResponders(clients.ec2(name), {
      DescribeRegions: async () => {
        await sleep(latencyMs);
        return { Regions: REGIONS.map((RegionName) => ({ RegionName, OptInStatus: 'opt-in-not-required' })) };
      },
      DescribeVpcEndpointServices: answering(async (input: DescribeVpcEndpointServicesCommandInput) => {
        await sleep(latencyMs);
        const { items, next } = page(
          region?.serviceNames ?? [],
          input.NextToken,
          input.MaxResults,
          EC2_MAX_PAGE,
        );
        return { ServiceNames: items, NextToken: next };
      }),
      DescribeVpcs: answering(async (input: DescribeVpcsCommandInput) => {
        await sleep(latencyMs);
        const { items, next } = page(region?.vpcs ?? [], input.NextToken, input.MaxResults, EC2_MAX_PAGE);
        return { Vpcs: items, NextToken: next };
      }),
      DescribeVpcEndpoints: answering(async (input: DescribeVpcEndpointsCommandInput) => {
        await sleep(latencyMs);
        const names = input.Filters?.find((filter) => filter.Name === 'service-name')?.Values;
        const matching = (region?.endpoints ?? []).filter(
          (endpoint) => names === undefined || names.includes(endpoint.ServiceName ?? ''),
        );
        const { items, next } = page(matching, input.NextToken, input.MaxResults, EC2_MAX_PAGE);
        return { VpcEndpoints: items, NextToken: next };
      }),
      DescribeVpcAttribute: answering(async (input: DescribeVpcAttributeCommandInput) => {
        await sleep(latencyMs);
        const off = Number.parseInt((input.VpcId ?? '').slice(-2), 16) % 10 === 0;
        return input.Attribute === 'enableDnsSupport'
          ? { VpcId: input.VpcId, EnableDnsSupport: { Value: true } }
          : { VpcId: input.VpcId, EnableDnsHostnames: { Value: !off } };
      }),
    });
  }
  const iamItems: IamItem[] = [
    ...account.iam.users.map((item) => ({ kind: 'UserDetailList' as const, item })),
    ...account.iam.groups.map((item) => ({ kind: 'GroupDetailList' as const, item })),
    ...account.iam.roles.map((item) => ({ kind: 'RoleDetailList' as const, item })),
    ...account.iam.policies.map((item) => ({ kind: 'Policies' as const, item })),
  ];
  serveFromResponders(clients.iam(home), {
    GetAccountAuthorizationDetails: answering(async (input: GetAccountAuthorizationDetailsCommandInput) => {
      await sleep(latencyMs);
      const { items, next } = page(iamItems, input.Marker, input.MaxItems, IAM_MAX_PAGE);
      const lists: Record<IamItem['kind'], unknown[]> = {
        UserDetailList: [],
        GroupDetailList: [],
        RoleDetailList: [],
        Policies: [],
      };
      for (const { kind, item } of items) lists[kind].push(item);
      return { ...lists, IsTruncated: next !== undefined, Marker: next };
    }),
  });
}

/**
 * The fewest calls any scan of this account can make for the sections the rules need: one identity
 * call, then per region the pages of each listing and two attribute reads per owned VPC holding a
 * SageMaker endpoint, and the pages of the IAM listing.
 */
export function minimumCalls(
  account: SyntheticAccount,
  needs: ReadonlySet<InventorySection>,
): Record<string, number> {
  const pages = (count: number, size: number) => Math.max(1, Math.ceil(count / size));
  const calls: Record<string, number> = { 'sts:GetCallerIdentity': 1 };
  const add = (operation: string, count: number) => {
    calls[operation] = (calls[operation] ?? 0) + count;
  };
  if (needs.has('iam')) {
    const { users, groups, roles, policies } = account.iam;
    add(
      'iam:GetAccountAuthorizationDetails',
      pages(users.length + groups.length + roles.length + policies.length, IAM_MAX_PAGE),
    );
  }
  for (const region of Object.values(account.regions)) {
    const owned = new Set(region.vpcs.filter((vpc) => vpc.OwnerId === ACCOUNT_ID).map((vpc) => vpc.VpcId));
    const holding = new Set(region.endpoints.filter((e) => owned.has(e.VpcId)).map((e) => e.VpcId));
    if (needs.has('endpointServices'))
      add('ec2:DescribeVpcEndpointServices', pages(region.serviceNames.length, EC2_MAX_PAGE));
    if (needs.has('vpcs') || needs.has('vpcAttributes'))
      add('ec2:DescribeVpcs', pages(region.vpcs.length, EC2_MAX_PAGE));
    if (needs.has('vpcEndpoints') || needs.has('vpcAttributes')) {
      add('ec2:DescribeVpcEndpoints', pages(region.endpoints.length, EC2_MAX_PAGE));
    }
    if (needs.has('vpcAttributes')) add('ec2:DescribeVpcAttribute', 2 * holding.size);
  }
  return Object.fromEntries(Object.entries(calls).sort(([a], [b]) => a.localeCompare(b)));
}
