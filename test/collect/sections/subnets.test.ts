import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EC2_PAGE_SIZE } from '../../../src/collect/ec2.ts';
import { SUBNET_IDS_PER_CALL, subnets } from '../../../src/collect/sections/subnets.ts';
import { domain, endpoint, notebook, serviceName, subnet } from '../../support/inventory.ts';
import { collectContext } from '../../support/sections.ts';

const ec2 = mockClient(EC2Client);

/** Answers each DescribeSubnets call with the subnets its `subnet-id` filter names, as EC2 does. */
function stubSubnetsByFilter() {
  ec2.on(DescribeSubnetsCommand).callsFake(async (input: { Filters?: { Values?: string[] }[] }) => ({
    Subnets: (input.Filters?.[0]?.Values ?? [])
      .filter((id) => id !== 'subnet-deleted')
      .map((id) => subnet(id, 'vpc-1')),
  }));
}

describe('the subnets section', () => {
  afterEach(() => {
    ec2.reset();
  });

  it('reads the subnets of the notebooks, domains and endpoints, each once, by a subnet-id filter', async () => {
    // Prepare
    stubSubnetsByFilter();
    const inventory = {
      sagemakerNotebooks: [
        notebook('nb-1', 'subnet-c'),
        notebook('nb-2', 'subnet-a'),
        notebook('nb-3', undefined),
      ],
      sagemakerDomains: [domain('d-1', 'one', 'vpc-1', ['subnet-b', 'subnet-c'])],
      vpcEndpoints: [
        endpoint('vpce-1', 'vpc-1', serviceName('eu-west-1', 'sagemaker.api'), {
          SubnetIds: ['subnet-a', 'subnet-deleted'],
        }),
      ],
    };

    // Act
    const read = await subnets.collect(collectContext(new EC2Client({ region: 'eu-west-1' }), inventory));

    // Assess
    expect(read?.map((item) => item.SubnetId)).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
    const calls = ec2.commandCalls(DescribeSubnetsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'subnet-id', Values: ['subnet-a', 'subnet-b', 'subnet-c', 'subnet-deleted'] }],
      MaxResults: EC2_PAGE_SIZE,
    });
  });

  it(`asks for at most ${SUBNET_IDS_PER_CALL} subnets per call`, async () => {
    // Prepare
    stubSubnetsByFilter();
    const ids = Array.from(
      { length: SUBNET_IDS_PER_CALL + 1 },
      (_, index) => `subnet-${String(index).padStart(3, '0')}`,
    );
    const inventory = { sagemakerNotebooks: ids.map((id) => notebook(`nb-${id}`, id)) };

    // Act
    const read = await subnets.collect(collectContext(new EC2Client({ region: 'eu-west-1' }), inventory));

    // Assess
    expect(read).toHaveLength(SUBNET_IDS_PER_CALL + 1);
    const sizes = ec2
      .commandCalls(DescribeSubnetsCommand)
      .map((call) => call.args[0].input.Filters?.[0]?.Values?.length);
    expect(sizes).toEqual([SUBNET_IDS_PER_CALL, 1]);
  });

  it('makes no call when nothing uses a subnet', async () => {
    // Act
    const read = await subnets.collect(
      collectContext(new EC2Client({ region: 'eu-west-1' }), { sagemakerNotebooks: [], vpcEndpoints: [] }),
    );

    // Assess
    expect(read).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });
});
