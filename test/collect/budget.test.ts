import { describe, expect, it } from 'vitest';
import { NotScannedError, RegionBudget } from '../../src/collect/budget.ts';
import { type Bucket, bucketOf, type Pacer, RequestPacer } from '../../src/collect/pacing.ts';

const REGION = 'eu-west-1';
const ATTRIBUTES = bucketOf('ec2', REGION, 'DescribeVpcAttribute');

/**
 * A pacer whose answers this test hands out: `take` lets every attempt go at once, `finish`
 * counts, and the time is that of a fresh bucket at half the rate, whatever was taken.
 */
class CountingPacer implements Pacer {
  private readonly real = new RequestPacer(0.5);
  private readonly finishes = new Map<string, number>();

  async take(): Promise<void> {}

  secondsFor(bucket: Bucket, calls: number): number {
    return this.real.secondsFor(bucket, calls);
  }

  finish(bucket: Bucket): void {
    this.finishes.set(bucket.key, this.finished(bucket) + 1);
  }

  finished(bucket: Bucket): number {
    return this.finishes.get(bucket.key) ?? 0;
  }
}

describe('RegionBudget', () => {
  it('lets the calls go when they fit in the time left at the paced rate', () => {
    // Prepare: half of EC2's rate is a burst of 50, then 10 per second: 950 calls need 90 s.
    const budget = new RegionBudget({
      pacer: new RequestPacer(0.5),
      region: REGION,
      timeLeftMs: () => 90_000,
    });

    // Act
    budget.expect('ec2', 'DescribeVpcAttribute', 950);

    // Assess
    expect(budget.skipped).toBeUndefined();
    expect(budget.signal.aborted).toBe(false);
  });

  it('gives the region up, saying how many calls need how long against the time left, when they do not fit', () => {
    // Prepare
    const budget = new RegionBudget({
      pacer: new RequestPacer(0.5),
      region: REGION,
      timeLeftMs: () => 540_400,
    });

    // Act
    const announce = () => budget.expect('ec2', 'DescribeVpcAttribute', 7_400);

    // Assess: (7,400 − 50) / 10 per second = 735 s.
    const message = 'the estimated 7,400 calls need about 735 s at the paced rate, more than the 540 s left';
    expect(announce).toThrow(new NotScannedError(message));
    expect(budget.skipped?.message).toBe(message);
    expect(budget.signal.reason).toBe(budget.skipped);
    expect(() => budget.expect('ec2', 'DescribeVpcs', 1)).toThrow(message);
  });

  it('counts only the calls still due: those that have their final answer are done', () => {
    // Prepare
    const pacer = new CountingPacer();
    const budget = new RegionBudget({ pacer, region: REGION, timeLeftMs: () => 100_000 });
    budget.expect('ec2', 'DescribeVpcAttribute', 1_000);
    for (let call = 0; call < 900; call += 1) pacer.finish(ATTRIBUTES);

    // Act: 100 due and 1,000 more, 1,100 − 50 at 10 per second = 105 s, against 100 s.
    const announce = () => budget.expect('ec2', 'DescribeVpcAttribute', 1_000);

    // Assess
    expect(announce).toThrow(
      'the estimated 1,100 calls need about 105 s at the paced rate, more than the 100 s left',
    );
  });

  it('still counts as due a call whose attempts were throttled and retried, until its final answer', async () => {
    // Prepare: 600 calls announced; 400 of them throttled and retried once, 800 tokens, none answered yet.
    const pacer: Pacer = new CountingPacer();
    const budget = new RegionBudget({ pacer, region: REGION, timeLeftMs: () => 60_000 });
    budget.expect('ec2', 'DescribeVpcAttribute', 600);
    for (let attempt = 0; attempt < 800; attempt += 1) await pacer.take(ATTRIBUTES);

    // Act: the 600 due and 100 more, (700 − 50) / 10 per second = 65 s, against 60 s.
    const announce = () => budget.expect('ec2', 'DescribeVpcAttribute', 100);

    // Assess
    expect(announce).toThrow(
      'the estimated 700 calls need about 65 s at the paced rate, more than the 60 s left',
    );
  });

  it('prices the tokens that retried attempts took from the bucket: a region that fits by its attempts does not by its answers', async () => {
    // Prepare: half of EC2's rate, a burst of 50. 60 calls announced; 20 of them answered after a
    // throttled first attempt: 40 tokens gone, 10 left in the bucket.
    const pacer = new RequestPacer(0.5);
    const budget = new RegionBudget({ pacer, region: REGION, timeLeftMs: () => 2_000 });
    budget.expect('ec2', 'DescribeVpcAttribute', 60);
    for (let attempt = 0; attempt < 40; attempt += 1) await pacer.take(ATTRIBUTES);
    for (let call = 0; call < 20; call += 1) pacer.finish(ATTRIBUTES);

    // Act: 40 calls due, (40 − 10) / 10 per second = 3 s, against 2 s (counted by attempts, 20 due
    // would have needed 1 s).
    const announce = () => budget.expect('ec2', 'DescribeVpcAttribute', 0);

    // Assess
    expect(announce).toThrow(
      'the estimated 40 calls need about 3 s at the paced rate, more than the 2 s left',
    );
    expect(budget.signal.aborted).toBe(true);
  });

  it('adds the time of every bucket the region still has calls due in', () => {
    // Prepare: SageMaker's assumed 20 and 10 per second, halved: 5 per second after a burst of 10.
    const budget = new RegionBudget({
      pacer: new CountingPacer(),
      region: REGION,
      timeLeftMs: () => 150_000,
    });
    budget.expect('sagemaker', 'DescribeNotebookInstance', 510);

    // Act: 100 s of notebooks, then (1,050 − 50) / 10 = 100 s of attributes.
    const announce = () => budget.expect('ec2', 'DescribeVpcAttribute', 1_050);

    // Assess
    expect(announce).toThrow(
      'the estimated 1,560 calls need about 200 s at the paced rate, more than the 150 s left',
    );
  });

  it('gives the region up at once when the deadline has already passed and anything is due beyond the burst', () => {
    // Prepare
    const budget = new RegionBudget({ pacer: new CountingPacer(), region: REGION, timeLeftMs: () => -5_000 });

    // Act
    const announce = () => budget.expect('ec2', 'DescribeVpcAttribute', 51);

    // Assess
    expect(announce).toThrow(
      'the estimated 51 calls need about 1 s at the paced rate, more than the 0 s left',
    );
  });
});
