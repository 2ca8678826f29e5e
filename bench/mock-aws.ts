import {
  DescribeRegionsCommand,
  DescribeVpcAttributeCommand,
  type DescribeVpcAttributeCommandInput,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  type DescribeVpcEndpointsCommandInput,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandInput,
  IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { InventorySection } from '../src/model/inventory.ts';
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

/**
 * The calling client's region. aws-sdk-client-mock answers `getClient()` with the client of the
 * latest call, so it must be asked before the first await.
 */
async function regionOf(getClient: () => { config: { region: unknown } }): Promise<string> {
  const region = getClient().config.region;
  return typeof region === 'function' ? await region() : String(region);
}

type IamItem =
  | { kind: 'UserDetailList'; item: unknown }
  | { kind: 'GroupDetailList'; item: unknown }
  | { kind: 'RoleDetailList'; item: unknown }
  | { kind: 'Policies'; item: unknown };

/**
 * Serves a synthetic account through aws-sdk-client-mock with AWS's page sizes and a latency per
 * call, so that wall time reflects round trips. Returns a function that removes the mocks.
 */
export function serveAccount(account: SyntheticAccount, latencyMs: number): () => void {
  const ec2 = mockClient(EC2Client);
  const iam = mockClient(IAMClient);
  const sts = mockClient(STSClient);
  sts.on(GetCallerIdentityCommand).callsFake(async () => {
    await sleep(latencyMs);
    return {
      Account: ACCOUNT_ID,
      Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/scanner/bench`,
      UserId: 'AROA:bench',
    };
  });
  ec2.on(DescribeRegionsCommand).callsFake(async () => {
    await sleep(latencyMs);
    return { Regions: REGIONS.map((RegionName) => ({ RegionName, OptInStatus: 'opt-in-not-required' })) };
  });
  ec2.on(DescribeVpcEndpointServicesCommand).callsFake(async (input, getClient) => {
    const region = account.regions[await regionOf(getClient)];
    await sleep(latencyMs);
    const { items, next } = page(region?.serviceNames ?? [], input.NextToken, input.MaxResults, EC2_MAX_PAGE);
    return { ServiceNames: items, NextToken: next };
  });
  ec2.on(DescribeVpcsCommand).callsFake(async (input, getClient) => {
    const region = account.regions[await regionOf(getClient)];
    await sleep(latencyMs);
    const { items, next } = page(region?.vpcs ?? [], input.NextToken, input.MaxResults, EC2_MAX_PAGE);
    return { Vpcs: items, NextToken: next };
  });
  ec2
    .on(DescribeVpcEndpointsCommand)
    .callsFake(async (input: DescribeVpcEndpointsCommandInput, getClient) => {
      const region = account.regions[await regionOf(getClient)];
      await sleep(latencyMs);
      const names = input.Filters?.find((filter) => filter.Name === 'service-name')?.Values;
      const matching = (region?.endpoints ?? []).filter(
        (endpoint) => names === undefined || names.includes(endpoint.ServiceName ?? ''),
      );
      const { items, next } = page(matching, input.NextToken, input.MaxResults, EC2_MAX_PAGE);
      return { VpcEndpoints: items, NextToken: next };
    });
  ec2.on(DescribeVpcAttributeCommand).callsFake(async (input: DescribeVpcAttributeCommandInput) => {
    await sleep(latencyMs);
    const off = Number.parseInt((input.VpcId ?? '').slice(-2), 16) % 10 === 0;
    return input.Attribute === 'enableDnsSupport'
      ? { VpcId: input.VpcId, EnableDnsSupport: { Value: true } }
      : { VpcId: input.VpcId, EnableDnsHostnames: { Value: !off } };
  });
  const iamItems: IamItem[] = [
    ...account.iam.users.map((item) => ({ kind: 'UserDetailList' as const, item })),
    ...account.iam.groups.map((item) => ({ kind: 'GroupDetailList' as const, item })),
    ...account.iam.roles.map((item) => ({ kind: 'RoleDetailList' as const, item })),
    ...account.iam.policies.map((item) => ({ kind: 'Policies' as const, item })),
  ];
  iam
    .on(GetAccountAuthorizationDetailsCommand)
    .callsFake(async (input: GetAccountAuthorizationDetailsCommandInput) => {
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
    });
  return () => {
    ec2.restore();
    iam.restore();
    sts.restore();
  };
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
