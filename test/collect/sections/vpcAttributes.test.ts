import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Vpc,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { collectRegion } from '../../../src/collect/region.ts';
import { vpcAttributes } from '../../../src/collect/sections/vpcAttributes.ts';
import { ec2, REGION, request, stubEmptyRegion } from '../../support/ec2-region.ts';
import {
  domain,
  endpoint,
  notebook,
  OTHER_ACCOUNT_ID,
  serviceName,
  subnet,
  vpc,
} from '../../support/inventory.ts';
import { collectContext } from '../../support/sections.ts';

describe('the vpcAttributes section', () => {
  afterEach(() => {
    ec2.reset();
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

  it('reads the attributes of the owned VPCs that run a notebook (through its subnet) or a domain, once each', async () => {
    // Prepare
    ec2
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsSupport' })
      .resolves({ EnableDnsSupport: { Value: true } });
    ec2
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' })
      .resolves({ EnableDnsHostnames: { Value: true } });
    const inventory = {
      vpcs: [
        vpc('vpc-notebook'),
        vpc('vpc-domain'),
        vpc('vpc-idle'),
        vpc('vpc-shared', { OwnerId: OTHER_ACCOUNT_ID }),
      ],
      vpcEndpoints: [],
      subnets: [subnet('subnet-n', 'vpc-notebook'), subnet('subnet-s', 'vpc-shared')],
      sagemakerNotebooks: [
        notebook('nb-1', 'subnet-n'),
        notebook('nb-2', 'subnet-n'),
        notebook('nb-3', 'subnet-s'),
      ],
      sagemakerDomains: [
        domain('d-1', 'one', 'vpc-domain', ['subnet-d']),
        domain('d-2', 'two', 'vpc-domain', []),
      ],
    };

    // Act
    const attributes = await vpcAttributes.collect(
      collectContext(new EC2Client({ region: REGION }), inventory),
    );

    // Assess
    expect(Object.keys(attributes ?? {})).toEqual(['vpc-domain', 'vpc-notebook']);
    expect(ec2.commandCalls(DescribeVpcAttributeCommand)).toHaveLength(4);
  });

  it("asks for the endpoint VPCs' attributes before the notebooks and domains are read, then for the VPCs only they run in", async () => {
    // Prepare
    ec2
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsSupport' })
      .resolves({ EnableDnsSupport: { Value: true } });
    ec2
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' })
      .resolves({ EnableDnsHostnames: { Value: true } });
    const context = collectContext<'ec2'>(new EC2Client({ region: REGION }), {
      vpcs: [vpc('vpc-api'), vpc('vpc-notebook')],
      vpcEndpoints: [endpoint('vpce-1', 'vpc-api', serviceName(REGION, 'sagemaker.api'))],
    });
    let settleNotebooks = () => {};
    const notebooksRead = new Promise<void>((resolve) => {
      settleNotebooks = resolve;
    });
    const askedFor = () =>
      ec2.commandCalls(DescribeVpcAttributeCommand).map((call) => call.args[0].input.VpcId);

    // Act
    const reading = vpcAttributes.collect({ ...context, afterSettled: () => notebooksRead });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const beforeNotebooks = askedFor();
    Object.assign(context.inventory, {
      subnets: [subnet('subnet-n', 'vpc-notebook')],
      sagemakerNotebooks: [notebook('nb-1', 'subnet-n')],
      sagemakerDomains: [domain('d-1', 'one', 'vpc-api', [])],
    });
    settleNotebooks();
    const attributes = await reading;

    // Assess
    expect(beforeNotebooks).toEqual(['vpc-api', 'vpc-api']);
    expect(askedFor().sort()).toEqual(['vpc-api', 'vpc-api', 'vpc-notebook', 'vpc-notebook']);
    expect(Object.keys(attributes ?? {})).toEqual(['vpc-api', 'vpc-notebook']);
  });
});
