import {
  DescribeRegionsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  type Vpc,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../src/collect/clients.ts';
import { collectLive } from '../../src/collect/index.ts';
import { runScan } from '../../src/engine/scan.ts';
import { selectRules } from '../../src/engine/select.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import { UserInputError } from '../../src/model/errors.ts';
import {
  accessDenied,
  afterToken,
  always,
  endpointServiceListing,
  failFirst,
  fastClients,
  hangs,
  pagesOf,
  serveFromResponders,
  throttlingError,
} from '../support/aws-faults.ts';
import { ACCOUNT_ID, endpoint, offeredServices, serviceName, vpc } from '../support/inventory.ts';

/** The EC2 rules: what these tests serve; IAM collection has its own tests. */
const RULES = selectRules(['vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns']);
const CALLER = { Account: ACCOUNT_ID, Arn: `arn:aws:iam::${ACCOUNT_ID}:role/scanner`, UserId: 'AROASCANNER' };
/** Class-level stubs for the first block only: the retry block needs the real `send`. */
const stubClasses = () => ({ ec2: mockClient(EC2Client), sts: mockClient(STSClient) });
let ec2: ReturnType<typeof stubClasses>['ec2'];
let sts: ReturnType<typeof stubClasses>['sts'];

/** A VPC with both SageMaker endpoints, for a region. */
function compliantVpc(region: string, vpcId: string) {
  return {
    vpc: vpc(vpcId) as Vpc,
    endpoints: [
      endpoint(`${vpcId}-api`, vpcId, serviceName(region, 'sagemaker.api')),
      endpoint(`${vpcId}-runtime`, vpcId, serviceName(region, 'sagemaker.runtime')),
    ] as VpcEndpoint[],
  };
}

async function regionOf(getClient: () => EC2Client): Promise<string> {
  return getClient().config.region();
}

describe('live collection with aws-sdk-client-mock', () => {
  beforeAll(() => {
    ({ ec2, sts } = stubClasses());
  });

  afterAll(() => {
    ec2.restore();
    sts.restore();
  });

  beforeEach(() => {
    sts.on(GetCallerIdentityCommand).resolves(CALLER);
  });

  afterEach(() => {
    ec2.reset();
    sts.reset();
  });

  it('turns access denied in one of three regions into ERROR results there and completes the others', async () => {
    // Prepare
    const regions = ['eu-west-1', 'eu-west-2', 'us-east-1'];
    ec2.on(DescribeVpcEndpointServicesCommand).callsFake(async (_input, getClient) => ({
      ServiceNames: await regionOf(getClient).then((region) =>
        endpointServiceListing(region, offeredServices(region)),
      ),
    }));
    ec2.on(DescribeVpcsCommand).callsFake(async (_input, getClient) => {
      const region = await regionOf(getClient);
      if (region === 'eu-west-2') throw accessDenied(EC2ServiceException);
      return { Vpcs: [compliantVpc(region, `vpc-${region}`).vpc] };
    });
    ec2.on(DescribeVpcEndpointsCommand).callsFake(async (_input, getClient) => {
      const region = await regionOf(getClient);
      return { VpcEndpoints: compliantVpc(region, `vpc-${region}`).endpoints };
    });
    ec2.on(DescribeVpcAttributeCommand).resolves({
      EnableDnsSupport: { Value: true },
      EnableDnsHostnames: { Value: true },
    });

    // Act
    const { report } = await runScan({
      rules: RULES,
      config: DEFAULT_RULE_CONFIG,
      source: { kind: 'live', clients: new AwsClients(), regions, homeRegion: 'eu-west-1' },
    });

    // Assess
    const byRegion = (region: string) =>
      report.results
        .filter((result) => result.region === region)
        .map((result) => [result.ruleId, result.status]);
    expect(byRegion('eu-west-2')).toEqual([
      ['vpc-sagemaker-endpoints', 'ERROR'],
      ['vpc-sagemaker-private-dns', 'ERROR'],
    ]);
    for (const region of ['eu-west-1', 'us-east-1']) {
      expect(byRegion(region)).toEqual([
        ['vpc-sagemaker-endpoints', 'PASS'],
        ['vpc-sagemaker-private-dns', 'PASS'],
        ['vpc-sagemaker-private-dns', 'PASS'],
      ]);
    }
    const denied = report.results.find((result) => result.region === 'eu-west-2');
    expect(denied?.message).toContain('UnauthorizedOperation');
    expect(report.scope.regions).toEqual(regions);
    expect(report.complete).toBe(true);
  });

  it('reads a region of 2,500 VPCs and 3,000 endpoints in the fewest calls', async () => {
    // Prepare
    const region = 'eu-west-1';
    const vpcs: Vpc[] = [];
    const endpoints: VpcEndpoint[] = [];
    for (let index = 0; index < 2500; index += 1) {
      const vpcId = `vpc-${String(index).padStart(6, '0')}`;
      const built = compliantVpc(region, vpcId);
      vpcs.push(built.vpc);
      if (index < 1500) endpoints.push(...built.endpoints);
    }
    // Served beneath the client's middleware, where calls are counted (a class-level mock skips it).
    ec2.restore();
    sts.restore();
    const clients = fastClients();
    serveFromResponders(clients.sts(region), { GetCallerIdentity: always(CALLER) });
    serveFromResponders(clients.iam(region), { ListAccountAliases: always({ AccountAliases: ['ml-prod'] }) });
    serveFromResponders(clients.ec2(region), {
      DescribeVpcEndpointServices: always({
        ServiceNames: endpointServiceListing(region, offeredServices(region)),
      }),
      DescribeVpcs: pagesOf('Vpcs', vpcs),
      DescribeVpcEndpoints: pagesOf('VpcEndpoints', endpoints),
      DescribeVpcAttribute: (input) => ({
        VpcId: input.VpcId,
        EnableDnsSupport: { Value: true },
        EnableDnsHostnames: { Value: true },
      }),
    });

    // Act
    const { report } = await runScan({
      rules: RULES,
      config: DEFAULT_RULE_CONFIG,
      source: { kind: 'live', clients, regions: [region], homeRegion: region },
    });
    ({ ec2, sts } = stubClasses());

    // Assess
    expect(report.stats.apiCalls).toEqual({
      'ec2:DescribeVpcAttribute': 3000,
      'ec2:DescribeVpcEndpointServices': 1,
      'ec2:DescribeVpcEndpoints': 3,
      'ec2:DescribeVpcs': 3,
      'iam:ListAccountAliases': 1,
      'sts:GetCallerIdentity': 1,
    });
    expect(report.scope.accountAliases).toEqual({ [CALLER.Account]: 'ml-prod' });
    expect(report.summary).toMatchObject({ pass: 1500 + 3000, fail: 1000, error: 0 });
    // 6,000 requests through the SDK's whole middleware stack (signing included) take seconds here.
  }, 60_000);

  it('lists every enabled region with DescribeRegions for --all-regions', async () => {
    // Prepare
    ec2.on(DescribeRegionsCommand).resolves({
      Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'eu-west-1' }],
    });
    ec2.on(DescribeVpcEndpointServicesCommand).resolves({
      ServiceNames: ['com.amazonaws.eu-west-1.s3', 'com.amazonaws.us-east-1.s3'],
    });
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });

    // Act
    const collection = await collectLive({
      clients: new AwsClients(),
      regions: 'all',
      homeRegion: 'eu-central-1',
      needs: new Set(['endpointServices', 'vpcs', 'vpcEndpoints']),
    });

    // Assess
    expect(collection.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(collection.inventory.accounts[0]?.regions.map((item) => item.region)).toEqual([
      'eu-west-1',
      'us-east-1',
    ]);
    expect(ec2.commandCalls(DescribeRegionsCommand)[0]?.args[0].input).toEqual({ AllRegions: false });
  });

  it('fails closed when the enabled regions cannot be listed: an ERROR region, an incomplete scan', async () => {
    // Prepare
    ec2.on(DescribeRegionsCommand).rejects(accessDenied(EC2ServiceException));

    // Act
    const { report } = await runScan({
      rules: selectRules(['vpc-sagemaker-endpoints']),
      config: DEFAULT_RULE_CONFIG,
      source: { kind: 'live', clients: new AwsClients(), regions: 'all', homeRegion: 'eu-central-1' },
    });

    // Assess
    expect(report.complete).toBe(false);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ status: 'ERROR', region: 'eu-central-1' });
    expect(report.results[0]?.message).toContain('could not list the enabled regions (DescribeRegions)');
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(0);
  });

  it('turns the section in flight and the regions not started at the deadline into DeadlineExceeded ERROR, incomplete', async () => {
    // Prepare
    const deadline = new AbortController();
    ec2.on(DescribeVpcEndpointServicesCommand).resolves({
      ServiceNames: endpointServiceListing('eu-west-1', offeredServices('eu-west-1')),
    });
    // The deadline passes while the first region's VPCs are being listed, and they never come.
    ec2.on(DescribeVpcsCommand).callsFake(() => {
      deadline.abort();
      return hangs;
    });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });

    // Act
    const { report } = await runScan({
      rules: RULES,
      config: DEFAULT_RULE_CONFIG,
      source: {
        kind: 'live',
        clients: new AwsClients(),
        regions: ['eu-west-1', 'us-east-1'],
        homeRegion: 'eu-west-1',
        regionConcurrency: 1,
        deadline: deadline.signal,
      },
    });

    // Assess
    expect(report.complete).toBe(false);
    expect(report.results.map((result) => [result.region, result.status])).toEqual([
      ['eu-west-1', 'ERROR'],
      ['us-east-1', 'ERROR'],
      ['eu-west-1', 'ERROR'],
      ['us-east-1', 'ERROR'],
    ]);
    expect(report.results[0]?.message).toContain(
      'vpcs (DeadlineExceeded: not finished before the scan deadline)',
    );
    expect(report.results[1]?.message).toContain('DeadlineExceeded: not reached before the scan deadline');
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(1);
  });

  it('reads every region at once by default: each has its own buckets, so none waits for another', async () => {
    // Prepare
    const regions = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'us-east-1', 'us-west-2'];
    let inFlight = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    ec2.on(DescribeVpcsCommand).callsFake(async () => {
      inFlight += 1;
      await gate;
      return { Vpcs: [] };
    });

    // Act
    const collecting = collectLive({
      clients: new AwsClients(),
      regions,
      homeRegion: 'eu-west-1',
      needs: new Set(['vpcs']),
    });

    // Assess
    await vi.waitFor(() => expect(inFlight).toBe(regions.length));
    release();
    const { inventory } = await collecting;
    expect(inventory.accounts[0]?.regions.map((region) => [region.region, region.vpcs])).toEqual(
      regions.map((region) => [region, []]),
    );
  });

  it('stops with a user error naming the credentials when the account cannot be identified', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).rejects(accessDenied(STSServiceException, 'InvalidClientTokenId'));

    // Act
    const collecting = collectLive({
      clients: new AwsClients(),
      regions: ['eu-west-1'],
      homeRegion: 'eu-west-1',
      needs: new Set(['vpcs']),
    });

    // Assess
    await expect(collecting).rejects.toThrow(UserInputError);
    await expect(collecting).rejects.toThrow(/InvalidClientTokenId.*AWS_PROFILE/);
  });
});

describe('live collection through the SDK retry strategy', () => {
  const region = 'eu-west-1';

  function serveRegion(clients: AwsClients, overrides: Record<string, ReturnType<typeof always>> = {}) {
    serveFromResponders(clients.sts(region), { GetCallerIdentity: always(CALLER) });
    serveFromResponders(clients.iam(region), { ListAccountAliases: always({ AccountAliases: ['ml-prod'] }) });
    const built = compliantVpc(region, 'vpc-1');
    return serveFromResponders(clients.ec2(region), {
      DescribeVpcEndpointServices: always({
        ServiceNames: endpointServiceListing(region, offeredServices(region)),
      }),
      DescribeVpcs: pagesOf('Vpcs', [built.vpc, vpc('vpc-2'), vpc('vpc-3')], 1),
      DescribeVpcEndpoints: always({ VpcEndpoints: built.endpoints }),
      DescribeVpcAttribute: (input) => ({
        VpcId: input.VpcId,
        EnableDnsSupport: { Value: true },
        EnableDnsHostnames: { Value: true },
      }),
      ...overrides,
    });
  }

  async function scan(clients: AwsClients) {
    return (
      await runScan({
        rules: RULES,
        config: DEFAULT_RULE_CONFIG,
        source: { kind: 'live', clients, regions: [region], homeRegion: region, regionConcurrency: 1 },
      })
    ).report;
  }

  it('rides out throttling and then succeeds, counting each request once', async () => {
    // Prepare
    const clients = fastClients(4);
    const log = serveRegion(clients, {
      DescribeVpcEndpoints: failFirst(
        3,
        () => throttlingError(EC2ServiceException),
        always({ VpcEndpoints: compliantVpc(region, 'vpc-1').endpoints }),
      ),
    });

    // Act
    const report = await scan(clients);

    // Assess
    expect(log.count('DescribeVpcEndpoints')).toBe(4);
    expect(report.stats.apiCalls['ec2:DescribeVpcEndpoints']).toBe(1);
    expect(report.summary.error).toBe(0);
    expect(report.results.filter((result) => result.status === 'PASS')).toHaveLength(3);
  });

  it('retries a throttled call in the middle of pagination and keeps every page', async () => {
    // Prepare
    const clients = fastClients(4);
    const built = compliantVpc(region, 'vpc-1');
    const log = serveRegion(clients, {
      DescribeVpcs: failFirst(
        2,
        () => throttlingError(EC2ServiceException),
        pagesOf('Vpcs', [built.vpc, vpc('vpc-2'), vpc('vpc-3')], 1),
        afterToken('page-1'),
      ),
    });

    // Act
    const report = await scan(clients);

    // Assess
    expect(log.count('DescribeVpcs')).toBe(5);
    expect(report.stats.apiCalls['ec2:DescribeVpcs']).toBe(3);
    expect(
      report.results.filter((result) => result.ruleId === 'vpc-sagemaker-endpoints').map((r) => r.resourceId),
    ).toEqual(['vpc-1', 'vpc-2', 'vpc-3']);
  });

  it('turns throttling that outlasts the retries into ERROR for the region, not PASS', async () => {
    // Prepare
    const clients = fastClients(3);
    const log = serveRegion(clients, {
      DescribeVpcs: failFirst(
        Number.POSITIVE_INFINITY,
        () => throttlingError(EC2ServiceException),
        pagesOf('Vpcs', [vpc('vpc-1'), vpc('vpc-2'), vpc('vpc-3')], 1),
        afterToken('page-2'),
      ),
    });

    // Act
    const report = await scan(clients);

    // Assess
    expect(log.count('DescribeVpcs')).toBe(2 + 3);
    expect(report.results.map((result) => [result.ruleId, result.resourceId, result.status])).toEqual([
      ['vpc-sagemaker-endpoints', region, 'ERROR'],
      ['vpc-sagemaker-private-dns', region, 'ERROR'],
    ]);
    expect(report.results[0]?.message).toContain('RequestLimitExceeded');
  });

  it('does not retry access denied', async () => {
    // Prepare
    const clients = fastClients(4);
    const log = serveRegion(clients, {
      DescribeVpcAttribute: failFirst(
        Number.POSITIVE_INFINITY,
        () => accessDenied(EC2ServiceException),
        always({}),
      ),
    });

    // Act
    const report = await scan(clients);

    // Assess
    expect(log.count('DescribeVpcAttribute')).toBe(2);
    const dns = report.results.filter((result) => result.ruleId === 'vpc-sagemaker-private-dns');
    expect(dns.map((result) => [result.resourceId, result.status])).toEqual([[region, 'ERROR']]);
    expect(dns[0]?.message).toContain('vpcAttributes (UnauthorizedOperation');
  });
});
