import {
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { OrganizationReader } from '../../src/collect/organization.ts';
import type { RegionRequest } from '../../src/collect/region.ts';
import type { InventorySection } from '../../src/model/inventory.ts';
import { endpointServiceListing } from './aws-faults.ts';
import { ACCOUNT_ID, serviceName } from './inventory.ts';

export const REGION = 'eu-west-1';
const ALL_SECTIONS: InventorySection[] = ['endpointServices', 'vpcs', 'vpcEndpoints', 'vpcAttributes'];
/** Every EC2Client of the test file that imports this answers from here. */
export const ec2 = mockClient(EC2Client);

/** A region request for {@link ACCOUNT_ID}, reading `needs` with fresh clients. */
export function request(
  needs: InventorySection[] = ALL_SECTIONS,
  partition = 'aws',
  region = REGION,
): RegionRequest {
  const client = new EC2Client({ region });
  return {
    clients: {
      ec2: () => client,
      iam: () => new IAMClient({ region }),
      organizations: () => new OrganizationReader(new OrganizationsClient({ region })),
      sagemaker: () => new SageMakerClient({ region }),
    },
    region,
    accountId: ACCOUNT_ID,
    partition,
    needs: new Set(needs),
  };
}

/**
 * Serves `pages` chained by NextToken and copies each input when it arrives: the SDK paginator
 * reuses one input object, so inputs read back after the run all show the last token.
 */
export function pagedStub<T>(pages: T[], seen: Record<string, unknown>[]) {
  return (input: Record<string, unknown>) => {
    seen.push({ ...input });
    const index = typeof input.NextToken === 'string' ? Number(input.NextToken.slice(1)) : 0;
    return { ...pages[index], ...(index + 1 < pages.length ? { NextToken: `t${index + 1}` } : {}) };
  };
}

/** A region that offers SageMaker and has no VPCs and no endpoints. */
export function stubEmptyRegion() {
  ec2
    .on(DescribeVpcEndpointServicesCommand)
    .resolves({ ServiceNames: endpointServiceListing(REGION, [serviceName(REGION, 'sagemaker.api')]) });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
}
