import { describe, expect, it } from 'vitest';
import { PLAIN } from '../../src/report/style.ts';
import { formatText, summaryLine } from '../../src/report/text.ts';
import { report, result } from '../support/report.ts';

describe('formatText', () => {
  it('groups by rule, puts FAIL and ERROR before PASS, and gives each non-PASS its fix', () => {
    // Prepare
    const input = report([
      result('PASS', 'vpc-1', 'fine'),
      result('ERROR', 'vpc-2', 'could not judge'),
      result('FAIL', 'vpc-3', 'missing api'),
    ]);

    // Act
    const lines = formatText(input, PLAIN).split('\n');

    // Assess
    const start = lines.indexOf('[high] vpc-sagemaker-endpoints: VPC has available interface endpoints');
    expect(lines.slice(start + 1, start + 6)).toEqual([
      '  FAIL  111122223333 eu-west-1 vpc-3: missing api',
      '        Fix: fix vpc-3',
      '  ERROR 111122223333 eu-west-1 vpc-2: could not judge',
      '        Fix: fix vpc-2',
      '  PASS  111122223333 eu-west-1 vpc-1: fine',
    ]);
  });

  it('lists what was not judged, and why', () => {
    // Prepare
    const input = report([], {
      scope: {
        accounts: ['111122223333'],
        regions: ['eu-west-1'],
        rules: ['vpc-sagemaker-endpoints'],
        skipped: [
          {
            ruleId: 'vpc-sagemaker-endpoints',
            region: 'eu-west-1',
            resourceId: 'vpc-9',
            reason: 'shared VPC',
          },
        ],
      },
    });

    // Act
    const text = formatText(input, PLAIN);

    // Assess
    expect(text).toContain('Not judged (1):\n  vpc-sagemaker-endpoints  eu-west-1  vpc-9: shared VPC\n');
  });

  it('counts from the summary and marks an incomplete scan', () => {
    // Prepare
    const input = report([result('FAIL', 'vpc-3', 'missing api')], { complete: false });
    input.summary.pass = 4;

    // Act
    const line = summaryLine({ ...input, results: [] });

    // Assess
    expect(line).toBe('5 results: 4 PASS, 1 FAIL, 0 ERROR (INCOMPLETE scan)');
  });
});
