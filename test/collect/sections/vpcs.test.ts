import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { EC2_PAGE_SIZE } from '../../../src/collect/ec2.ts';
import { collectRegion } from '../../../src/collect/region.ts';
import { ec2, pagedStub, request, stubEmptyRegion } from '../../support/ec2-region.ts';
import { vpc } from '../../support/inventory.ts';

describe('the vpcs section', () => {
  afterEach(() => {
    ec2.reset();
  });

  it('reads every page of DescribeVpcs, a thousand VPCs at a time', async () => {
    // Prepare
    stubEmptyRegion();
    const inputs: Record<string, unknown>[] = [];
    ec2
      .on(DescribeVpcsCommand)
      .callsFake(
        pagedStub([{ Vpcs: [vpc('vpc-1')] }, { Vpcs: [vpc('vpc-2')] }, { Vpcs: [vpc('vpc-3')] }], inputs),
      );

    // Act
    const inventory = await collectRegion(request(['vpcs']));

    // Assess
    expect(inventory.vpcs?.map((item) => item.VpcId)).toEqual(['vpc-1', 'vpc-2', 'vpc-3']);
    expect(inputs).toEqual([
      expect.objectContaining({ MaxResults: EC2_PAGE_SIZE }),
      expect.objectContaining({ MaxResults: EC2_PAGE_SIZE, NextToken: 't1' }),
      expect.objectContaining({ MaxResults: EC2_PAGE_SIZE, NextToken: 't2' }),
    ]);
  });
});
