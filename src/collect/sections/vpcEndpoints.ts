import type { DescribeVpcEndpointsCommandOutput, VpcEndpoint } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import type { Plain } from '../../model/inventory.ts';
import { acceptedServiceNames, type EndpointKind, SAGEMAKER_ENDPOINT_KINDS } from '../../rules/support.ts';
import { EC2_PAGE_SIZE } from '../ec2.ts';
import { plain } from '../errors.ts';
import { distinctPages } from '../pages.ts';
import { tag } from './schema-parts.ts';
import type { SectionDefinition } from './types.ts';

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

/** Every exact service name (FIPS variants included) that stands for one of these kinds. */
export function serviceNamesOf(kinds: readonly EndpointKind[], partition: string, region: string): string[] {
  return kinds.flatMap((kind) => acceptedServiceNames(partition, region, kind));
}

/** The region's VPC endpoints of the services a private SageMaker path uses, as `DescribeVpcEndpoints` returns them. */
export const vpcEndpoints: SectionDefinition<'vpcEndpoints', 'region', 'ec2', Plain<VpcEndpoint>[]> = {
  id: 'vpcEndpoints',
  scope: 'region',
  client: 'ec2',
  title: 'VPC endpoints',
  permissions: ['ec2:DescribeVpcEndpoints'],
  responses: { 'ec2:DescribeVpcEndpoints': { fields: () => ({ VpcEndpoints: 'list' }) } },
  schema: z.array(
    z.looseObject({
      VpcEndpointId: z.string(),
      VpcEndpointType: z.string().optional(),
      VpcId: z.string().optional(),
      ServiceName: z.string().optional(),
      State: z.string().optional(),
      PrivateDnsEnabled: z.boolean().optional(),
      OwnerId: z.string().optional(),
      Tags: z.array(tag).optional(),
    }),
  ),
  unique: [{ field: 'VpcEndpointId', noun: 'endpoint' }],
  async collect({ client, partition, region, expect }) {
    const { paginateDescribeVpcEndpoints } = await import('../sdk.ts');
    const endpoints: VpcEndpoint[] = [];
    const paginator = paginateDescribeVpcEndpoints(
      { client, pageSize: EC2_PAGE_SIZE },
      {
        Filters: [{ Name: 'service-name', Values: serviceNamesOf(LISTED_ENDPOINT_KINDS, partition, region) }],
      },
    );
    const endpointIds = (page: DescribeVpcEndpointsCommandOutput) =>
      (page.VpcEndpoints ?? []).map((endpoint) => endpoint.VpcEndpointId);
    for await (const page of distinctPages(
      paginator,
      'DescribeVpcEndpoints',
      (p) => p.NextToken,
      endpointIds,
      () => expect('DescribeVpcEndpoints', 1),
    )) {
      endpoints.push(...(page.VpcEndpoints ?? []));
    }
    return plain(endpoints);
  },
};
