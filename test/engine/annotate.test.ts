import { describe, expect, it } from 'vitest';
import { annotateReport } from '../../src/engine/annotate.ts';
import type { Inventory } from '../../src/model/inventory.ts';
import { isClean } from '../../src/report/build.ts';
import { parseSuppressions } from '../../src/suppress/suppressions.ts';
import { report as aReport, result as aResult } from '../support/report.ts';

const NOW = new Date('2026-11-28T02:00:00Z');
const INVENTORY: Inventory = {
  snapshotVersion: 1,
  collectedAt: NOW.toISOString(),
  partition: 'aws',
  accounts: [],
};

describe('annotating a report', () => {
  it('leaves a report without suppressions or baseline untouched', () => {
    // Prepare
    const report = aReport([aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL')]);
    // Act
    const annotated = annotateReport(report, { inventory: INVENTORY, now: NOW });
    // Assess
    expect(annotated).toEqual(report);
  });

  it('counts muted FAILs in the summary, and a report whose only FAILs are muted is clean', () => {
    // Prepare
    const report = aReport([
      aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL'),
      aResult('PASS', 'vpc-2', 'vpc-2 is PASS'),
    ]);
    const suppressions = parseSuppressions(
      {
        version: 1,
        suppressions: [{ rule: '*', resources: ['vpc-1'], reason: 'lab', expires: '2027-01-01' }],
      },
      'suppressions.json',
      { knownRuleIds: ['vpc-sagemaker-endpoints'], now: NOW },
    );
    // Act
    const annotated = annotateReport(report, { suppressions, inventory: INVENTORY, now: NOW });
    // Assess
    expect(isClean(report)).toBe(false);
    expect(annotated.summary).toMatchObject({ fail: 1, muted: 1 });
    expect(isClean(annotated)).toBe(true);
    expect(annotated.unusedSuppressions).toEqual([]);
    expect(annotated.expiredSuppressions).toEqual([]);
  });

  it('never makes a report with an ERROR clean, whatever the suppressions', () => {
    // Prepare
    const report = aReport([aResult('ERROR', 'eu-west-1', 'eu-west-1 is ERROR')]);
    const suppressions = parseSuppressions(
      {
        version: 1,
        suppressions: [{ rule: '*', regions: ['eu-west-1'], reason: 'everything', expires: '2027-01-01' }],
      },
      'suppressions.json',
      { knownRuleIds: [], now: NOW },
    );
    // Act
    const annotated = annotateReport(report, { suppressions, inventory: INVENTORY, now: NOW });
    // Assess
    expect(annotated.summary.muted).toBe(0);
    expect(isClean(annotated)).toBe(false);
  });

  it('treats every problem as new and says why when the previous report could not be read', () => {
    // Prepare
    const report = aReport([aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL')]);
    // Act
    const annotated = annotateReport(report, {
      baseline: { error: 'AccessDenied: reading s3://reports/latest.json' },
      inventory: INVENTORY,
      now: NOW,
    });
    // Assess
    expect(annotated.baseline).toEqual({ error: 'AccessDenied: reading s3://reports/latest.json' });
    expect(annotated.results[0]?.delta?.change).toBe('new');
    expect(annotated.resolved).toEqual([]);
  });

  it('says it is the first scan, and calls every problem new, when there is no previous report yet', () => {
    // Prepare
    const report = aReport([aResult('FAIL', 'vpc-1', 'vpc-1 is FAIL')]);
    // Act
    const annotated = annotateReport(report, {
      baseline: { source: 's3://reports/111122223333/latest.json' },
      inventory: INVENTORY,
      now: NOW,
    });
    // Assess
    expect(annotated.baseline).toEqual({ firstScan: true, source: 's3://reports/111122223333/latest.json' });
    expect(annotated.results[0]?.delta?.change).toBe('new');
  });
});
