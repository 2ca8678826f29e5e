import type { DescribeSubnetsCommandOutput, EC2Client, Subnet } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import type { Plain } from '../../model/inventory.ts';
import { EC2_PAGE_SIZE } from '../ec2.ts';
import { plain } from '../errors.ts';
import { distinctPages } from '../pages.ts';
import type { SectionDefinition } from './types.ts';

/**
 * Subnet IDs per DescribeSubnets call, as values of one `subnet-id` filter (EC2 takes up to 200
 * values per filter). A filter, not the `SubnetIds` parameter: one ID that no longer exists makes
 * `SubnetIds` fail the whole call with InvalidSubnetID.NotFound, while a filter leaves it out, and
 * the rule then reports the one resource whose subnet could not be resolved as ERROR.
 */
export const SUBNET_IDS_PER_CALL = 200;

/** The subnets with these IDs, in as few calls as the filter's value limit allows; unknown IDs are left out. */
async function readSubnets(client: EC2Client, subnetIds: readonly string[]): Promise<Subnet[]> {
  const { paginateDescribeSubnets } = await import('../sdk.ts');
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

/**
 * The subnets that notebooks, domains and SageMaker endpoints use, as `DescribeSubnets` returns
 * them: where a notebook runs (its VPC is its subnet's) and which Availability Zones an endpoint covers.
 */
export const subnets: SectionDefinition<'subnets', 'region', 'ec2', Plain<Subnet>[]> = {
  id: 'subnets',
  scope: 'region',
  client: 'ec2',
  title: 'subnets',
  permissions: ['ec2:DescribeSubnets'],
  responses: { 'ec2:DescribeSubnets': { fields: () => ({ Subnets: 'list' }) } },
  schema: z.array(
    z.looseObject({
      SubnetId: z.string(),
      VpcId: z.string().optional(),
      AvailabilityZone: z.string().optional(),
      OwnerId: z.string().optional(),
    }),
  ),
  requires: ['vpcEndpoints', 'sagemakerNotebooks', 'sagemakerDomains'],
  async collect({ client, inventory, expect }) {
    const subnetIds = new Set<string>();
    for (const notebook of inventory.sagemakerNotebooks ?? [])
      if (notebook.SubnetId) subnetIds.add(notebook.SubnetId);
    for (const domain of inventory.sagemakerDomains ?? [])
      for (const id of domain.SubnetIds ?? []) subnetIds.add(id);
    for (const endpoint of inventory.vpcEndpoints ?? [])
      for (const id of endpoint.SubnetIds ?? []) subnetIds.add(id);
    expect('DescribeSubnets', Math.ceil(subnetIds.size / SUBNET_IDS_PER_CALL));
    return plain(await readSubnets(client, [...subnetIds].sort()));
  },
};
