import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Vpc,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EC2_PAGE_SIZE } from '../../src/collect/ec2.ts';
import { collectRegion, type RegionRequest } from '../../src/collect/region.ts';
import type { InventorySection } from '../../src/model/inventory.ts';
import { endpointServiceListing } from '../support/aws-faults.ts';
import { ACCOUNT_ID, endpoint, OTHER_ACCOUNT_ID, serviceName, vpc } from '../support/inventory.ts';

const REGION = 'eu-west-1';
const ALL_SECTIONS: InventorySection[] = ['endpointServices', 'vpcs', 'vpcEndpoints', 'vpcAttributes'];
const ec2 = mockClient(EC2Client);

function request(
  needs: InventorySection[] = ALL_SECTIONS,
  partition = 'aws',
  region = REGION,
): RegionRequest {
  const client = new EC2Client({ region });
  return {
    clients: {
      ec2: () => client,
      iam: () => new IAMClient({ region }),
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
function pagedStub<T>(pages: T[], seen: Record<string, unknown>[]) {
  return (input: Record<string, unknown>) => {
    seen.push({ ...input });
    const index = typeof input.NextToken === 'string' ? Number(input.NextToken.slice(1)) : 0;
    return { ...pages[index], ...(index + 1 < pages.length ? { NextToken: `t${index + 1}` } : {}) };
  };
}

function stubEmptyRegion() {
  ec2
    .on(DescribeVpcEndpointServicesCommand)
    .resolves({ ServiceNames: endpointServiceListing(REGION, [serviceName(REGION, 'sagemaker.api')]) });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
}

describe('collectRegion', () => {
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

  it('reads both DNS attributes of each owned VPC that holds a required endpoint, and of no other VPC', async () => {
    // Prepare
    stubEmptyRegion();
    ec2.on(DescribeVpcsCommand).resolves({
      Vpcs: [
        vpc('vpc-api'),
        vpc('vpc-fips'),
        vpc('vpc-featurestore'),
        vpc('vpc-empty'),
        vpc('vpc-shared', { OwnerId: OTHER_ACCOUNT_ID }),
      ] as Vpc[],
    });
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        endpoint('vpce-1', 'vpc-api', serviceName(REGION, 'sagemaker.api')),
        endpoint('vpce-2', 'vpc-api', serviceName(REGION, 'sagemaker.runtime')),
        endpoint('vpce-3', 'vpc-fips', serviceName(REGION, 'sagemaker.runtime-fips')),
        endpoint('vpce-4', 'vpc-featurestore', serviceName(REGION, 'sagemaker.featurestore-runtime')),
        endpoint('vpce-5', 'vpc-shared', serviceName(REGION, 'sagemaker.api')),
      ] as VpcEndpoint[],
    });
    ec2
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsSupport' })
      .resolves({ EnableDnsSupport: { Value: true } });
    ec2
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' })
      .resolves({ EnableDnsHostnames: { Value: false } });

    // Act
    const inventory = await collectRegion(request());

    // Assess
    expect(inventory.vpcAttributes).toEqual({
      'vpc-api': { enableDnsSupport: true, enableDnsHostnames: false },
      'vpc-fips': { enableDnsSupport: true, enableDnsHostnames: false },
    });
    const asked = ec2
      .commandCalls(DescribeVpcAttributeCommand)
      .map((call) => `${call.args[0].input.VpcId}/${call.args[0].input.Attribute}`)
      .sort();
    expect(asked).toEqual([
      'vpc-api/enableDnsHostnames',
      'vpc-api/enableDnsSupport',
      'vpc-fips/enableDnsHostnames',
      'vpc-fips/enableDnsSupport',
    ]);
    expect(inventory.collectionErrors).toBeUndefined();
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
});
