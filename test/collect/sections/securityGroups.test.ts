import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EC2_PAGE_SIZE } from '../../../src/collect/ec2.ts';
import { GROUP_IDS_PER_CALL, securityGroups } from '../../../src/collect/sections/securityGroups.ts';
import { endpoint, serviceName } from '../../support/inventory.ts';
import { collectContext } from '../../support/sections.ts';

const ec2 = mockClient(EC2Client);
const REGION = 'eu-west-1';

/** Answers each DescribeSecurityGroups call with the groups its `group-id` filter names, as EC2 does. */
function stubGroupsByFilter() {
  ec2.on(DescribeSecurityGroupsCommand).callsFake(async (input: { Filters?: { Values?: string[] }[] }) => ({
    SecurityGroups: (input.Filters?.[0]?.Values ?? [])
      .filter((id) => id !== 'sg-deleted')
      .map((GroupId) => ({ GroupId, VpcId: 'vpc-1', IpPermissions: [] })),
  }));
}

const withGroups = (id: string, service: string, groups: string[]) =>
  endpoint(id, 'vpc-1', service, { Groups: groups.map((GroupId) => ({ GroupId })) });

describe('the securityGroups section', () => {
  afterEach(() => {
    ec2.reset();
  });

  it('reads the groups of the SageMaker api, runtime, notebook and Studio endpoints, each once, by a group-id filter', async () => {
    // Prepare
    stubGroupsByFilter();
    const inventory = {
      vpcEndpoints: [
        withGroups('vpce-a', serviceName(REGION, 'sagemaker.api'), ['sg-c', 'sg-a']),
        withGroups('vpce-r', serviceName(REGION, 'sagemaker.runtime-fips'), ['sg-a', 'sg-deleted']),
        withGroups('vpce-n', `aws.sagemaker.${REGION}.notebook`, ['sg-b']),
        withGroups('vpce-s', `aws.sagemaker.${REGION}.studio`, ['sg-d']),
        withGroups('vpce-sts', `com.amazonaws.${REGION}.sts`, ['sg-sts']),
        withGroups('vpce-fs', serviceName(REGION, 'sagemaker.featurestore-runtime'), ['sg-fs']),
      ],
    };

    // Act
    const read = await securityGroups.collect(collectContext(new EC2Client({ region: REGION }), inventory));

    // Assess
    expect(read?.map((group) => group.GroupId)).toEqual(['sg-a', 'sg-b', 'sg-c', 'sg-d']);
    const calls = ec2.commandCalls(DescribeSecurityGroupsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'group-id', Values: ['sg-a', 'sg-b', 'sg-c', 'sg-d', 'sg-deleted'] }],
      MaxResults: EC2_PAGE_SIZE,
    });
  });

  it('reads every page of an answer', async () => {
    // Prepare
    ec2
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [{ GroupId: 'sg-a' }], NextToken: 'page-2' })
      .resolvesOnce({ SecurityGroups: [{ GroupId: 'sg-b' }] });
    const inventory = {
      vpcEndpoints: [withGroups('vpce-a', serviceName(REGION, 'sagemaker.api'), ['sg-a', 'sg-b'])],
    };

    // Act
    const read = await securityGroups.collect(collectContext(new EC2Client({ region: REGION }), inventory));

    // Assess
    expect(read?.map((group) => group.GroupId)).toEqual(['sg-a', 'sg-b']);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(2);
  });

  it(`asks for at most ${GROUP_IDS_PER_CALL} groups per call`, async () => {
    // Prepare
    stubGroupsByFilter();
    const ids = Array.from(
      { length: GROUP_IDS_PER_CALL + 1 },
      (_, index) => `sg-${String(index).padStart(3, '0')}`,
    );
    const inventory = { vpcEndpoints: [withGroups('vpce-a', serviceName(REGION, 'sagemaker.api'), ids)] };

    // Act
    const read = await securityGroups.collect(collectContext(new EC2Client({ region: REGION }), inventory));

    // Assess
    expect(read).toHaveLength(GROUP_IDS_PER_CALL + 1);
    const sizes = ec2
      .commandCalls(DescribeSecurityGroupsCommand)
      .map((call) => call.args[0].input.Filters?.[0]?.Values?.length);
    expect(sizes).toEqual([GROUP_IDS_PER_CALL, 1]);
  });

  it('makes no call when no SageMaker endpoint has a security group', async () => {
    // Prepare
    const inventory = {
      vpcEndpoints: [
        endpoint('vpce-a', 'vpc-1', serviceName(REGION, 'sagemaker.api')),
        withGroups('vpce-sts', `com.amazonaws.${REGION}.sts`, ['sg-sts']),
      ],
    };

    // Act
    const read = await securityGroups.collect(collectContext(new EC2Client({ region: REGION }), inventory));

    // Assess
    expect(read).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });
});
