import {
  DescribeRegionsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointServicesCommand,
  type DescribeVpcEndpointsCommandOutput,
  type DescribeVpcsCommandOutput,
  type EC2Client,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
  type Vpc,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import pLimit from 'p-limit';
import type {
  CollectionError,
  InventorySection,
  RegionInventory,
  VpcDnsAttributes,
} from '../model/inventory.ts';
import { acceptedServiceNames, SAGEMAKER_ENDPOINT_KINDS } from '../rules/support.ts';
import { beforeDeadline, DeadlineExceededError, NOT_FINISHED } from './deadline.ts';
import { collectionError, plain } from './errors.ts';
import { distinctPages } from './pages.ts';
import { checkListing } from './responses.ts';

/** The largest page EC2's Describe* calls return. */
export const EC2_PAGE_SIZE = 1000;
/** DescribeVpcAttribute calls in flight per region. */
const ATTRIBUTE_CONCURRENCY = 8;

export interface RegionRequest {
  client: EC2Client;
  region: string;
  accountId: string;
  partition: string;
  needs: ReadonlySet<InventorySection>;
  /** When it aborts, the sections still being read become `DeadlineExceeded` errors. */
  deadline?: AbortSignal;
}

/**
 * `DescribeVpcEndpointServices` has no SDK paginator, and filtering by name either fails the whole
 * call (ServiceNames with one unknown name) or is broken in moto: list everything, page by page.
 */
async function* endpointServicePages(client: EC2Client) {
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeVpcEndpointServicesCommand({ MaxResults: EC2_PAGE_SIZE, NextToken }),
    );
    yield page;
    NextToken = page.NextToken || undefined;
  } while (NextToken !== undefined);
}

async function listSageMakerServiceNames(client: EC2Client, region: string): Promise<string[]> {
  const names: string[] = [];
  const pages = distinctPages(
    endpointServicePages(client),
    'DescribeVpcEndpointServices',
    (page) => page.NextToken,
    // A name may come twice (S3 offers a gateway and an interface service under one name), and
    // the names only tell which services exist: no resource can be judged twice from them.
    () => [],
  );
  for await (const page of pages) names.push(...(page.ServiceNames ?? []));
  checkListing('ec2:DescribeVpcEndpointServices', region, names);
  return names.filter((name) => name.includes('sagemaker')).sort();
}

async function listVpcs(client: EC2Client): Promise<Vpc[]> {
  const vpcs: Vpc[] = [];
  const pages = paginateDescribeVpcs({ client, pageSize: EC2_PAGE_SIZE }, {});
  const vpcIds = (page: DescribeVpcsCommandOutput) => (page.Vpcs ?? []).map((vpc) => vpc.VpcId);
  for await (const page of distinctPages(pages, 'DescribeVpcs', (p) => p.NextToken, vpcIds)) {
    vpcs.push(...(page.Vpcs ?? []));
  }
  return vpcs;
}

function requiredServiceNames(partition: string, region: string): string[] {
  return SAGEMAKER_ENDPOINT_KINDS.flatMap((kind) => acceptedServiceNames(partition, region, kind));
}

async function listSageMakerEndpoints(
  client: EC2Client,
  partition: string,
  region: string,
): Promise<VpcEndpoint[]> {
  const endpoints: VpcEndpoint[] = [];
  const paginator = paginateDescribeVpcEndpoints(
    { client, pageSize: EC2_PAGE_SIZE },
    { Filters: [{ Name: 'service-name', Values: requiredServiceNames(partition, region) }] },
  );
  const endpointIds = (page: DescribeVpcEndpointsCommandOutput) =>
    (page.VpcEndpoints ?? []).map((endpoint) => endpoint.VpcEndpointId);
  for await (const page of distinctPages(
    paginator,
    'DescribeVpcEndpoints',
    (p) => p.NextToken,
    endpointIds,
  )) {
    endpoints.push(...(page.VpcEndpoints ?? []));
  }
  return endpoints;
}

async function readDnsAttributes(
  client: EC2Client,
  vpcIds: string[],
): Promise<Record<string, VpcDnsAttributes>> {
  const limit = pLimit(ATTRIBUTE_CONCURRENCY);
  const entries = await Promise.all(
    vpcIds.map((VpcId) =>
      limit(async (): Promise<[string, VpcDnsAttributes]> => {
        const [support, hostnames] = await Promise.all([
          client.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: 'enableDnsSupport' })),
          client.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: 'enableDnsHostnames' })),
        ]);
        return [
          VpcId,
          {
            enableDnsSupport: support.EnableDnsSupport?.Value,
            enableDnsHostnames: hostnames.EnableDnsHostnames?.Value,
          },
        ];
      }),
    ),
  );
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Reads one region's EC2 sections. A section whose calls fail is left out and its error recorded,
 * so that the rules needing it report ERROR while the other sections and regions still count.
 */
export async function collectRegion(request: RegionRequest): Promise<RegionInventory> {
  const { client, region, partition, needs, deadline } = request;
  const inventory: RegionInventory = { region };
  const errors: CollectionError[] = [];
  // A section is stored only when its read finished in time: a read that loses the race with
  // the deadline may still settle later, and must not change an inventory already judged.
  const attempt = async <T>(section: InventorySection, read: () => Promise<T>, store: (value: T) => void) => {
    try {
      store(await beforeDeadline(read(), deadline));
    } catch (error) {
      // A request cancelled at the deadline may report its AbortError first.
      const cause = deadline?.aborted ? new DeadlineExceededError(NOT_FINISHED) : error;
      errors.push(collectionError(section, cause));
    }
  };
  await Promise.all([
    needs.has('endpointServices') &&
      attempt(
        'endpointServices',
        () => listSageMakerServiceNames(client, region),
        (names) => {
          inventory.endpointServices = names;
        },
      ),
    (needs.has('vpcs') || needs.has('vpcAttributes')) &&
      attempt(
        'vpcs',
        () => listVpcs(client),
        (vpcs) => {
          inventory.vpcs = plain(vpcs);
        },
      ),
    (needs.has('vpcEndpoints') || needs.has('vpcAttributes')) &&
      attempt(
        'vpcEndpoints',
        () => listSageMakerEndpoints(client, partition, region),
        (endpoints) => {
          inventory.vpcEndpoints = plain(endpoints);
        },
      ),
  ]);
  if (needs.has('vpcAttributes')) {
    if (inventory.vpcs === undefined || inventory.vpcEndpoints === undefined) {
      errors.push({
        section: 'vpcAttributes',
        code: 'DependencyFailed',
        message: 'not read because the VPCs or endpoints of the region could not be read',
      });
    } else {
      const ownedVpcIds = new Set(
        inventory.vpcs
          .filter((vpc) => vpc.OwnerId === undefined || vpc.OwnerId === request.accountId)
          .map((vpc) => vpc.VpcId),
      );
      const required = new Set(requiredServiceNames(partition, region));
      const holding = new Set<string>();
      for (const endpoint of inventory.vpcEndpoints) {
        if (endpoint.VpcId && ownedVpcIds.has(endpoint.VpcId) && required.has(endpoint.ServiceName ?? '')) {
          holding.add(endpoint.VpcId);
        }
      }
      await attempt(
        'vpcAttributes',
        () => readDnsAttributes(client, [...holding].sort()),
        (attributes) => {
          inventory.vpcAttributes = attributes;
        },
      );
    }
  }
  if (!needs.has('vpcs')) delete inventory.vpcs;
  if (!needs.has('vpcEndpoints')) delete inventory.vpcEndpoints;
  if (errors.length > 0) inventory.collectionErrors = errors;
  return inventory;
}

/** The regions enabled for the account (opt-in regions only once opted in). */
export async function listEnabledRegions(client: EC2Client): Promise<string[]> {
  const response = await client.send(new DescribeRegionsCommand({ AllRegions: false }));
  return (response.Regions ?? [])
    .map((region) => region.RegionName)
    .filter((name): name is string => typeof name === 'string')
    .sort();
}
