import {
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import { fakeIo } from './support/cli-io.ts';

const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);

beforeEach(() => {
  for (const mock of [sts, ec2, iam]) mock.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '111122223333', Arn: 'arn:aws:sts::111122223333:assumed-role/audit/cli' });
  ec2.on(DescribeVpcEndpointServicesCommand).callsFake(async (_input, getClient) => {
    const region = await getClient().config.region();
    return { ServiceNames: [`com.amazonaws.${region}.s3`] };
  });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
  iam
    .on(GetAccountAuthorizationDetailsCommand, { Marker: undefined })
    .resolves({ UserDetailList: [], IsTruncated: true, Marker: 'm1' })
    .on(GetAccountAuthorizationDetailsCommand, { Marker: 'm1' })
    .resolves({
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
      IsTruncated: false,
    });
});

afterAll(() => {
  for (const mock of [sts, ec2, iam]) mock.restore();
});

const ARGS = [
  'scan',
  '--regions',
  'eu-west-1,us-east-1',
  '--rules',
  'vpc-sagemaker-endpoints,iam-principal-presigned-url-source-ip',
  '--allowed-cidrs',
  '203.0.113.0/24',
  '--format',
  'json',
];

describe('the progress of a live scan', () => {
  it.each([
    ['piped', { tty: false }, ARGS],
    ['asked to be quiet', { tty: true }, [...ARGS, '--quiet']],
  ])('says nothing on stderr when %s', async (_case, options, args) => {
    // Prepare
    const io = fakeIo({ ...options, env: { AWS_REGION: 'eu-west-1' } });

    // Act
    const code = await main(args, io);

    // Assess
    expect(code).toBe(0);
    expect(io.err()).toBe('');
  });
});
