import { describe, expect, it } from 'vitest';
import { COLOUR, PLAIN } from '../../src/report/style.ts';
import { formatText, summaryLine } from '../../src/report/text.ts';
import { report, result } from '../support/report.ts';

describe('formatText', () => {
  it('orders by status (FAIL, ERROR, PASS), then severity, then rule, each FAIL and ERROR with its fix', () => {
    // Prepare
    const input = report([
      result('PASS', 'vpc-1', 'fine'),
      result('ERROR', 'vpc-2', 'could not judge'),
      result('FAIL', 'vpc-3', 'missing api'),
      result('FAIL', 'vpc-4', 'low one', { severity: 'low', ruleId: 'a-low-rule', title: 'Low' }),
    ]);

    // Act
    const lines = formatText(input, PLAIN).split('\n');

    // Assess
    const start = lines.indexOf('[high] vpc-sagemaker-endpoints: VPC has available interface endpoints');
    expect(lines.slice(start)).toEqual([
      '[high] vpc-sagemaker-endpoints: VPC has available interface endpoints',
      '  FAIL  vpc-3: missing api',
      '        Fix: fix vpc-3',
      '',
      '[low] a-low-rule: Low',
      '  FAIL  vpc-4: low one',
      '        Fix: fix vpc-4',
      '',
      '[high] vpc-sagemaker-endpoints: VPC has available interface endpoints',
      '  ERROR vpc-2: could not judge',
      '        Fix: fix vpc-2',
      '',
      '[high] vpc-sagemaker-endpoints: VPC has available interface endpoints',
      '  PASS  vpc-1: fine',
      '',
    ]);
  });

  it('names the account and region on each line only when there are several', () => {
    // Prepare
    const input = report([
      result('FAIL', 'vpc-1', 'bad', { resourceName: 'ml-prod' }),
      result('FAIL', 'vpc-2', 'bad', { accountId: '222233334444', region: 'us-east-1' }),
    ]);

    // Act
    const lines = formatText(input, PLAIN).split('\n');

    // Assess
    expect(lines).toContain('  FAIL  111122223333 eu-west-1 ml-prod (vpc-1): bad');
    expect(lines).toContain('  FAIL  222233334444 us-east-1 vpc-2: bad');
  });

  it('wraps at word boundaries for the width and never breaks inside a command', () => {
    // Prepare
    const command =
      'aws ec2 create-vpc-endpoint --region eu-west-1 --vpc-id vpc-1 --vpc-endpoint-type Interface --service-name com.amazonaws.eu-west-1.sagemaker.api';
    const second = "aws ec2 modify-vpc-attribute --region eu-west-1 --vpc-id 'vpc 1' --enable-dns-hostnames";
    const message =
      'The VPC has no sagemaker.api endpoint and no sagemaker.runtime endpoint, so calls leave it.';
    const input = report([
      result('FAIL', 'vpc-1', message, {
        remediation: `Create the endpoint in the VPC you use for SageMaker: ${command} ; ${second}`,
      }),
    ]);

    // Act
    const lines = formatText(input, PLAIN, 60).split('\n');

    // Assess
    const fix = lines.slice(lines.findIndex((line) => line.startsWith('        Fix:')));
    expect(fix.slice(0, 4)).toEqual([
      '        Fix: Create the endpoint in the VPC you use for',
      '             SageMaker:',
      `             ${command} ;`,
      `             ${second}`,
    ]);
    for (const line of lines) {
      if (line.length > 60) expect([`${command} ;`, second]).toContain(line.trim());
    }
    const body = lines.filter((line) => /^ {2}FAIL|^ {8}[^F ]/.test(line));
    expect(body.map((line) => line.trim()).join(' ')).toBe(`FAIL  vpc-1: ${message}`);
  });

  it('does not dim the fix, which is the part to act on', () => {
    // Act
    const text = formatText(report([result('FAIL', 'vpc-1', 'bad')]), COLOUR);

    // Assess
    const fix = text.split('\n').find((line) => line.includes('Fix:')) ?? '';
    expect(fix).toBe('        Fix: fix vpc-1');
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
