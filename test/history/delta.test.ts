import { describe, expect, it } from 'vitest';
import { compareWithPrevious, type PreviousScan } from '../../src/history/delta.ts';
import type { Result } from '../../src/model/result.ts';
import { result as aResult } from '../support/report.ts';

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
      [aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL'), aResult('PASS', 'vpc-2', 'vpc-2 is PASS')],
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

  it('remembers which results the previous scan had muted, whatever they are now', () => {
    // Prepare
    const muted = { reason: 'sandbox', expires: '2026-12-31', entry: 0 } as const;
    const previous = scan('s1', '2026-11-27T02:00:00Z', [
      aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL', { muted }),
      aResult('FAIL', 'vpc-2', 'vpc-2 is FAIL', { muted }),
      aResult('FAIL', 'vpc-3', 'vpc-3 is FAIL'),
    ]);

    // Act
    const outcome = compareWithPrevious(
      [
        aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL'),
        aResult('PASS', 'vpc-2', 'vpc-2 is PASS'),
        aResult('FAIL', 'vpc-3', 'vpc-3 is FAIL', { muted }),
      ],
      previous,
      { ...SCOPE, startedAt: '2026-11-28T02:00:00Z' },
    );

    // Assess
    expect(outcome.results.map((result) => result.delta)).toEqual([
      {
        change: 'persisting',
        firstSeen: '2026-11-27T02:00:00Z',
        previousStatus: 'FAIL',
        previouslyMuted: true,
      },
      { change: 'resolved', previousStatus: 'FAIL', previouslyMuted: true },
      { change: 'persisting', firstSeen: '2026-11-27T02:00:00Z', previousStatus: 'FAIL' },
    ]);
  });

  it('follows a problem across three scans: new, persisting with its first sighting, then resolved', () => {
    // Prepare
    const first = scan('s1', '2026-11-26T02:00:00Z', [aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL')]);
    const second = scan('s2', '2026-11-27T02:00:00Z', [aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL')], first);
    // Act
    const third = compareWithPrevious([aResult('PASS', 'vpc-1', 'vpc-1 is PASS')], second, {
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
    const previous = scan('s1', '2026-11-27T02:00:00Z', [aResult('PASS', 'vpc-1', 'vpc-1 is PASS')]);
    // Act
    const outcome = compareWithPrevious([aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL')], previous, {
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
      aResult('FAIL', 'vpc-deleted', 'vpc-deleted is FAIL'),
      aResult('FAIL', 'vpc-elsewhere', 'vpc-elsewhere is FAIL', { region: 'us-east-1' }),
      aResult('ERROR', 'policy', 'policy is ERROR', {
        ruleId: 'iam-policy-presigned-url-source-ip',
        region: 'global',
      }),
    ]);
    // Act
    const outcome = compareWithPrevious([], previous, { ...SCOPE, startedAt: '2026-11-28T02:00:00Z' });
    // Assess
    expect(outcome.resolved.map((entry) => [entry.resourceId, entry.now])).toEqual([['vpc-deleted', 'gone']]);
  });

  it('resolves nothing as gone where tonight the rule could not read the region', () => {
    // Prepare
    const previous = scan('s1', '2026-11-27T02:00:00Z', [
      aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL'),
      aResult('FAIL', 'vpc-2', 'vpc-2 is FAIL', { region: 'us-east-1' }),
    ]);
    // Act
    const outcome = compareWithPrevious(
      [aResult('ERROR', 'eu-west-1', 'could not read DescribeVpcs (IncompleteResponse)')],
      previous,
      { ...SCOPE, regions: ['eu-west-1', 'us-east-1'], startedAt: '2026-11-28T02:00:00Z' },
    );
    // Assess
    expect(outcome.resolved.map((entry) => [entry.resourceId, entry.now])).toEqual([['vpc-2', 'gone']]);
  });
});
