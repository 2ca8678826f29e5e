import { describe, expect, it } from 'vitest';
import {
  bucketLowerBoundMs,
  bucketOf,
  EC2_NON_MUTATING,
  EC2_UNFILTERED_UNPAGINATED,
  IAM_ACCOUNT,
  latencyMs,
  lowerBoundMs,
  type RequestShape,
  SAGEMAKER_ACTION,
  TokenBucket,
} from '../../bench/aws-limits.ts';
import { minimumCalls, minimumCallsByRegion, minimumLoads } from '../../bench/aws-world.ts';
import { syntheticAccount } from '../../bench/synthetic.ts';
import { sectionsNeeded } from '../../src/engine/select.ts';
import { RULES } from '../../src/rules/index.ts';

const ec2 = (action: string, region = 'eu-west-1', filtered = true, paginated = true): RequestShape => ({
  account: '111122223333',
  region,
  service: 'ec2',
  action,
  filtered,
  paginated,
});

describe('TokenBucket', () => {
  it('admits a full bucket at once, then throttles until a token has refilled', () => {
    // Prepare
    const bucket = new TokenBucket({ capacity: 100, refillPerSecond: 20 }, 0);

    // Act
    const burst = Array.from({ length: 101 }, () => bucket.take(0));

    // Assess
    expect(burst.filter(Boolean)).toHaveLength(100);
    expect(burst[100]).toBe(false);
    expect(bucket.take(49)).toBe(false);
    expect(bucket.take(50)).toBe(true);
    expect(bucket.take(50)).toBe(false);
  });

  it('refills at its rate and never beyond its capacity', () => {
    // Prepare
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 2 }, 0);
    for (let i = 0; i < 5; i += 1) bucket.take(0);

    // Act
    const afterOneSecond = [bucket.take(1000), bucket.take(1000), bucket.take(1000)];
    const afterAnHour = Array.from({ length: 6 }, () => bucket.take(3_600_000));

    // Assess
    expect(afterOneSecond).toEqual([true, true, false]);
    expect(afterAnHour).toEqual([true, true, true, true, true, false]);
  });
});

describe('bucketOf', () => {
  it('gives each EC2 action of each region its own non-mutating bucket of 100 refilled at 20 a second', () => {
    // Act
    const vpcs = bucketOf(ec2('DescribeVpcs'));
    const attributes = bucketOf(ec2('DescribeVpcAttribute'));
    const otherRegion = bucketOf(ec2('DescribeVpcAttribute', 'us-east-1'));

    // Assess
    expect(vpcs).toEqual({ key: 'ec2/111122223333/eu-west-1/DescribeVpcs', limit: EC2_NON_MUTATING });
    expect(attributes?.key).toBe('ec2/111122223333/eu-west-1/DescribeVpcAttribute');
    expect(otherRegion?.key).toBe('ec2/111122223333/us-east-1/DescribeVpcAttribute');
    expect(EC2_NON_MUTATING).toEqual({ capacity: 100, refillPerSecond: 20 });
  });

  it('puts DescribeSecurityGroups with neither filter nor pagination in the smaller bucket of 50 refilled at 10', () => {
    // Act
    const bare = bucketOf(ec2('DescribeSecurityGroups', 'eu-west-1', false, false));
    const filtered = bucketOf(ec2('DescribeSecurityGroups', 'eu-west-1', true, false));
    const paginated = bucketOf(ec2('DescribeSecurityGroups', 'eu-west-1', false, true));
    const bareVpcs = bucketOf(ec2('DescribeVpcs', 'eu-west-1', false, false));

    // Assess
    expect(bare).toEqual({
      key: 'ec2/111122223333/eu-west-1/DescribeSecurityGroups/unfiltered',
      limit: EC2_UNFILTERED_UNPAGINATED,
    });
    expect(EC2_UNFILTERED_UNPAGINATED).toEqual({ capacity: 50, refillPerSecond: 10 });
    expect(filtered).toEqual({
      key: 'ec2/111122223333/eu-west-1/DescribeSecurityGroups',
      limit: EC2_NON_MUTATING,
    });
    expect(paginated?.limit).toBe(EC2_NON_MUTATING);
    expect(bareVpcs?.limit).toBe(EC2_NON_MUTATING);
  });

  it('shares one IAM bucket per account across actions and regions, one SageMaker bucket per action and region, and none for STS', () => {
    // Prepare
    const shape = (service: RequestShape['service'], action: string, region: string): RequestShape => ({
      ...ec2(action, region),
      service,
    });

    // Act
    const aliases = bucketOf(shape('iam', 'ListAccountAliases', 'us-east-1'));
    const details = bucketOf(shape('iam', 'GetAccountAuthorizationDetails', 'eu-west-1'));
    const notebooks = bucketOf(shape('sagemaker', 'DescribeNotebookInstance', 'eu-west-1'));
    const identity = bucketOf(shape('sts', 'GetCallerIdentity', 'eu-west-1'));

    // Assess
    expect(aliases).toEqual({ key: 'iam/111122223333', limit: IAM_ACCOUNT });
    expect(details).toEqual(aliases);
    expect(notebooks).toEqual({
      key: 'sagemaker/111122223333/eu-west-1/DescribeNotebookInstance',
      limit: SAGEMAKER_ACTION,
    });
    expect(identity).toBeUndefined();
  });
});

describe('latencyMs', () => {
  it('is the fixed part plus the part per KiB of the answer', () => {
    expect(latencyMs({ baseMs: 30, perKibMs: 0.5 }, 0)).toBe(30);
    expect(latencyMs({ baseMs: 30, perKibMs: 0.5 }, 10 * 1024)).toBe(35);
    expect(latencyMs({ baseMs: 30, perKibMs: 0.5 }, 512)).toBe(30.25);
  });
});

describe('lower bound', () => {
  it('is (n − capacity) / refill seconds plus the quickest answer for n requests in one bucket', () => {
    // Prepare
    const load = {
      key: 'ec2/111122223333/eu-west-1/DescribeVpcAttribute',
      limit: EC2_NON_MUTATING,
      latenciesMs: Array.from({ length: 3_700 }, () => 30),
      chains: [],
    };

    // Act
    const ms = bucketLowerBoundMs(load);

    // Assess
    expect(ms).toBe(180_030);
  });

  it('is the quickest answer when the requests fit in the bucket, and the sum of its pages for a chain', () => {
    expect(
      bucketLowerBoundMs({ key: 'a', limit: EC2_NON_MUTATING, latenciesMs: [40, 30, 50], chains: [] }),
    ).toBe(30);
    expect(
      bucketLowerBoundMs({
        key: 'iam',
        limit: IAM_ACCOUNT,
        latenciesMs: [30],
        chains: [[500, 500, 500, 250]],
      }),
    ).toBe(1_750);
    expect(bucketLowerBoundMs({ key: 'none', limit: IAM_ACCOUNT, latenciesMs: [], chains: [] })).toBe(0);
  });

  it('counts a chain’s pages as the bucket’s requests too', () => {
    // 30 pages of 10 ms in a bucket of 20 refilled at 10: the 30th page waits (30 − 20) / 10 s.
    const chain = Array.from({ length: 30 }, () => 10);
    expect(bucketLowerBoundMs({ key: 'iam', limit: IAM_ACCOUNT, latenciesMs: [], chains: [chain] })).toBe(
      1_010,
    );
  });

  it('is set by the slowest bucket, which it names', () => {
    const fast = { key: 'fast', limit: EC2_NON_MUTATING, latenciesMs: [30], chains: [] };
    const slow = {
      key: 'slow',
      limit: EC2_NON_MUTATING,
      latenciesMs: Array.from({ length: 120 }, () => 30),
      chains: [],
    };
    expect(lowerBoundMs([fast, slow, fast])).toEqual({ ms: 1_030, bucket: 'slow' });
  });

  it('draws from the synthetic account exactly the minimum calls, bucket by bucket, leaving only STS and Organizations out', () => {
    // Prepare
    const account = syntheticAccount('medium');
    const needs = sectionsNeeded(RULES);

    // Act
    const loads = minimumLoads(account, needs, { baseMs: 30, perKibMs: 0.5 });

    // Assess
    const requests = (key: string) => {
      const load = loads.find((candidate) => candidate.key === key);
      return (load?.latenciesMs.length ?? 0) + (load?.chains.flat().length ?? 0);
    };
    const perRegion = minimumCallsByRegion(account, needs).regions['us-east-1'] ?? {};
    expect(requests('ec2/111122223333/us-east-1/DescribeVpcAttribute')).toBe(
      perRegion['ec2:DescribeVpcAttribute'],
    );
    expect(requests('sagemaker/111122223333/us-east-1/DescribeNotebookInstance')).toBe(
      perRegion['sagemaker:DescribeNotebookInstance'],
    );
    const calls = minimumCalls(account, needs);
    const total = loads.reduce((sum, load) => sum + load.latenciesMs.length + load.chains.flat().length, 0);
    expect(total).toBe(
      Object.values(calls).reduce((sum, n) => sum + n, 0) -
        (calls['sts:GetCallerIdentity'] ?? 0) -
        (calls['organizations:DescribeOrganization'] ?? 0),
    );
    // The IAM listing is one chain of its pages, each at least the fixed latency.
    const iam = loads.find((load) => load.key === 'iam/111122223333');
    expect(iam?.chains).toHaveLength(1);
    expect(iam?.chains[0]).toHaveLength(calls['iam:GetAccountAuthorizationDetails'] as number);
    expect(Math.min(...(iam?.chains[0] ?? []))).toBeGreaterThan(30);
  });
});
