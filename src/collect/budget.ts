import { NOT_SCANNED } from '../model/inventory.ts';
import { type Bucket, bucketOf, type Pacer } from './pacing.ts';

/**
 * A region the scan chose not to read, because its known calls could not finish before the
 * deadline at the paced rate: better said up front than cut off half-way. Its message is the
 * estimate against the time left alone, for a sentence that says "not scanned" once.
 */
export class NotScannedError extends Error {
  override readonly name = NOT_SCANNED;
}

export interface RegionBudgetOptions {
  pacer: Pacer;
  region: string;
  /** Milliseconds until the scan's deadline, e.g. the Lambda's remaining time less its margin. */
  timeLeftMs: () => number;
}

/**
 * The calls a region's sections have said they will make, against the time the scan has left.
 * Each section announces a batch before it sends it (the DNS attributes of N VPCs, the describes of
 * N notebooks, the page after a NextToken): as soon as the calls still due, at the paced rate of
 * their buckets, need more time than is left, the region is given up, its requests cancelled, and
 * its results become ERROR with the estimate. A call stays due until its final answer: a throttled
 * attempt and its retries finish nothing, and the tokens they took are gone from the bucket, so
 * retries make the estimate longer, never shorter. A call in flight is still priced at a token
 * although it already took one. The estimate adds the buckets' times, although independent
 * buckets drain side by side: it errs towards skipping a region that might just have fitted,
 * never towards one cut off mid-way.
 *
 * @example
 * const budget = new RegionBudget({ pacer, region: 'eu-west-1', timeLeftMs: () => deadlineAt - Date.now() });
 * budget.expect('ec2', 'DescribeVpcAttribute', 7_400); // throws NotScannedError if it cannot finish
 */
export class RegionBudget {
  private readonly announced = new Map<string, { bucket: Bucket; calls: number; finishedBefore: number }>();
  private readonly stop = new AbortController();

  constructor(private readonly options: RegionBudgetOptions) {}

  /** Aborts, with the {@link NotScannedError} as its reason, once the region is given up. */
  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /** Why the region was given up, once it was. */
  get skipped(): NotScannedError | undefined {
    return this.stop.signal.aborted ? (this.stop.signal.reason as NotScannedError) : undefined;
  }

  /**
   * Records that `calls` requests of `service`'s `operation` are about to go, then checks the
   * region's calls still due against the time left; throws the {@link NotScannedError} when they
   * cannot finish (and aborts {@link signal} with it).
   */
  expect(service: string, operation: string, calls: number): void {
    const skipped = this.skipped;
    if (skipped) throw skipped;
    const bucket = bucketOf(service, this.options.region, operation);
    const known = this.announced.get(bucket.key);
    if (known) known.calls += calls;
    else
      this.announced.set(bucket.key, { bucket, calls, finishedBefore: this.options.pacer.finished(bucket) });
    this.check();
  }

  private check(): void {
    const { pacer } = this.options;
    let calls = 0;
    let seconds = 0;
    for (const { bucket, calls: expected, finishedBefore } of this.announced.values()) {
      const due = Math.max(0, expected - (pacer.finished(bucket) - finishedBefore));
      calls += due;
      seconds += pacer.secondsFor(bucket, due);
    }
    const left = Math.max(0, this.options.timeLeftMs()) / 1000;
    if (seconds <= left) return;
    const error = new NotScannedError(
      `the estimated ${calls.toLocaleString('en-US')} calls need about ${Math.ceil(seconds)} s at the paced rate, more than the ${Math.floor(left)} s left`,
    );
    this.stop.abort(error);
    throw error;
  }
}
