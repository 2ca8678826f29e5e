/**
 * How the bench's AWS answers: the request-rate buckets, the latency of an answer, and the shortest
 * time any collector could take given them. Pure functions of their inputs (time is passed in), so
 * that the tests can check the arithmetic without a clock.
 */

/** A token bucket's size and refill rate. */
export interface BucketLimit {
  capacity: number;
  refillPerSecond: number;
}

/**
 * EC2's documented request buckets, per account, region and action ("Request throttling for the
 * Amazon EC2 API", https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html, "Request
 * token bucket sizes and refill rates"). Every EC2 action the scanner calls (DescribeRegions,
 * DescribeVpcEndpointServices, DescribeVpcs, DescribeVpcEndpoints, DescribeVpcAttribute,
 * DescribeSubnets, DescribeSecurityGroups) is a non-mutating action, none is in the page's
 * uncategorized table, so each has its own bucket of 100 tokens refilled at 20 a second.
 * DescribeSecurityGroups is also in the "unfiltered and unpaginated non-mutating actions": asked
 * with neither a filter nor pagination it draws from a smaller bucket of 50 refilled at 10.
 */
export const EC2_NON_MUTATING: BucketLimit = { capacity: 100, refillPerSecond: 20 };
export const EC2_UNFILTERED_UNPAGINATED: BucketLimit = { capacity: 50, refillPerSecond: 10 };
const EC2_UNFILTERED_UNPAGINATED_ACTIONS = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);

/**
 * IAM publishes no request rates: its quotas page lists object sizes and counts only, and AWS's
 * knowledge-center article on IAM throttling says only that calls from every source share one
 * maximum rate per account, which cannot be raised. Assumed: one bucket per account for every IAM
 * action (IAM is global), of 20 tokens refilled at 10 a second, half EC2's per-region rate for
 * a service that has one endpoint for all regions. A scan's IAM calls are one alias call and one
 * chain of `GetAccountAuthorizationDetails` pages, each waiting for the last, so the assumption
 * does not bind unless another tool shares the bucket.
 */
export const IAM_ACCOUNT: BucketLimit = { capacity: 20, refillPerSecond: 10 };

/**
 * SageMaker documents no request rates either ("Amazon SageMaker endpoints and quotas",
 * https://docs.aws.amazon.com/general/latest/gr/sagemaker.html, lists resource and instance
 * quotas; its API rates are visible only in an account's Service Quotas console). Assumed: a
 * bucket per account, region and action, like EC2's, of 20 tokens refilled at 10 a second.
 */
export const SAGEMAKER_ACTION: BucketLimit = { capacity: 20, refillPerSecond: 10 };

/** The bucket a request draws from: its key (what shares it) and its limit. */
export interface BucketChoice {
  key: string;
  limit: BucketLimit;
}

/** What the bucket of a request depends on. `filtered` and `paginated` only matter to EC2. */
export interface RequestShape {
  account: string;
  region: string;
  service: 'ec2' | 'iam' | 'organizations' | 'sagemaker' | 'sts';
  action: string;
  filtered: boolean;
  paginated: boolean;
}

/**
 * The bucket of one request, or `undefined` for STS and Organizations: a scan makes one
 * GetCallerIdentity and one DescribeOrganization call, and their rates are undocumented too, so the
 * model leaves them unthrottled.
 */
export function bucketOf(request: RequestShape): BucketChoice | undefined {
  const { account, region, service, action } = request;
  if (service === 'ec2') {
    const small = EC2_UNFILTERED_UNPAGINATED_ACTIONS.has(action) && !request.filtered && !request.paginated;
    return small
      ? { key: `ec2/${account}/${region}/${action}/unfiltered`, limit: EC2_UNFILTERED_UNPAGINATED }
      : { key: `ec2/${account}/${region}/${action}`, limit: EC2_NON_MUTATING };
  }
  if (service === 'iam') return { key: `iam/${account}`, limit: IAM_ACCOUNT };
  if (service === 'sagemaker')
    return { key: `sagemaker/${account}/${region}/${action}`, limit: SAGEMAKER_ACTION };
  return undefined;
}

/**
 * A token bucket that starts full and refills continuously: a request takes one token when it
 * arrives, or is throttled when less than one is left.
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly limit: BucketLimit,
    startMs: number,
  ) {
    this.tokens = limit.capacity;
    this.updatedMs = startMs;
  }

  /** Takes a token at `nowMs` (milliseconds, never earlier than the last call): false if throttled. */
  take(nowMs: number): boolean {
    const elapsedSeconds = Math.max(0, nowMs - this.updatedMs) / 1000;
    this.tokens = Math.min(this.limit.capacity, this.tokens + elapsedSeconds * this.limit.refillPerSecond);
    this.updatedMs = Math.max(nowMs, this.updatedMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The time AWS takes to answer: a fixed part (the round trip and the service's own work) plus a
 * part per KiB of the answer (producing and sending it), so that a 1,000-item page costs more than
 * a one-attribute answer.
 */
export interface LatencyModel {
  baseMs: number;
  perKibMs: number;
}

export const DEFAULT_LATENCY: LatencyModel = { baseMs: 30, perKibMs: 0.5 };

export function latencyMs(model: LatencyModel, bodyBytes: number): number {
  return model.baseMs + (model.perKibMs * bodyBytes) / 1024;
}

/**
 * Requests of a scan that draw from one bucket. A chain is the pages of one listing, each asked
 * only once the page before it has answered (its `NextToken`), so their latencies add up;
 * unchained requests may all be in flight at once.
 */
export interface BucketLoad {
  key: string;
  limit: BucketLimit;
  /** The latency of each request that is not part of a chain. */
  latenciesMs: number[];
  /** The latencies of each chain's pages, in order. */
  chains: number[][];
}

/**
 * The shortest time in which one bucket's requests can all be answered: the n-th request of a
 * bucket of capacity C refilled at r a second cannot be admitted before (n − C) / r seconds, and
 * then takes at least the quickest answer's latency; a chain cannot be quicker than the sum of its
 * pages' latencies.
 */
export function bucketLowerBoundMs(load: BucketLoad): number {
  const all = [...load.latenciesMs, ...load.chains.flat()];
  if (all.length === 0) return 0;
  const quickest = Math.min(...all);
  const waitMs = (Math.max(0, all.length - load.limit.capacity) / load.limit.refillPerSecond) * 1000;
  const longestChain = Math.max(0, ...load.chains.map((chain) => chain.reduce((sum, ms) => sum + ms, 0)));
  return Math.max(waitMs + quickest, longestChain);
}

/**
 * The shortest time any collector could read an account in: buckets are independent, so the
 * slowest bucket decides. This ignores the order between calls (attributes are asked only after
 * the VPCs are listed) and the client's own CPU, so it is a floor, not a prediction.
 */
export function lowerBoundMs(loads: readonly BucketLoad[]): { ms: number; bucket: string } {
  let worst = { ms: 0, bucket: '' };
  for (const load of loads) {
    const ms = bucketLowerBoundMs(load);
    if (ms > worst.ms) worst = { ms, bucket: load.key };
  }
  return worst;
}
