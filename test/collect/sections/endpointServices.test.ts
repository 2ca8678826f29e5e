import { DescribeVpcEndpointServicesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { collectRegion } from '../../../src/collect/region.ts';
import { ec2, pagedStub, request, stubEmptyRegion } from '../../support/ec2-region.ts';

describe('the endpointServices section', () => {
  afterEach(() => {
    ec2.reset();
  });

  it('lists endpoint services page by page without a name filter and keeps the SageMaker ones', async () => {
    // Prepare
    stubEmptyRegion();
    const inputs: Record<string, unknown>[] = [];
    ec2
      .on(DescribeVpcEndpointServicesCommand)
      .callsFake(
        pagedStub(
          [
            { ServiceNames: ['com.amazonaws.eu-west-1.s3', 'com.amazonaws.eu-west-1.sagemaker.runtime'] },
            { ServiceNames: ['aws.sagemaker.eu-west-1.notebook'] },
            { ServiceNames: ['com.amazonaws.eu-west-1.sagemaker.api', 'com.amazonaws.eu-west-1.sts'] },
          ],
          inputs,
        ),
      );

    // Act
    const inventory = await collectRegion(request(['endpointServices']));

    // Assess
    expect(inventory.endpointServices).toEqual([
      'aws.sagemaker.eu-west-1.notebook',
      'com.amazonaws.eu-west-1.sagemaker.api',
      'com.amazonaws.eu-west-1.sagemaker.runtime',
    ]);
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 't1', 't2']);
    for (const input of inputs) {
      expect(input.ServiceNames).toBeUndefined();
      expect(input.Filters).toBeUndefined();
    }
  });

  it('records an error instead of looping when DescribeVpcEndpointServices repeats a NextToken', async () => {
    // Prepare
    stubEmptyRegion();
    ec2.on(DescribeVpcEndpointServicesCommand).resolves({ ServiceNames: [], NextToken: 'same' });

    // Act
    const inventory = await collectRegion(request(['endpointServices']));

    // Assess
    expect(inventory.endpointServices).toBeUndefined();
    expect(inventory.collectionErrors).toEqual([
      expect.objectContaining({ section: 'endpointServices', message: expect.stringContaining('same') }),
    ]);
    expect(ec2.commandCalls(DescribeVpcEndpointServicesCommand)).toHaveLength(2);
  });
});
