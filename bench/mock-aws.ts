import type {
  DescribeSubnetsCommandInput,
  DescribeVpcAttributeCommandInput,
  DescribeVpcEndpointServicesCommandInput,
  DescribeVpcEndpointsCommandInput,
  DescribeVpcsCommandInput,
} from '@aws-sdk/client-ec2';
import type { GetAccountAuthorizationDetailsCommandInput } from '@aws-sdk/client-iam';
import type {
  DescribeDomainCommandInput,
  DescribeNotebookInstanceCommandInput,
  ListDomainsCommandInput,
  ListNotebookInstancesCommandInput,
} from '@aws-sdk/client-sagemaker';
import type { AwsClients } from '../src/collect/clients.ts';
import type { InventorySection } from '../src/model/inventory.ts';
import { type Responder, serveFromResponders } from '../test/support/aws-faults.ts';
import { ACCOUNT_ID, REGIONS, type SyntheticAccount } from './synthetic.ts';

/** The largest pages AWS serves: EC2 Describe* 1,000 items, IAM GetAccountAuthorizationDetails 1,000 items. */
export const EC2_MAX_PAGE = 1000;
export const IAM_MAX_PAGE = 1000;
/** SageMaker's ListNotebookInstances and ListDomains: 100 items a page. */
export const SAGEMAKER_MAX_PAGE = 100;
/** Values of one DescribeSubnets filter. */
export const SUBNET_FILTER_VALUES = 200;

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
      DescribeSubnets: answering(async (input: DescribeSubnetsCommandInput) => {
        await sleep(latencyMs);
        const ids = new Set(input.Filters?.find((filter) => filter.Name === 'subnet-id')?.Values ?? []);
        const matching = (region?.subnets ?? []).filter((subnet) => ids.has(subnet.SubnetId ?? ''));
        const { items, next } = page(matching, input.NextToken, input.MaxResults, EC2_MAX_PAGE);
        return { Subnets: items, NextToken: next };
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
  for (const name of REGIONS) {
    const region = account.regions[name];
    serveFromResponders(clients.sagemaker(name), {
      ListNotebookInstances: answering(async (input: ListNotebookInstancesCommandInput) => {
        await sleep(latencyMs);
        const { items, next } = page(
          region?.notebooks ?? [],
          input.NextToken,
          input.MaxResults,
          SAGEMAKER_MAX_PAGE,
        );
        return {
          NotebookInstances: items.map(
            ({ NotebookInstanceName, NotebookInstanceArn, NotebookInstanceStatus }) => ({
              NotebookInstanceName,
              NotebookInstanceArn,
              NotebookInstanceStatus,
            }),
          ),
          NextToken: next,
        };
      }),
      DescribeNotebookInstance: answering(async (input: DescribeNotebookInstanceCommandInput) => {
        await sleep(latencyMs);
        return region?.notebooks.find(
          (notebook) => notebook.NotebookInstanceName === input.NotebookInstanceName,
        );
      }),
      ListDomains: answering(async (input: ListDomainsCommandInput) => {
        await sleep(latencyMs);
        const { items, next } = page(
          region?.domains ?? [],
          input.NextToken,
          input.MaxResults,
          SAGEMAKER_MAX_PAGE,
        );
        return {
          Domains: items.map(({ DomainId, DomainArn, DomainName }) => ({ DomainId, DomainArn, DomainName })),
          NextToken: next,
        };
      }),
      DescribeDomain: answering(async (input: DescribeDomainCommandInput) => {
        await sleep(latencyMs);
        return region?.domains.find((domain) => domain.DomainId === input.DomainId);
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
    ListAccountAliases: async () => {
      await sleep(latencyMs);
      return { AccountAliases: ['bench'], IsTruncated: false };
    },
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
 * call and one for the account's alias, then per region the pages of each listing, one Describe per notebook and domain, the
 * subnets they and the endpoints use 200 at a time, two attribute reads per owned VPC holding a
 * SageMaker endpoint or running a notebook or domain, and the pages of the IAM listing.
 */
export function minimumCalls(
  account: SyntheticAccount,
  needs: ReadonlySet<InventorySection>,
): Record<string, number> {
  const pages = (count: number, size: number) => Math.max(1, Math.ceil(count / size));
  const calls: Record<string, number> = { 'iam:ListAccountAliases': 1, 'sts:GetCallerIdentity': 1 };
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
  }
  return Object.fromEntries(Object.entries(calls).sort(([a], [b]) => a.localeCompare(b)));
}
