import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../src/collect/clients.ts';
import { DEFAULT_CLI_RATE_SHARE, DEFAULT_LAMBDA_RATE_SHARE } from '../../src/collect/defaults.ts';
import {
  type Bucket,
  bucketOf,
  EC2_NON_MUTATING,
  IAM_RATE,
  ORGANIZATIONS_RATE,
  type Pacer,
  RequestPacer,
  SAGEMAKER_RATE,
  STS_RATE,
} from '../../src/collect/pacing.ts';
import { SECTIONS } from '../../src/collect/sections/index.ts';
import {
  EC2_REQUEST_LIMIT_EXCEEDED,
  ec2Xml,
  fastClientOverrides,
  startFakeAws,
} from '../support/aws-faults.ts';

const VPCS = bucketOf('ec2', 'eu-west-1', 'DescribeVpcs');

/** Records the bucket of every token taken and of every operation finished, and lets each request go at once. */
class RecordingPacer implements Pacer {
  readonly keys: string[] = [];
  readonly finishedKeys: string[] = [];

  async take(bucket: Bucket): Promise<void> {
    this.keys.push(bucket.key);
  }

  secondsFor(): number {
    return 0;
  }

  finish(bucket: Bucket): void {
    this.finishedKeys.push(bucket.key);
  }

  finished(bucket: Bucket): number {
    return this.finishedKeys.filter((key) => key === bucket.key).length;
  }
}

describe('bucketOf', () => {
  it.each([
    ['ec2', 'eu-west-1', 'DescribeVpcAttribute', 'ec2/eu-west-1/DescribeVpcAttribute', EC2_NON_MUTATING],
    ['ec2', 'us-east-1', 'DescribeVpcAttribute', 'ec2/us-east-1/DescribeVpcAttribute', EC2_NON_MUTATING],
    ['ec2', 'eu-west-1', 'DescribeSecurityGroups', 'ec2/eu-west-1/DescribeSecurityGroups', EC2_NON_MUTATING],
    [
      'sagemaker',
      'eu-west-1',
      'DescribeNotebookInstance',
      'sagemaker/eu-west-1/DescribeNotebookInstance',
      SAGEMAKER_RATE,
    ],
    ['sts', 'eu-west-1', 'GetCallerIdentity', 'sts/eu-west-1', STS_RATE],
    ['sts', 'eu-west-1', 'AssumeRole', 'sts/eu-west-1', STS_RATE],
    ['iam', 'eu-west-1', 'GetAccountAuthorizationDetails', 'iam', IAM_RATE],
    ['iam', 'us-east-1', 'ListAccountAliases', 'iam', IAM_RATE],
    ['organizations', 'us-east-1', 'ListParents', 'organizations', ORGANIZATIONS_RATE],
  ])('puts %s %s %s in bucket %s', (service, region, operation, key, rate) => {
    // Act
    const bucket = bucketOf(service, region, operation);

    // Assess
    expect(bucket).toEqual({ key, rate });
  });

  it('has a rate for every action a section takes, EC2 actions each in their own non-mutating bucket', () => {
    // Prepare
    const actions = SECTIONS.flatMap((section) => section.permissions);

    // Act
    const buckets = actions.map((action) => {
      const [service, operation] = action.split(':') as [string, string];
      return { action, bucket: bucketOf(service, 'eu-west-1', operation) };
    });

    // Assess
    const ec2 = buckets.filter(({ action }) => action.startsWith('ec2:'));
    expect(ec2.map(({ bucket }) => bucket.rate)).toEqual(ec2.map(() => EC2_NON_MUTATING));
    expect(new Set(ec2.map(({ bucket }) => bucket.key)).size).toBe(ec2.length);
  });

  it('refuses a service without a documented rate, naming it', () => {
    // Act & Assess
    expect(() => bucketOf('sns', 'eu-west-1', 'Publish')).toThrow(
      'No documented request rate for the sns service in src/collect/pacing.ts',
    );
  });
});

describe('RequestPacer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([0, -0.5, 1.5, Number.NaN])('refuses the rate share %s', (share) => {
    // Act & Assess
    expect(() => new RequestPacer(share)).toThrow(RangeError);
  });

  it('lets its share of the burst go at once, then one request per refill of its share of the rate', async () => {
    // Prepare: half of EC2's 100 tokens and 20 per second is 50 at once, then one every 100 ms.
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const pacer = new RequestPacer(0.5);
    const gone: number[] = [];

    // Act
    for (let index = 0; index < 52; index += 1) void pacer.take(VPCS).then(() => gone.push(index));
    await vi.advanceTimersByTimeAsync(0);
    const atOnce = gone.length;
    await vi.advanceTimersByTimeAsync(99);
    const before = gone.length;
    await vi.advanceTimersByTimeAsync(1);
    const after = gone.length;
    await vi.advanceTimersByTimeAsync(100);

    // Assess
    expect({ atOnce, before, after, end: gone.length }).toEqual({
      atOnce: 50,
      before: 50,
      after: 51,
      end: 52,
    });
    expect(gone).toEqual([...Array(52).keys()]);
  });

  it('keeps the buckets apart: one action or region running dry does not hold back another', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const pacer = new RequestPacer(0.01);
    await pacer.take(VPCS);
    let other = 0;

    // Act
    await Promise.all([
      pacer.take(bucketOf('ec2', 'eu-west-1', 'DescribeSubnets')).then(() => (other += 1)),
      pacer.take(bucketOf('ec2', 'us-east-1', 'DescribeVpcs')).then(() => (other += 1)),
    ]);
    const waiting = pacer.take(VPCS);
    let vpcsGone = false;
    void waiting.then(() => {
      vpcsGone = true;
    });
    await vi.advanceTimersByTimeAsync(0);

    // Assess
    expect({ other, vpcsGone }).toEqual({ other: 2, vpcsGone: false });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vpcsGone).toBe(true);
  });

  it('estimates the seconds of queued calls beyond the tokens the bucket holds, at its share of the refill', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const pacer = new RequestPacer(0.5);

    // Act
    const fresh = pacer.secondsFor(VPCS, 3_700);
    for (let index = 0; index < 50; index += 1) await pacer.take(VPCS);
    const drained = pacer.secondsFor(VPCS, 3_700);

    // Assess: (3,700 − 50) / 10 per second, then 3,700 / 10 once the burst is spent.
    expect({ fresh, drained }).toEqual({ fresh: 365, drained: 370 });
    expect(pacer.secondsFor(VPCS, 20)).toBe(2);
  });

  it('stops waiting with the reason of the signal that aborts', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const pacer = new RequestPacer(0.01);
    await pacer.take(VPCS);
    const stop = new AbortController();

    // Act
    const waiting = pacer.take(VPCS, stop.signal);
    stop.abort(new Error('the scan deadline passed'));

    // Assess
    await expect(waiting).rejects.toThrow('the scan deadline passed');
    await expect(pacer.take(VPCS, stop.signal)).rejects.toThrow('the scan deadline passed');
  });
});

describe('AwsClients pacing', () => {
  it('paces at the Lambda share unless told another', () => {
    // Act
    const lambda = new AwsClients().pacer as RequestPacer;
    const cli = new AwsClients({ rateShare: DEFAULT_CLI_RATE_SHARE }).pacer as RequestPacer;

    // Assess
    expect({ lambda: lambda.share, cli: cli.share }).toEqual({
      lambda: DEFAULT_LAMBDA_RATE_SHARE,
      cli: DEFAULT_CLI_RATE_SHARE,
    });
  });

  it('takes a token for every HTTP attempt on the wire, the SDK retries of a RequestLimitExceeded included, and finishes the operation once, at its final answer', async () => {
    // Prepare
    let answered = 0;
    const finishedBeforeEachAttempt: number[] = [];
    const aws = await startFakeAws(() => {
      answered += 1;
      finishedBeforeEachAttempt.push(pacer.finished(VPCS));
      if (answered <= 2) return { status: 503, body: EC2_REQUEST_LIMIT_EXCEEDED };
      return { body: ec2Xml('DescribeVpcs', '<vpcSet/>') };
    });
    const pacer = new RecordingPacer();
    const clients = new AwsClients({
      overrides: { endpoint: aws.endpoint, ...fastClientOverrides(4) },
      pacer,
    });

    try {
      // Act
      const output = await clients.ec2('eu-west-1').send(new DescribeVpcsCommand({}));

      // Assess
      expect(output.Vpcs).toEqual([]);
      expect(aws.count('DescribeVpcs')).toBe(3);
      expect(pacer.keys).toEqual([VPCS.key, VPCS.key, VPCS.key]);
      expect(pacer.finishedKeys).toEqual([VPCS.key]);
      expect(finishedBeforeEachAttempt).toEqual([0, 0, 0]);
      expect(clients.counter.toJSON()).toEqual({ 'ec2:DescribeVpcs': 1 });
    } finally {
      await aws.close();
    }
  });

  it('finishes an operation throttled on every attempt once, when the SDK gives up its retries', async () => {
    // Prepare
    const aws = await startFakeAws(() => ({ status: 503, body: EC2_REQUEST_LIMIT_EXCEEDED }));
    const pacer = new RecordingPacer();
    const clients = new AwsClients({
      overrides: { endpoint: aws.endpoint, ...fastClientOverrides(4) },
      pacer,
    });

    try {
      // Act
      const sent = clients.ec2('eu-west-1').send(new DescribeVpcsCommand({}));

      // Assess
      await expect(sent).rejects.toThrow('Request limit exceeded.');
      expect(aws.count('DescribeVpcs')).toBe(4);
      expect(pacer.keys).toEqual([VPCS.key, VPCS.key, VPCS.key, VPCS.key]);
      expect(pacer.finishedKeys).toEqual([VPCS.key]);
    } finally {
      await aws.close();
    }
  });

  it('cancels the queued requests of a region given up, and only its EC2 and SageMaker ones', async () => {
    // Prepare: eu-west-1's EC2 requests wait for tokens that never come, until their signal aborts.
    const aws = await startFakeAws(() => ({ body: ec2Xml('DescribeVpcs', '<vpcSet/>') }));
    const pacer: Pacer = {
      take: (bucket, signal) =>
        bucket.key.startsWith('ec2/eu-west-1/')
          ? new Promise<void>((_resolve, reject) => {
              if (signal?.aborted) reject(signal.reason);
              signal?.addEventListener('abort', () => reject(signal.reason));
            })
          : Promise.resolve(),
      secondsFor: () => 0,
      finish: () => {},
      finished: () => 0,
    };
    const clients = new AwsClients({
      overrides: { endpoint: aws.endpoint, ...fastClientOverrides(1) },
      pacer,
    });

    try {
      // Act
      const waiting = clients.ec2('eu-west-1').send(new DescribeVpcsCommand({}));
      clients.abortRegion('eu-west-1', new Error('eu-west-1 not scanned'));

      // Assess
      await expect(waiting).rejects.toThrow('eu-west-1 not scanned');
      await expect(clients.ec2('us-east-1').send(new DescribeVpcsCommand({}))).resolves.toMatchObject({
        Vpcs: [],
      });
      expect(aws.count('DescribeVpcs')).toBe(1);
    } finally {
      await aws.close();
    }
  });
});
