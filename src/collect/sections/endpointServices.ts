import type { EC2Client } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { EC2_PAGE_SIZE } from '../ec2.ts';
import { distinctPages } from '../pages.ts';
import { checkListing } from '../responses.ts';
import type { SectionDefinition } from './types.ts';

/**
 * Service names that every region's `DescribeVpcEndpointServices` listing holds: the S3 gateway
 * endpoint exists in every region (moto lists it too). China regions name some services
 * `cn.com.amazonaws.…`, so either prefix counts.
 */
function anchorServiceNames(region: string): string[] {
  return [`com.amazonaws.${region}.s3`, `cn.com.amazonaws.${region}.s3`];
}

/**
 * `DescribeVpcEndpointServices` has no SDK paginator, and filtering by name either fails the whole
 * call (ServiceNames with one unknown name) or is broken in moto: list everything, page by page.
 */
async function* endpointServicePages(client: EC2Client) {
  const { DescribeVpcEndpointServicesCommand } = await import('../sdk.ts');
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeVpcEndpointServicesCommand({ MaxResults: EC2_PAGE_SIZE, NextToken }),
    );
    yield page;
    NextToken = page.NextToken || undefined;
  } while (NextToken !== undefined);
}

/** The SageMaker-related service names that `DescribeVpcEndpointServices` lists in the region. */
export const endpointServices: SectionDefinition<'endpointServices', 'region', 'ec2', string[]> = {
  id: 'endpointServices',
  scope: 'region',
  client: 'ec2',
  title: 'VPC endpoint services',
  permissions: ['ec2:DescribeVpcEndpointServices'],
  responses: {
    'ec2:DescribeVpcEndpointServices': {
      fields: () => ({ ServiceNames: 'list' }),
      wholeListing: { field: 'ServiceNames', includesOneOf: anchorServiceNames },
    },
  },
  schema: z.array(z.string()),
  async collect({ client, region }) {
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
  },
};
