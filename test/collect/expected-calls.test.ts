import {
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeNotebookInstanceCommand,
  ListNotebookInstancesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { sagemakerNotebooks } from '../../src/collect/sections/sagemakerNotebooks.ts';
import { subnets } from '../../src/collect/sections/subnets.ts';
import { vpcAttributes } from '../../src/collect/sections/vpcAttributes.ts';
import { vpcs } from '../../src/collect/sections/vpcs.ts';
import { endpoint, notebook, serviceName, vpc } from '../support/inventory.ts';
import { collectContext } from '../support/sections.ts';

const ec2 = mockClient(EC2Client);
const sagemaker = mockClient(SageMakerClient);

/** What a section announced and sent, in order: `expect Op n`, `send Op`. */
let events: string[] = [];

function announcing<T extends { expect: (operation: string, calls: number) => void }>(context: T): T {
  return { ...context, expect: (operation, calls) => events.push(`expect ${operation} ${calls}`) };
}

function sent(operation: string): void {
  events.push(`send ${operation}`);
}

describe('the calls a section announces before it makes them', () => {
  afterEach(() => {
    ec2.reset();
    sagemaker.reset();
    events = [];
  });

  it('announces the page after each NextToken of a listing', async () => {
    // Prepare
    ec2
      .on(DescribeVpcsCommand, { NextToken: undefined })
      .callsFake(() => {
        sent('DescribeVpcs');
        return { Vpcs: [vpc('vpc-1')], NextToken: 't1' };
      })
      .on(DescribeVpcsCommand, { NextToken: 't1' })
      .callsFake(() => {
        sent('DescribeVpcs');
        return { Vpcs: [vpc('vpc-2')] };
      });

    // Act
    await vpcs.collect(announcing(collectContext(new EC2Client({ region: 'eu-west-1' }))));

    // Assess
    expect(events).toEqual(['send DescribeVpcs', 'expect DescribeVpcs 1', 'send DescribeVpcs']);
  });

  it('announces one DescribeNotebookInstance per notebook listed, before the first', async () => {
    // Prepare
    sagemaker.on(ListNotebookInstancesCommand).resolves({
      NotebookInstances: ['nb-1', 'nb-2', 'nb-3'].map((name) => ({
        NotebookInstanceName: name,
        NotebookInstanceArn: `arn:${name}`,
      })),
    });
    sagemaker.on(DescribeNotebookInstanceCommand).callsFake((input: { NotebookInstanceName: string }) => {
      sent('DescribeNotebookInstance');
      return {
        NotebookInstanceName: input.NotebookInstanceName,
        NotebookInstanceArn: `arn:${input.NotebookInstanceName}`,
        NotebookInstanceStatus: 'InService',
      };
    });

    // Act
    await sagemakerNotebooks.collect(
      announcing(collectContext(new SageMakerClient({ region: 'eu-west-1' }))),
    );

    // Assess
    expect(events).toEqual([
      'expect DescribeNotebookInstance 3',
      'send DescribeNotebookInstance',
      'send DescribeNotebookInstance',
      'send DescribeNotebookInstance',
    ]);
  });

  it('announces one DescribeSubnets per 200 subnet IDs', async () => {
    // Prepare
    ec2.on(DescribeSubnetsCommand).callsFake(() => {
      sent('DescribeSubnets');
      return { Subnets: [] };
    });
    const inventory = {
      sagemakerNotebooks: Array.from({ length: 250 }, (_, index) =>
        notebook(`nb-${index}`, `subnet-${index}`),
      ),
      sagemakerDomains: [],
      vpcEndpoints: [],
    };

    // Act
    await subnets.collect(announcing(collectContext(new EC2Client({ region: 'eu-west-1' }), inventory)));

    // Assess
    expect(events).toEqual(['expect DescribeSubnets 2', 'send DescribeSubnets', 'send DescribeSubnets']);
  });

  it('announces two DescribeVpcAttribute per VPC to check, before the first', async () => {
    // Prepare
    ec2.on(DescribeVpcAttributeCommand).callsFake((input: { VpcId: string; Attribute: string }) => {
      sent('DescribeVpcAttribute');
      return input.Attribute === 'enableDnsSupport'
        ? { VpcId: input.VpcId, EnableDnsSupport: { Value: true } }
        : { VpcId: input.VpcId, EnableDnsHostnames: { Value: true } };
    });
    const inventory = {
      vpcs: [vpc('vpc-1'), vpc('vpc-2'), vpc('vpc-3')],
      vpcEndpoints: [
        endpoint('vpce-1', 'vpc-1', serviceName('eu-west-1', 'sagemaker.api')),
        endpoint('vpce-2', 'vpc-2', serviceName('eu-west-1', 'sagemaker.runtime')),
      ],
    };

    // Act
    await vpcAttributes.collect(
      announcing(collectContext(new EC2Client({ region: 'eu-west-1' }), inventory)),
    );

    // Assess
    expect(events).toEqual(['expect DescribeVpcAttribute 4', ...Array(4).fill('send DescribeVpcAttribute')]);
  });
});
