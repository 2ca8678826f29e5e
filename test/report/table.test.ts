import { describe, expect, it } from 'vitest';
import { COLOUR, PLAIN } from '../../src/report/style.ts';
import { formatTable } from '../../src/report/table.ts';
import { report, result } from '../support/report.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;

describe('formatTable', () => {
  it('aligns one row per result under the headings, then the summary', () => {
    // Prepare
    const input = report([
      result('PASS', 'vpc-1', 'fine'),
      result('FAIL', 'vpc-22', 'no sagemaker.api endpoint'),
    ]);

    // Act
    const lines = formatTable(input).split('\n');

    // Assess
    const heading = lines.findIndex((line) => line.startsWith('STATUS'));
    const messageColumn = lines[heading]?.indexOf('MESSAGE');
    expect(lines[heading + 1]?.indexOf('fine')).toBe(messageColumn);
    expect(lines[heading + 2]?.indexOf('no sagemaker.api endpoint')).toBe(messageColumn);
    expect(lines).toContain('2 results: 1 PASS, 1 FAIL, 0 ERROR');
  });

  it('replaces control characters and escapes that come from AWS resource data', () => {
    // Prepare
    const input = report([result('FAIL', 'vpc-1\u001b[2J', 'tag says\nFAKE PASS line\u0007')]);

    // Act
    const text = formatTable(input, PLAIN);

    // Assess
    expect(CONTROL.test(text)).toBe(false);
    expect(text.split('\n').some((line) => line.startsWith('FAKE PASS'))).toBe(false);
  });

  it('colours only the status cell', () => {
    // Act
    const text = formatTable(report([result('FAIL', 'vpc-1', 'bad')]), COLOUR);

    // Assess
    const row = text.split('\n').find((line) => line.includes('vpc-1')) ?? '';
    expect(row.startsWith('\u001b[31mFAIL')).toBe(true);
    expect(row.indexOf('\u001b[0m')).toBeLessThan(row.indexOf('high'));
    expect(row.slice(row.indexOf('high'))).not.toContain('\u001b[');
  });

  it('lays results out as blocks within a narrow terminal', () => {
    // Prepare
    const input = report([result('FAIL', 'vpc-0123456789abcdef0', 'x'.repeat(300))], {
      scope: {
        accounts: ['111122223333'],
        regions: ['eu-west-1'],
        rules: ['vpc-sagemaker-endpoints'],
        skipped: [{ ruleId: 'vpc-sagemaker-endpoints', region: 'eu-west-1', reason: 'y'.repeat(200) }],
      },
    });

    // Act
    const lines = formatTable(input, PLAIN, 60).trimEnd().split('\n');

    // Assess
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    expect(lines).toContain('FAIL  high  vpc-sagemaker-endpoints');
    expect(lines).toContain('  111122223333  eu-west-1  vpc-0123456789abcdef0');
    expect(lines.some((line) => line.startsWith('STATUS'))).toBe(false);
  });

  it('shows a clean scan as a summary with no rows', () => {
    // Act
    const text = formatTable(report([]));

    // Assess
    expect(text).toContain('0 results: 0 PASS, 0 FAIL, 0 ERROR');
  });
});
