import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/model/result.ts';
import { formatEmail, PERSISTING_LINE_LIMIT } from '../../src/report/email.ts';
import { aReport, aResult } from '../fixtures/email/report.ts';

const BASELINE = {
  scanId: 'scan-0',
  startedAt: '2025-03-03T02:00:00.000Z',
  source: 's3://bucket/latest.json',
};

function persisting(resourceId: string, extra: Partial<Result> = {}): Result {
  return {
    ...aResult({ resourceId }),
    delta: { change: 'persisting', firstSeen: '2025-02-20T02:00:00.000Z', previousStatus: 'FAIL' },
    ...extra,
  };
}

function ruleLines(results: Result[]): string[] {
  const email = formatEmail(aReport(results, { baseline: BASELINE, resolved: [] }));
  return email.split('\n').filter((line) => line.startsWith('  vpc-sagemaker-endpoints ('));
}

describe('formatEmail, persisting failures', () => {
  it('names each rule’s persisting resources on one line', () => {
    // Act
    const lines = ruleLines([persisting('vpc-01'), persisting('vpc-02')]);

    // Assess
    expect(lines).toEqual(['  vpc-sagemaker-endpoints (2): vpc-01 (eu-west-1), vpc-02 (eu-west-1)']);
  });

  it('names as many as fit in a line under 200 characters, then says how many more the report holds', () => {
    // Prepare
    const results = Array.from({ length: 40 }, (_, index) =>
      persisting(`vpc-0a1b2c3d4e5f6${String(index).padStart(4, '0')}`),
    );

    // Act
    const [line] = ruleLines(results);

    // Assess
    expect(PERSISTING_LINE_LIMIT).toBe(200);
    expect(line?.length).toBeLessThan(200);
    const shown = (line?.match(/vpc-0a1b2c3d4e5f6\d{4} \(eu-west-1\)/g) ?? []).length;
    expect(shown).toBeGreaterThan(1);
    expect(line?.endsWith(`, and ${40 - shown} more in the report`)).toBe(true);
    expect(
      line?.startsWith(
        '  vpc-sagemaker-endpoints (40): vpc-0a1b2c3d4e5f60000 (eu-west-1), vpc-0a1b2c3d4e5f60001',
      ),
    ).toBe(true);
  });

  it('cuts a single name longer than the line, and never lists a muted failure', () => {
    // Prepare
    const long = `vpc-${'x'.repeat(300)}`;
    const muted = persisting('vpc-muted', { muted: { reason: 'sandbox', expires: '2025-06-30', entry: 0 } });

    // Act
    const lines = ruleLines([persisting(long), muted]);

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toHaveLength(199);
    expect(lines[0]?.endsWith('…')).toBe(true);
    expect(lines[0]).not.toContain('vpc-muted');
  });
});
