import type { DescribeSecurityGroupsCommandOutput, EC2Client, SecurityGroup } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import type { Plain } from '../../model/inventory.ts';
import { REACHABLE_ENDPOINT_KINDS } from '../../rules/support.ts';
import { EC2_PAGE_SIZE } from '../ec2.ts';
import { plain } from '../errors.ts';
import { distinctPages } from '../pages.ts';
import type { SectionDefinition } from './types.ts';
import { serviceNamesOf } from './vpcEndpoints.ts';

/**
 * Group IDs per DescribeSecurityGroups call, as values of one `group-id` filter (EC2 takes up to
 * 200 values per filter). A filter, not `GroupIds`: one group deleted since the endpoint listing
 * makes `GroupIds` fail the whole call with InvalidGroup.NotFound (and `GroupIds` refuses
 * `MaxResults`), while a filter leaves it out and the rule reports that one endpoint as ERROR.
 */
export const GROUP_IDS_PER_CALL = 200;

async function readGroups(client: EC2Client, groupIds: readonly string[]): Promise<SecurityGroup[]> {
  const { paginateDescribeSecurityGroups } = await import('../sdk.ts');
  const groups: SecurityGroup[] = [];
  const idsOf = (page: DescribeSecurityGroupsCommandOutput) =>
    (page.SecurityGroups ?? []).map((group) => group.GroupId);
  for (let start = 0; start < groupIds.length; start += GROUP_IDS_PER_CALL) {
    const Values = groupIds.slice(start, start + GROUP_IDS_PER_CALL);
    const pages = paginateDescribeSecurityGroups(
      { client, pageSize: EC2_PAGE_SIZE },
      { Filters: [{ Name: 'group-id', Values }] },
    );
    for await (const page of distinctPages(pages, 'DescribeSecurityGroups', (p) => p.NextToken, idsOf)) {
      groups.push(...(page.SecurityGroups ?? []));
    }
  }
  return groups.sort((a, b) => (a.GroupId ?? '').localeCompare(b.GroupId ?? ''));
}

const ipRange = z.looseObject({ CidrIp: z.string().optional() });
const ipv6Range = z.looseObject({ CidrIpv6: z.string().optional() });
const groupPair = z.looseObject({ GroupId: z.string().optional() });
const permission = z.looseObject({
  IpProtocol: z.string().optional(),
  FromPort: z.number().int().optional(),
  ToPort: z.number().int().optional(),
  IpRanges: z.array(ipRange).optional(),
  Ipv6Ranges: z.array(ipv6Range).optional(),
  UserIdGroupPairs: z.array(groupPair).optional(),
});

/**
 * The security groups of the region's SageMaker interface endpoints (api, runtime, notebook,
 * Studio), as `DescribeSecurityGroups` returns them: whether anything in the VPC may reach them.
 */
export const securityGroups: SectionDefinition<'securityGroups', 'region', 'ec2', Plain<SecurityGroup>[]> = {
  id: 'securityGroups',
  scope: 'region',
  client: 'ec2',
  title: 'security groups',
  permissions: ['ec2:DescribeSecurityGroups'],
  responses: { 'ec2:DescribeSecurityGroups': { fields: () => ({ SecurityGroups: 'list' }) } },
  schema: z.array(
    z.looseObject({
      GroupId: z.string(),
      VpcId: z.string().optional(),
      OwnerId: z.string().optional(),
      IpPermissions: z.array(permission).optional(),
    }),
  ),
  unique: [{ field: 'GroupId', noun: 'security group' }],
  requires: ['vpcEndpoints'],
  async collect({ client, inventory, partition, region, expect }) {
    const names = new Set(serviceNamesOf(REACHABLE_ENDPOINT_KINDS, partition, region));
    const groupIds = new Set<string>();
    for (const endpoint of inventory.vpcEndpoints ?? [])
      if (endpoint.ServiceName !== undefined && names.has(endpoint.ServiceName))
        for (const group of endpoint.Groups ?? []) if (group.GroupId) groupIds.add(group.GroupId);
    expect('DescribeSecurityGroups', Math.ceil(groupIds.size / GROUP_IDS_PER_CALL));
    return plain(await readGroups(client, [...groupIds].sort()));
  },
};
