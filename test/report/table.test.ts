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
    expect(lines[heading + 1]?.indexOf('no sagemaker.api endpoint')).toBe(messageColumn);
    expect(lines[heading + 2]?.indexOf('fine')).toBe(messageColumn);
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
    const text = formatTable(report([result('FAIL', 'vpc-1', 'bad')]), COLOUR, { width: 100 });

    // Assess
    const row = text.split('\n').find((line) => line.includes('vpc-1')) ?? '';
    expect(row.startsWith('\u001b[31mFAIL')).toBe(true);
    expect(row.indexOf('\u001b[0m')).toBeLessThan(row.indexOf('high'));
    expect(row.slice(row.indexOf('high'))).not.toContain('\u001b[');
  });

  it('in columns, makes the headings row bold and colours the status, and nothing else', () => {
    // Act
    const lines = formatTable(report([result('ERROR', 'vpc-1', 'bad')]), COLOUR, { width: 120 }).split('\n');

    // Assess
    const styled = lines.filter((line) => line.includes('\u001b['));
    expect(styled).toEqual([
      '\u001b[1mSTATUS  SEVERITY  RULE                     RESOURCE  MESSAGE\u001b[0m',
      '\u001b[33mERROR\u001b[0m   high      vpc-sagemaker-endpoints  vpc-1     bad',
      '\u001b[1m1 results: 0 PASS, 0 FAIL, 1 ERROR\u001b[0m',
    ]);
  });

  it('in blocks, colours the status of each block, and nothing else', () => {
    // Act
    const lines = formatTable(report([result('ERROR', 'vpc-1', 'bad')]), COLOUR, { width: 60 }).split('\n');

    // Assess
    const styled = lines.filter((line) => line.includes('\u001b['));
    expect(styled).toEqual([
      '\u001b[33mERROR\u001b[0m  high  vpc-sagemaker-endpoints  vpc-1',
      '\u001b[1m1 results: 0 PASS, 0 FAIL, 1 ERROR\u001b[0m',
    ]);
  });

  it('lays results out as blocks within a narrow terminal, wrapping what it used to cut', () => {
    // Prepare
    const message = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
    const input = report([result('FAIL', 'vpc-0123456789abcdef0', message)], {
      scope: {
        accounts: ['111122223333'],
        regions: ['eu-west-1'],
        rules: ['vpc-sagemaker-endpoints'],
        skipped: [{ ruleId: 'vpc-sagemaker-endpoints', region: 'eu-west-1', reason: 'y'.repeat(200) }],
      },
    });

    // Act
    const lines = formatTable(input, PLAIN, { width: 60 }).trimEnd().split('\n');

    // Assess
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    expect(lines).toContain('FAIL  high  vpc-sagemaker-endpoints  vpc-0123456789abcdef0');
    expect(lines.some((line) => line.startsWith('STATUS'))).toBe(false);
    const shown = lines.filter((line) => line.startsWith('  word')).join(' ');
    expect(shown.split(/\s+/).filter(Boolean)).toEqual(message.split(' '));
    expect(lines.join('').replaceAll(/[^y]/g, '')).toHaveLength(200);
  });

  it('wraps the message within its column on a wide terminal, aligned under MESSAGE', () => {
    // Prepare
    const message = Array.from({ length: 60 }, (_, index) => `w${index}`).join(' ');
    const input = report([result('FAIL', 'vpc-1', message)]);

    // Act
    const lines = formatTable(input, PLAIN, { width: 120 }).split('\n');

    // Assess
    const heading = lines.find((line) => line.startsWith('STATUS')) ?? '';
    const column = heading.indexOf('MESSAGE');
    const start = lines.indexOf(heading) + 1;
    const rows = lines.slice(start, lines.indexOf('', start));
    expect(rows[0]?.indexOf('w0 ')).toBe(column);
    expect(rows[1]?.slice(0, column).trim()).toBe('');
    expect(
      rows
        .join(' ')
        .split(/\s+/)
        .filter((word) => word.startsWith('w')),
    ).toEqual(message.split(' '));
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('leaves out the account and region columns for one account and one region', () => {
    // Act
    const lines = formatTable(report([result('FAIL', 'vpc-1', 'bad')])).split('\n');

    // Assess
    expect(lines.find((line) => line.startsWith('STATUS'))?.split(/\s+/)).toEqual([
      'STATUS',
      'SEVERITY',
      'RULE',
      'RESOURCE',
      'MESSAGE',
    ]);
    expect(lines.some((line) => line.includes('111122223333') && line.includes('vpc-1'))).toBe(false);
  });

  it('shows several accounts and regions as group headings, global (IAM) first in each account', () => {
    // Prepare
    const input = report([
      result('FAIL', 'vpc-b', 'bad', { accountId: '222233334444', region: 'us-east-1' }),
      result('FAIL', 'vpc-a', 'bad', { accountId: '111122223333', region: 'eu-west-1' }),
      result('PASS', 'arn:aws:iam::111122223333:user/ann', 'ok', {
        region: 'global',
        resourceType: 'AWS::IAM::User',
      }),
    ]);

    // Act
    const lines = formatTable(input).split('\n');

    // Assess
    const headings = lines.filter((line) => line.startsWith('Account '));
    expect(headings).toEqual([
      'Account 111122223333, IAM (global)',
      'Account 111122223333, Region eu-west-1',
      'Account 222233334444, Region us-east-1',
    ]);
    const rowUnder = (heading: string) => lines[lines.indexOf(heading) + 1] ?? '';
    expect(rowUnder('Account 111122223333, IAM (global)')).toContain('ann (user)');
    expect(rowUnder('Account 222233334444, Region us-east-1')).toContain('vpc-b');
  });

  it('orders rows by status (FAIL, ERROR, PASS), then severity, then rule', () => {
    // Prepare
    const input = report([
      result('PASS', 'vpc-1', 'p', { severity: 'critical' }),
      result('ERROR', 'vpc-2', 'e', { severity: 'critical' }),
      result('FAIL', 'vpc-3', 'f-low', { severity: 'low' }),
      result('FAIL', 'vpc-4', 'f-high-b', { severity: 'high', ruleId: 'b-rule' }),
      result('FAIL', 'vpc-5', 'f-high-a', { severity: 'high', ruleId: 'a-rule' }),
    ]);

    // Act
    const lines = formatTable(input).split('\n');

    // Assess
    const messages = lines
      .map((line) => line.split(/\s+/).at(-1))
      .filter((word) => /^[pef](-|$)/.test(word ?? ''));
    expect(messages).toEqual(['f-high-a', 'f-high-b', 'f-low', 'e', 'p']);
  });

  it('shows short labels: Name tag with the id, default VPC, principal name', () => {
    // Prepare
    const roleArn = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-ml-prod';
    const input = report([
      result('FAIL', 'vpc-1', 'a', { resourceName: 'ml-prod' }),
      result('FAIL', 'vpc-2', 'b', { defaultVpc: true }),
      result('FAIL', roleArn, 'c', {
        region: 'global',
        resourceType: 'AWS::IAM::Role',
        resourceArn: roleArn,
      }),
    ]);

    // Act
    const text = formatTable(input, PLAIN, { width: 200 });

    // Assess
    expect(text).toContain('ml-prod (vpc-1)');
    expect(text).toContain('vpc-2 (default VPC)');
    expect(text).toContain('AmazonSageMaker-ExecutionRole-ml-prod (role)');
    expect(text).not.toContain('arn:aws:iam');
  });

  it('with wide, shows full ARNs and keeps each result on one line whatever the width', () => {
    // Prepare
    const roleArn = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-ml-prod';
    const message = 'm '.repeat(100).trim();
    const input = report([
      result('FAIL', roleArn, message, { resourceType: 'AWS::IAM::Role', resourceArn: roleArn }),
      result('FAIL', 'vpc-1', 'short', { resourceArn: 'arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-1' }),
    ]);

    // Act
    const lines = formatTable(input, PLAIN, { width: 80, wide: true }).split('\n');

    // Assess
    const row = lines.find((line) => line.includes(roleArn)) ?? '';
    expect(row.endsWith(message)).toBe(true);
    expect(lines.some((line) => /arn:aws:ec2:eu-west-1:111122223333:vpc\/vpc-1 +short$/.test(line))).toBe(
      true,
    );
  });

  it('shows a clean scan as a summary with no rows', () => {
    // Act
    const text = formatTable(report([]));

    // Assess
    expect(text).toContain('0 results: 0 PASS, 0 FAIL, 0 ERROR');
  });
});
