import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { collectRegion } from '../../src/collect/region.ts';
import { ec2, REGION, request, stubEmptyRegion } from '../support/ec2-region.ts';
import { serviceName } from '../support/inventory.ts';

describe('collectRegion', () => {
  afterEach(() => {
    ec2.reset();
  });

  it('calls only what the enabled rules need', async () => {
    // Prepare
    stubEmptyRegion();

    // Act
    const inventory = await collectRegion(request(['endpointServices']));

    // Assess
    expect(Object.keys(inventory).sort()).toEqual(['endpointServices', 'region', 'sections']);
    expect(inventory.sections).toEqual(['endpointServices']);
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeVpcEndpointsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeVpcAttributeCommand)).toHaveLength(0);
  });

  it('keeps the other sections when one call is denied, and records why the section is missing', async () => {
    // Prepare
    stubEmptyRegion();
    const denied = Object.assign(new Error('You are not authorized to perform this operation.'), {
      name: 'UnauthorizedOperation',
      $metadata: { httpStatusCode: 403 },
    });
    ec2.on(DescribeVpcEndpointsCommand).rejects(denied);

    // Act
    const inventory = await collectRegion(request());

    // Assess
    expect(inventory.vpcs).toEqual([]);
    expect(inventory.endpointServices).toEqual([serviceName(REGION, 'sagemaker.api')]);
    expect(inventory.vpcEndpoints).toBeUndefined();
    expect(inventory.vpcAttributes).toBeUndefined();
    expect(inventory.collectionErrors).toEqual([
      {
        section: 'vpcEndpoints',
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation. (HTTP 403)',
      },
      expect.objectContaining({ section: 'vpcAttributes', code: 'DependencyFailed' }),
    ]);
  });
});
