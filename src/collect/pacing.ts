import { TokenBucket } from 'limiter';

/** A token bucket as AWS documents it: how many requests at once, and how many more per second. */
export interface BucketRate {
  burst: number;
  refillPerSecond: number;
}

/**
 * EC2 gives every API action its own bucket per account and Region. Every action the scanner calls
 * (DescribeRegions, DescribeVpcs, DescribeVpcEndpoints, DescribeVpcEndpointServices, DescribeSubnets,
 * DescribeSecurityGroups, DescribeVpcAttribute) is a non-mutating action: 100 tokens, 20 per second.
 * DescribeSecurityGroups falls in the smaller "unfiltered and unpaginated" bucket (50, 10 per
 * second) only when called without a filter and without pagination; the scanner always sends a
 * `group-id` filter and `MaxResults`.
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html ("Request token bucket sizes and refill rates")
 */
export const EC2_NON_MUTATING: BucketRate = { burst: 100, refillPerSecond: 20 };

/**
 * STS: 600 requests per second per account and Region, shared by its credential operations
 * (GetCallerIdentity, AssumeRole).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export const STS_RATE: BucketRate = { burst: 600, refillPerSecond: 600 };

/**
 * IAM, SageMaker and Organizations publish no request rate for the read calls the scanner makes
 * (IAM's quotas page lists none; SageMaker shows per-API rates only in the account's Service Quotas
 * console; Organizations documents TooManyRequestsException without a number). These are
 * deliberately modest assumptions, per account (IAM, Organizations: global services) or per
 * account, Region and action (SageMaker); the adaptive retries absorb a lower real limit.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 * https://docs.aws.amazon.com/sagemaker/latest/dg/regions-quotas.html
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
 */
export const IAM_RATE: BucketRate = { burst: 20, refillPerSecond: 10 };
export const SAGEMAKER_RATE: BucketRate = { burst: 20, refillPerSecond: 10 };
export const ORGANIZATIONS_RATE: BucketRate = { burst: 10, refillPerSecond: 5 };

/** Which AWS bucket one request draws from, and that bucket's documented rate. */
export interface Bucket {
  /** e.g. `ec2/eu-west-1/DescribeVpcAttribute`, `iam`, `sts/eu-west-1`. */
  key: string;
  rate: BucketRate;
}

/**
 * The bucket of `operation` (`DescribeVpcs`, `GetAccountAuthorizationDetails`…) of `service` called in
 * `region`, for one account.
 *
 * @example bucketOf('ec2', 'eu-west-1', 'DescribeVpcAttribute') // { key: 'ec2/eu-west-1/DescribeVpcAttribute', rate: EC2_NON_MUTATING }
 */
export function bucketOf(service: string, region: string, operation: string): Bucket {
  switch (service) {
    case 'ec2':
      return { key: `ec2/${region}/${operation}`, rate: EC2_NON_MUTATING };
    case 'sagemaker':
      return { key: `sagemaker/${region}/${operation}`, rate: SAGEMAKER_RATE };
    case 'sts':
      return { key: `sts/${region}`, rate: STS_RATE };
    case 'iam':
      return { key: 'iam', rate: IAM_RATE };
    case 'organizations':
      return { key: 'organizations', rate: ORGANIZATIONS_RATE };
    default:
      throw new Error(`No documented request rate for the ${service} service in src/collect/pacing.ts`);
  }
}

/**
 * Takes one token of a bucket before each HTTP attempt, counts the operations that have their
 * final answer, and tells how long queued calls will take.
 */
export interface Pacer {
  /** Resolves when the request may go; rejects with `signal`'s reason if it aborts first. */
  take(bucket: Bucket, signal?: AbortSignal): Promise<void>;
  /** Seconds that `calls` more requests to `bucket` need at the paced rate, beyond the tokens it holds now. */
  secondsFor(bucket: Bucket, calls: number): number;
  /**
   * Records that one operation of `bucket` has its final answer, output or error, after all its
   * retries: it takes no more tokens.
   */
  finish(bucket: Bucket): void;
  /**
   * How many operations of `bucket` have had their final answer: a retried operation counts once,
   * when its last attempt is answered, however many tokens its attempts took.
   */
  finished(bucket: Bucket): number;
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * Client-side token buckets, one per AWS bucket, at `share` of each documented rate (burst and
 * refill alike), so that the scan leaves the rest to the account's other callers and rarely meets
 * a RequestLimitExceeded. A bucket starts full: the scanner's share of the burst.
 *
 * @example const pacer = new RequestPacer(0.5); await pacer.take(bucketOf('ec2', 'eu-west-1', 'DescribeVpcs'));
 */
export class RequestPacer implements Pacer {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly finishes = new Map<string, number>();

  constructor(readonly share: number) {
    if (!(share > 0 && share <= 1))
      throw new RangeError(`a rate share is above 0 and at most 1, not ${share}`);
  }

  async take(bucket: Bucket, signal?: AbortSignal): Promise<void> {
    // A request of a region given up, or after the deadline, must not queue for a token at all.
    if (signal?.aborted) throw signal.reason;
    const removal = this.tokens(bucket).removeTokens(1);
    if (signal === undefined) {
      await removal;
      return;
    }
    // The token is still taken when the queue reaches it; the request just no longer waits for it.
    removal.catch(() => {});
    await Promise.race([removal, abortion(signal)]);
  }

  finish(bucket: Bucket): void {
    this.finishes.set(bucket.key, this.finished(bucket) + 1);
  }

  finished(bucket: Bucket): number {
    return this.finishes.get(bucket.key) ?? 0;
  }

  secondsFor(bucket: Bucket, calls: number): number {
    const tokens = this.tokens(bucket);
    tokens.drip();
    return Math.max(0, calls - tokens.content) / (bucket.rate.refillPerSecond * this.share);
  }

  private tokens(bucket: Bucket): TokenBucket {
    const known = this.buckets.get(bucket.key);
    if (known) return known;
    // Below one token a bucket could never hold the one a request takes.
    const size = Math.max(1, bucket.rate.burst * this.share);
    const created = new TokenBucket({
      bucketSize: size,
      tokensPerInterval: bucket.rate.refillPerSecond * this.share,
      interval: 1000,
    });
    created.content = size;
    this.buckets.set(bucket.key, created);
    return created;
  }
}
