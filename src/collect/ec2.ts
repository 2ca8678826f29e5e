import {
  DescribeRegionsCommand,
  type DescribeSubnetsCommandOutput,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointServicesCommand,
  type DescribeVpcEndpointsCommandOutput,
  type DescribeVpcsCommandOutput,
  type EC2Client,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
  type Subnet,
  type Vpc,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import {
  type CollectionError,
  type InventorySection,
  REGION_SECTIONS,
  type RegionInventory,
  type RegionSection,
  type VpcDnsAttributes,
} from '../model/inventory.ts';
import {
  acceptedServiceNames,
  type EndpointKind,
  SAGEMAKER_ENDPOINT_KINDS,
  sageMakerOffered,
} from '../rules/support.ts';
import { beforeDeadline, DeadlineExceededError, NOT_FINISHED } from './deadline.ts';
import { collectionError, plain } from './errors.ts';
import { distinctPages } from './pages.ts';
import { checkListing } from './responses.ts';
import { readDomains, readNotebookInstances } from './sagemaker.ts';

/** The largest page EC2's Describe* calls return. */
export const EC2_PAGE_SIZE = 1000;
/** DescribeVpcAttribute calls in flight per region. */
const ATTRIBUTE_CONCURRENCY = 8;
/**
 * Subnet IDs per DescribeSubnets call, as values of one `subnet-id` filter (EC2 takes up to 200
 * values per filter). A filter, not the `SubnetIds` parameter: one ID that no longer exists makes
 * `SubnetIds` fail the whole call with InvalidSubnetID.NotFound, while a filter leaves it out, and
 * the rule then reports the one resource whose subnet could not be resolved as ERROR.
 */
export const SUBNET_IDS_PER_CALL = 200;
/**
 * The endpoints the rules read: SageMaker's API and runtime (the VPC rules), and the notebook,
 * Studio, STS and S3 endpoints a private notebook or Studio domain needs (sagemaker-private-path).
 */
const LISTED_ENDPOINT_KINDS: readonly EndpointKind[] = [
  ...SAGEMAKER_ENDPOINT_KINDS,
  'notebook',
  'studio',
  'sts',
  's3',
];

export interface RegionRequest {
  client: EC2Client;
  /** Required when `needs` holds a SageMaker section. */
  sagemaker?: SageMakerClient;
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

function serviceNamesOf(kinds: readonly EndpointKind[], partition: string, region: string): string[] {
  return kinds.flatMap((kind) => acceptedServiceNames(partition, region, kind));
}

async function listSageMakerEndpoints(
  client: EC2Client,
  partition: string,
  region: string,
): Promise<VpcEndpoint[]> {
  const endpoints: VpcEndpoint[] = [];
  const paginator = paginateDescribeVpcEndpoints(
    { client, pageSize: EC2_PAGE_SIZE },
    { Filters: [{ Name: 'service-name', Values: serviceNamesOf(LISTED_ENDPOINT_KINDS, partition, region) }] },
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

/** The subnets with these IDs, in as few calls as the filter's value limit allows; unknown IDs are left out. */
async function readSubnets(client: EC2Client, subnetIds: readonly string[]): Promise<Subnet[]> {
  const subnets: Subnet[] = [];
  const idsOf = (page: DescribeSubnetsCommandOutput) => (page.Subnets ?? []).map((subnet) => subnet.SubnetId);
  for (let start = 0; start < subnetIds.length; start += SUBNET_IDS_PER_CALL) {
    const Values = subnetIds.slice(start, start + SUBNET_IDS_PER_CALL);
    const pages = paginateDescribeSubnets(
      { client, pageSize: EC2_PAGE_SIZE },
      { Filters: [{ Name: 'subnet-id', Values }] },
    );
    for await (const page of distinctPages(pages, 'DescribeSubnets', (p) => p.NextToken, idsOf)) {
      subnets.push(...(page.Subnets ?? []));
    }
  }
  return subnets.sort((a, b) => (a.SubnetId ?? '').localeCompare(b.SubnetId ?? ''));
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

const SAGEMAKER_SECTIONS: readonly RegionSection[] = ['sagemakerNotebooks', 'sagemakerDomains'];

/**
 * What each section needs read first, beyond itself: the subnets are those that notebooks, domains
 * and SageMaker endpoints use; DNS attributes are read for the VPCs that hold an endpoint or run a
 * notebook or domain; SageMaker is asked only where DescribeVpcEndpointServices says it is offered.
 */
function sectionsToRead(needs: ReadonlySet<InventorySection>): Set<RegionSection> {
  const read = new Set(REGION_SECTIONS.filter((section) => needs.has(section)));
  if (read.has('vpcAttributes')) {
    read.add('vpcs');
    read.add('vpcEndpoints');
  }
  if (read.has('subnets')) {
    read.add('vpcEndpoints');
    for (const section of SAGEMAKER_SECTIONS) read.add(section);
  }
  if (SAGEMAKER_SECTIONS.some((section) => read.has(section))) read.add('endpointServices');
  return read;
}

/**
 * Reads one region's sections. A section whose calls fail is left out and its error recorded,
 * so that the rules needing it report ERROR while the other sections and regions still count. A
 * region that does not offer SageMaker gets no SageMaker calls and no SageMaker sections: the
 * SageMaker rules skip it on its endpoint services.
 */
export async function collectRegion(request: RegionRequest): Promise<RegionInventory> {
  const { client, region, partition, needs, deadline } = request;
  const read = sectionsToRead(needs);
  const sections = REGION_SECTIONS.filter((section) => needs.has(section));
  const inventory: RegionInventory = { region, sections };
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
  const dependencyFailed = (section: RegionSection, on: readonly RegionSection[]): boolean => {
    const failed = on.filter((dependency) => read.has(dependency) && inventory[dependency] === undefined);
    if (failed.length === 0) return false;
    errors.push({
      section,
      code: 'DependencyFailed',
      message: `not read because ${failed.join(' and ')} of the region could not be read`,
    });
    return true;
  };
  const readSageMaker = async () => {
    if (
      inventory.endpointServices !== undefined &&
      !sageMakerOffered(inventory.endpointServices, partition, region)
    ) {
      return;
    }
    const sagemaker = request.sagemaker;
    if (sagemaker === undefined)
      throw new Error('collectRegion: a SageMaker section is needed but no SageMaker client was given');
    await Promise.all([
      read.has('sagemakerNotebooks') &&
        attempt(
          'sagemakerNotebooks',
          () => readNotebookInstances(sagemaker),
          (notebooks) => {
            inventory.sagemakerNotebooks = notebooks;
          },
        ),
      read.has('sagemakerDomains') &&
        attempt(
          'sagemakerDomains',
          () => readDomains(sagemaker),
          (domains) => {
            inventory.sagemakerDomains = domains;
          },
        ),
    ]);
  };
  await Promise.all([
    read.has('endpointServices') &&
      attempt(
        'endpointServices',
        () => listSageMakerServiceNames(client, region),
        (names) => {
          inventory.endpointServices = names;
        },
      ).then(async () => {
        if (SAGEMAKER_SECTIONS.some((section) => read.has(section))) await readSageMaker();
      }),
    read.has('vpcs') &&
      attempt(
        'vpcs',
        () => listVpcs(client),
        (vpcs) => {
          inventory.vpcs = plain(vpcs);
        },
      ),
    read.has('vpcEndpoints') &&
      attempt(
        'vpcEndpoints',
        () => listSageMakerEndpoints(client, partition, region),
        (endpoints) => {
          inventory.vpcEndpoints = plain(endpoints);
        },
      ),
  ]);
  const offered =
    inventory.endpointServices === undefined ||
    sageMakerOffered(inventory.endpointServices, partition, region);
  if (
    read.has('subnets') &&
    !dependencyFailed('subnets', offered ? ['vpcEndpoints', ...SAGEMAKER_SECTIONS] : ['vpcEndpoints'])
  ) {
    const subnetIds = new Set<string>();
    for (const notebook of inventory.sagemakerNotebooks ?? [])
      if (notebook.SubnetId) subnetIds.add(notebook.SubnetId);
    for (const domain of inventory.sagemakerDomains ?? [])
      for (const id of domain.SubnetIds ?? []) subnetIds.add(id);
    for (const endpoint of inventory.vpcEndpoints ?? [])
      for (const id of endpoint.SubnetIds ?? []) subnetIds.add(id);
    await attempt(
      'subnets',
      () => readSubnets(client, [...subnetIds].sort()),
      (subnets) => {
        inventory.subnets = plain(subnets);
      },
    );
  }
  if (read.has('vpcAttributes') && !dependencyFailed('vpcAttributes', ['vpcs', 'vpcEndpoints'])) {
    const ownedVpcIds = new Set(
      (inventory.vpcs ?? [])
        .filter((vpc) => vpc.OwnerId === undefined || vpc.OwnerId === request.accountId)
        .map((vpc) => vpc.VpcId),
    );
    const required = new Set(serviceNamesOf(SAGEMAKER_ENDPOINT_KINDS, partition, region));
    const used = new Set<string>();
    for (const endpoint of inventory.vpcEndpoints ?? []) {
      if (endpoint.VpcId && required.has(endpoint.ServiceName ?? '')) used.add(endpoint.VpcId);
    }
    // The private path of a notebook or domain is judged on its VPC's DNS attributes too; a
    // notebook's VPC is that of its subnet.
    const subnetVpcs = new Map((inventory.subnets ?? []).map((subnet) => [subnet.SubnetId, subnet.VpcId]));
    if (needs.has('sagemakerNotebooks') && needs.has('subnets')) {
      for (const notebook of inventory.sagemakerNotebooks ?? []) {
        const vpcId = notebook.SubnetId ? subnetVpcs.get(notebook.SubnetId) : undefined;
        if (vpcId) used.add(vpcId);
      }
    }
    if (needs.has('sagemakerDomains')) {
      for (const domain of inventory.sagemakerDomains ?? []) if (domain.VpcId) used.add(domain.VpcId);
    }
    await attempt(
      'vpcAttributes',
      () => readDnsAttributes(client, [...used].filter((vpcId) => ownedVpcIds.has(vpcId)).sort()),
      (attributes) => {
        inventory.vpcAttributes = attributes;
      },
    );
  }
  for (const section of read) if (!needs.has(section)) delete inventory[section];
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
