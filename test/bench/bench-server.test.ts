import { DescribeVpcEndpointsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetAccountAuthorizationDetailsCommand } from '@aws-sdk/client-iam';
import { ListNotebookInstancesCommand } from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { bucketOfCall, type ModelledAws, modelledAws, worldAnswer } from '../../bench/aws-world.ts';
import { syntheticAccount } from '../../bench/synthetic.ts';
import { wireClients } from '../faults/wire-world.ts';
import { type FakeAws, startFakeAws } from '../support/aws-faults.ts';

const account = syntheticAccount('small');
const REGION = 'eu-west-1';
const region = account.regions[REGION];

/**
 * The bench's modelled AWS with no latency and one bucket per operation of one token refilled at 1
 * a second, under a clock that moves 600 ms at each request: the first request takes the token, the
 * second finds 0.6 and is throttled, its retry finds 1.2 and is answered.
 */
async function startThrottlingAws(): Promise<{ server: FakeAws; aws: ModelledAws }> {
  let clockMs = 0;
  const aws = modelledAws(worldAnswer(account), {
    latency: { baseMs: 0, perKibMs: 0 },
    bucket: (call) => ({ key: call.action, limit: { capacity: 1, refillPerSecond: 1 } }),
    now: () => {
      const now = clockMs;
      clockMs += 600;
      return now;
    },
  });
  return { server: await startFakeAws(aws.answer), aws };
}

let running: FakeAws | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('the bench server behind the real SDK', () => {
  it('answers an empty EC2 bucket with RequestLimitExceeded (HTTP 503), which the SDK retries and the server counts as an attempt', async () => {
    // Prepare
    const { server, aws } = await startThrottlingAws();
    running = server;
    const ec2 = wireClients(server.endpoint, { maxAttempts: 3 }).ec2(REGION);

    // Act
    const first = await ec2.send(new DescribeVpcsCommand({ MaxResults: 1000 }));
    const second = await ec2.send(new DescribeVpcsCommand({ MaxResults: 1000 }));

    // Assess
    expect(first.$metadata.attempts).toBe(1);
    expect(second.$metadata.attempts).toBe(2);
    expect(second.Vpcs).toEqual(region?.vpcs);
    expect(aws.stats()).toEqual({
      attempts: { 'ec2:DescribeVpcs': 3 },
      throttled: { 'ec2:DescribeVpcs': 1 },
    });
  });

  it('sends the throttle in EC2’s error format, read by the SDK as RequestLimitExceeded with status 503', async () => {
    // Prepare
    const { server } = await startThrottlingAws();
    running = server;
    const ec2 = wireClients(server.endpoint, { maxAttempts: 1 }).ec2(REGION);
    await ec2.send(new DescribeVpcsCommand({}));

    // Act
    const error = await ec2.send(new DescribeVpcsCommand({})).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({
      name: 'RequestLimitExceeded',
      message: 'Request limit exceeded.',
      $metadata: { httpStatusCode: 503 },
    });
  });

  it('throttles IAM with Throttling (HTTP 400) and SageMaker with ThrottlingException, both retried by the SDK', async () => {
    // Prepare
    const { server, aws } = await startThrottlingAws();
    running = server;
    const clients = wireClients(server.endpoint, { maxAttempts: 3 });

    // Act
    await clients.iam(REGION).send(new GetAccountAuthorizationDetailsCommand({}));
    const details = await clients.iam(REGION).send(new GetAccountAuthorizationDetailsCommand({}));
    await clients.sagemaker(REGION).send(new ListNotebookInstancesCommand({}));
    const notebooks = await clients.sagemaker(REGION).send(new ListNotebookInstancesCommand({}));

    // Assess
    expect(details.$metadata.attempts).toBe(2);
    expect(notebooks.$metadata.attempts).toBe(2);
    expect(aws.stats().throttled).toEqual({
      'iam:GetAccountAuthorizationDetails': 1,
      'sagemaker:ListNotebookInstances': 1,
    });
  });

  it('serves the synthetic account as the SDK reads it back: endpoints with their subnets and groups, IAM details with their documents', async () => {
    // Prepare
    const aws = modelledAws(worldAnswer(account), { latency: { baseMs: 0, perKibMs: 0 } });
    running = await startFakeAws(aws.answer);
    const clients = wireClients(running.endpoint);

    // Act
    const endpoints = await clients.ec2(REGION).send(new DescribeVpcEndpointsCommand({}));
    const details = await clients.iam(REGION).send(new GetAccountAuthorizationDetailsCommand({}));

    // Assess
    expect(endpoints.VpcEndpoints).toEqual(region?.endpoints);
    expect(details.UserDetailList).toEqual(account.iam.users);
    expect(details.GroupDetailList).toEqual(account.iam.groups);
    expect(details.RoleDetailList).toEqual(account.iam.roles);
    expect(details.Policies).toEqual(account.iam.policies);
    expect(details.IsTruncated).toBe(false);
  });
});

describe('bucketOfCall', () => {
  const call = (query: string) => {
    const params = new URLSearchParams(query);
    return { action: params.get('Action') ?? '', params, region: REGION, service: 'ec2' };
  };

  it('reads the filter and the pagination of a DescribeSecurityGroups query to pick its bucket', () => {
    // Act
    const bare = bucketOfCall(call('Action=DescribeSecurityGroups&Version=2016-11-15'));
    const filtered = bucketOfCall(
      call('Action=DescribeSecurityGroups&Filter.1.Name=group-id&Filter.1.Value.1=sg-1&Version=2016-11-15'),
    );
    const paginated = bucketOfCall(call('Action=DescribeSecurityGroups&MaxResults=1000&Version=2016-11-15'));

    // Assess
    expect(bare?.key).toBe(`ec2/111122223333/${REGION}/DescribeSecurityGroups/unfiltered`);
    expect(filtered?.key).toBe(`ec2/111122223333/${REGION}/DescribeSecurityGroups`);
    expect(paginated?.key).toBe(`ec2/111122223333/${REGION}/DescribeSecurityGroups`);
  });
});

describe('worldAnswer', () => {
  it('answers a call it does not know with HTTP 400 naming it, and DescribeOrganization as a standalone account', () => {
    // Prepare
    const world = worldAnswer(account);
    const params = new URLSearchParams();

    // Act
    const unknown = world({ action: 'DescribeInstances', params, region: REGION, service: 'ec2' });
    const organization = world({
      action: 'DescribeOrganization',
      params,
      region: 'us-east-1',
      service: 'organizations',
    });

    // Assess
    expect(unknown).toEqual({
      status: 400,
      body: `bench world: no answer for ec2:DescribeInstances in "${REGION}"`,
    });
    expect(organization.status).toBe(400);
    expect(JSON.parse(organization.body)).toEqual({
      __type: 'AWSOrganizationsNotInUseException',
      Message: 'not in an organization',
    });
  });
});
