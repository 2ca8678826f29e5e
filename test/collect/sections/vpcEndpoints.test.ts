import { DescribeVpcEndpointsCommand, type VpcEndpoint } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { EC2_PAGE_SIZE } from '../../../src/collect/ec2.ts';
import { collectRegion } from '../../../src/collect/region.ts';
import { vpcEndpoints } from '../../../src/collect/sections/vpcEndpoints.ts';
import { ec2, pagedStub, REGION, request, stubEmptyRegion } from '../../support/ec2-region.ts';
import { endpoint, serviceName } from '../../support/inventory.ts';

describe('the vpcEndpoints section', () => {
  afterEach(() => {
    ec2.reset();
  });

  it('reads every page of DescribeVpcEndpoints, filtered to the SageMaker, notebook, Studio, STS and S3 service names', async () => {
    // Prepare
    stubEmptyRegion();
    const api = endpoint('vpce-1', 'vpc-1', serviceName(REGION, 'sagemaker.api')) as VpcEndpoint;
    const runtime = endpoint('vpce-2', 'vpc-1', serviceName(REGION, 'sagemaker.runtime')) as VpcEndpoint;
    const inputs: Record<string, unknown>[] = [];
    ec2
      .on(DescribeVpcEndpointsCommand)
      .callsFake(pagedStub([{ VpcEndpoints: [api] }, { VpcEndpoints: [runtime] }], inputs));

    // Act
    const inventory = await collectRegion(request(['vpcEndpoints']));

    // Assess
    expect(inventory.vpcEndpoints?.map((item) => item.VpcEndpointId)).toEqual(['vpce-1', 'vpce-2']);
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 't1']);
    for (const input of inputs) {
      expect(input.MaxResults).toBe(EC2_PAGE_SIZE);
      expect(input.Filters).toEqual([
        {
          Name: 'service-name',
          Values: [
            'com.amazonaws.eu-west-1.sagemaker.api',
            'com.amazonaws.eu-west-1.sagemaker.api-fips',
            'com.amazonaws.eu-west-1.sagemaker.runtime',
            'com.amazonaws.eu-west-1.sagemaker.runtime-fips',
            'aws.sagemaker.eu-west-1.notebook',
            'aws.sagemaker.eu-west-1.studio',
            'com.amazonaws.eu-west-1.sts',
            'com.amazonaws.eu-west-1.sts-fips',
            'com.amazonaws.eu-west-1.s3',
            'com.amazonaws.eu-west-1.s3-fips',
          ],
        },
      ]);
    }
  });

  it('filters China regions by their cn.com.amazonaws service names', async () => {
    // Prepare
    stubEmptyRegion();

    // Act
    await collectRegion(request(['vpcEndpoints'], 'aws-cn', 'cn-north-1'));

    // Assess
    const [call] = ec2.commandCalls(DescribeVpcEndpointsCommand);
    expect(call?.args[0].input.Filters?.[0]?.Values).toContain('cn.com.amazonaws.cn-north-1.sagemaker.api');
    expect(call?.args[0].input.Filters?.[0]?.Values).not.toContain('com.amazonaws.cn-north-1.sagemaker.api');
  });

  it('writes dates as ISO strings, as a snapshot file holds them', async () => {
    // Prepare
    stubEmptyRegion();
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          ...(endpoint('vpce-1', 'vpc-1', serviceName(REGION, 'sagemaker.api')) as VpcEndpoint),
          CreationTimestamp: new Date('2026-02-03T04:05:06.000Z'),
        },
      ],
    });

    // Act
    const inventory = await collectRegion(request(['vpcEndpoints']));

    // Assess
    expect(inventory.vpcEndpoints?.[0]?.CreationTimestamp).toBe('2026-02-03T04:05:06.000Z');
  });
  it('keeps the endpoint policy as the JSON text DescribeVpcEndpoints returns, for the reachability rule', async () => {
    // Prepare
    stubEmptyRegion();
    const PolicyDocument =
      '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}';
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          ...(endpoint('vpce-1', 'vpc-1', serviceName(REGION, 'sagemaker.api')) as VpcEndpoint),
          PolicyDocument,
        },
      ],
    });

    // Act
    const inventory = await collectRegion(request(['vpcEndpoints']));

    // Assess
    expect(inventory.vpcEndpoints?.[0]?.PolicyDocument).toBe(PolicyDocument);
  });

  it('accepts a policy document as text or object in a snapshot and rejects anything else', () => {
    // Act
    const parse = (PolicyDocument: unknown) =>
      vpcEndpoints.schema.safeParse([{ VpcEndpointId: 'vpce-1', PolicyDocument }]).success;

    // Assess
    expect([parse('{"Statement":[]}'), parse({ Statement: [] }), parse(42), parse(['x'])]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
