import type { DescribeVpcsCommandOutput, Vpc } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import type { Plain } from '../../model/inventory.ts';
import { EC2_PAGE_SIZE } from '../ec2.ts';
import { plain } from '../errors.ts';
import { distinctPages } from '../pages.ts';
import { tag } from './schema-parts.ts';
import type { SectionDefinition } from './types.ts';

/** Every VPC of the region, shared ones included, as `DescribeVpcs` returns them. */
export const vpcs: SectionDefinition<'vpcs', 'region', 'ec2', Plain<Vpc>[]> = {
  id: 'vpcs',
  scope: 'region',
  client: 'ec2',
  title: 'VPCs',
  permissions: ['ec2:DescribeVpcs'],
  responses: { 'ec2:DescribeVpcs': { fields: () => ({ Vpcs: 'list' }) } },
  schema: z.array(
    z.looseObject({
      VpcId: z.string(),
      OwnerId: z.string().optional(),
      IsDefault: z.boolean().optional(),
      CidrBlock: z.string().optional(),
      Tags: z.array(tag).optional(),
    }),
  ),
  unique: [{ field: 'VpcId', noun: 'VPC' }],
  async collect({ client, expect }) {
    const { paginateDescribeVpcs } = await import('../sdk.ts');
    const listed: Vpc[] = [];
    const pages = paginateDescribeVpcs({ client, pageSize: EC2_PAGE_SIZE }, {});
    const vpcIds = (page: DescribeVpcsCommandOutput) => (page.Vpcs ?? []).map((vpc) => vpc.VpcId);
    const more = () => expect('DescribeVpcs', 1);
    for await (const page of distinctPages(pages, 'DescribeVpcs', (p) => p.NextToken, vpcIds, more)) {
      listed.push(...(page.Vpcs ?? []));
    }
    return plain(listed);
  },
};
