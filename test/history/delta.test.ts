import { describe, expect, it } from 'vitest';
import { compareWithPrevious, type PreviousScan } from '../../src/history/delta.ts';
import type { Result } from '../../src/model/result.ts';
import { aResult } from '../suppress/results.ts';

const SCOPE = {
  accounts: ['111122223333'],
  regions: ['eu-west-1'],
  rules: ['vpc-sagemaker-endpoints'],
};

function scan(scanId: string, startedAt: string, results: Result[], previous?: PreviousScan): PreviousScan {
  return {
    scanId,
    startedAt,
    results: compareWithPrevious(results, previous, { ...SCOPE, startedAt }).results,
  };
}

describe('what changed since the previous scan', () => {
  it('calls every problem new when there is no previous scan', () => {
    // Act
    const outcome = compareWithPrevious(
      [aResult({ status: 'FAIL', resourceId: 'vpc-1' }), aResult({ status: 'PASS', resourceId: 'vpc-2' })],
      undefined,
      { ...SCOPE, startedAt: '2026-11-28T02:00:00Z' },
    );
    // Assess
    expect(outcome.results.map((result) => result.delta)).toEqual([
      { change: 'new', firstSeen: '2026-11-28T02:00:00Z' },
      { change: 'unchanged' },
    ]);
    expect(outcome.resolved).toEqual([]);
  });

  it('follows a problem across three scans: new, persisting with its first sighting, then resolved', () => {
    // Prepare
    const first = scan('s1', '2026-11-26T02:00:00Z', [aResult({ status: 'FAIL', resourceId: 'vpc-1' })]);
    const second = scan(
      's2',
      '2026-11-27T02:00:00Z',
      [aResult({ status: 'FAIL', resourceId: 'vpc-1' })],
      first,
    );
    // Act
    const third = compareWithPrevious([aResult({ status: 'PASS', resourceId: 'vpc-1' })], second, {
      ...SCOPE,
      startedAt: '2026-11-28T02:00:00Z',
    });
    // Assess
    expect(first.results[0]?.delta).toEqual({ change: 'new', firstSeen: '2026-11-26T02:00:00Z' });
    expect(second.results[0]?.delta).toEqual({
      change: 'persisting',
      firstSeen: '2026-11-26T02:00:00Z',
      previousStatus: 'FAIL',
    });
    expect(third.results[0]?.delta).toEqual({ change: 'resolved', previousStatus: 'FAIL' });
    expect(third.resolved).toMatchObject([{ resourceId: 'vpc-1', previousStatus: 'FAIL', now: 'PASS' }]);
  });

  it('marks a problem on a resource that passed last night as regressed', () => {
    // Prepare
    const previous = scan('s1', '2026-11-27T02:00:00Z', [aResult({ status: 'PASS', resourceId: 'vpc-1' })]);
    // Act
    const outcome = compareWithPrevious([aResult({ status: 'FAIL', resourceId: 'vpc-1' })], previous, {
      ...SCOPE,
      startedAt: '2026-11-28T02:00:00Z',
    });
    // Assess
    expect(outcome.results[0]?.delta).toEqual({
      change: 'regressed',
      firstSeen: '2026-11-28T02:00:00Z',
      previousStatus: 'PASS',
    });
  });

  it('resolves a problem whose resource is gone, but only inside the scope this scan covered', () => {
    // Prepare
    const previous = scan('s1', '2026-11-27T02:00:00Z', [
      aResult({ status: 'FAIL', resourceId: 'vpc-deleted' }),
      aResult({ status: 'FAIL', resourceId: 'vpc-elsewhere', region: 'us-east-1' }),
      aResult({
        status: 'ERROR',
        resourceId: 'policy',
        ruleId: 'iam-policy-presigned-url-source-ip',
        region: 'global',
      }),
    ]);
    // Act
    const outcome = compareWithPrevious([], previous, { ...SCOPE, startedAt: '2026-11-28T02:00:00Z' });
    // Assess
    expect(outcome.resolved.map((entry) => [entry.resourceId, entry.now])).toEqual([['vpc-deleted', 'gone']]);
  });
});
