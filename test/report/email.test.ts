import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { formatEmail, formatSubject, MAX_SUBJECT_LENGTH, singlePart } from '../../src/report/email.ts';
import {
  aReport,
  aResult,
  GOLDEN_OPTIONS,
  GOLDEN_REMEDIATIONS,
  goldenDeltaReport,
  goldenReport,
} from '../fixtures/email/report.ts';

const GOLDEN = new URL('../fixtures/email/scan-report.golden.txt', import.meta.url);
const GOLDEN_DELTA = new URL('../fixtures/email/delta-report.golden.txt', import.meta.url);

describe('formatEmail', () => {
  it('writes the email people read exactly as the golden file shows it', async () => {
    // Prepare
    const expected = await readFile(GOLDEN, 'utf8');
    const report = goldenReport();

    // Act
    const email = formatEmail(report, singlePart(report), { remediations: GOLDEN_REMEDIATIONS });

    // Assess
    expect(email).toBe(expected);
  });

  it('opens with one paragraph naming the account, regions, time and counts by status and severity', () => {
    // Act
    const firstParagraph = formatEmail(goldenReport()).split('\n\n')[0] as string;

    // Assess
    expect(firstParagraph).toContain('account 123456789012');
    expect(firstParagraph).toContain('regions eu-north-1, eu-west-1, us-east-1');
    expect(firstParagraph).toContain('2025-03-04T02:00:00.000Z');
    expect(firstParagraph).toContain('1 passing, 4 failing, 1 could not be checked');
    expect(firstParagraph).toContain('high 4 failing, 1 not checked');
  });

  it('strips control characters and ANSI escapes that came from AWS data, so no line can be forged', () => {
    // Act
    const email = formatEmail(goldenReport());

    // Assess
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(email).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(email.split('\n').filter((line) => line.startsWith('FAKE LINE'))).toEqual([]);
  });

  it('lists every failing resource on its own line, the rule fix once, a resource-specific fix inline', () => {
    // Prepare
    const report = goldenReport();

    // Act
    const lines = formatEmail(report, singlePart(report), { remediations: GOLDEN_REMEDIATIONS }).split('\n');

    // Assess
    expect(lines.some((line) => line.includes('{'))).toBe(false);
    expect(lines).toContain(
      '  eu-west-1  vpc-0a1b2c3d4e5f60001  No interface endpoint for sagemaker.api or sagemaker.runtime.',
    );
    expect(lines.filter((line) => line.startsWith('  How to fix:'))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith('    Fix: '))).toEqual([
      '    Fix: Turn on enableDnsHostnames: aws ec2 modify-vpc-attribute --vpc-id vpc-0a1b2c3d4e5f60002 --enable-dns-hostnames',
    ]);
  });

  it('names a failing resource by its Name tag after its id, and a hostile tag cannot forge a line', () => {
    // Prepare
    const report = goldenReport();
    const first = report.results.find((result) => result.resourceId === 'vpc-0a1b2c3d4e5f60001');
    if (first === undefined) throw new Error('the golden report lost its first VPC');
    first.resourceName = 'ml-prod\nFAKE LINE';

    // Act
    const lines = formatEmail(report).split('\n');

    // Assess
    expect(lines).toContain(
      '  eu-west-1  vpc-0a1b2c3d4e5f60001 (ml-prod FAKE LINE)  No interface endpoint for sagemaker.api or sagemaker.runtime.',
    );
  });

  it('does not repeat the name of an IAM principal, which its ARN ends with', () => {
    // Prepare
    const arn = 'arn:aws:iam::123456789012:user/sam.contractor';
    const report = aReport([
      { ...aResult({ region: 'global', resourceId: arn, message: 'Open.' }), resourceName: 'sam.contractor' },
    ]);

    // Act
    const lines = formatEmail(report).split('\n');

    // Assess
    expect(lines).toContain(`  global  ${arn}  Open.`);
  });

  it('says all clear when nothing failed and nothing errored', () => {
    // Prepare
    const report = aReport([aResult({ resourceId: 'vpc-1', status: 'PASS' })]);

    // Act
    const email = formatEmail(report);

    // Assess
    expect(email).toContain('Every check passed: no action needed.');
    expect(email).not.toContain('FAILING');
    expect(email).not.toContain('COULD NOT CHECK');
  });
});

describe('formatEmail with history', () => {
  it('leads with what changed exactly as the delta golden file shows it', async () => {
    // Prepare
    const expected = await readFile(GOLDEN_DELTA, 'utf8');
    const report = goldenDeltaReport();

    // Act
    const email = formatEmail(report, singlePart(report), GOLDEN_OPTIONS);

    // Assess
    expect(email).toBe(expected);
  });

  it('orders new failures, resolved, the persisting count, errors, then exceptions, and never lists a muted result', () => {
    // Act
    const email = formatEmail(goldenDeltaReport());

    // Assess
    const order = [
      'NEW AND REGRESSED FAILURES',
      'RESOLVED SINCE THE PREVIOUS SCAN',
      '2 failures persist',
      'COULD NOT CHECK',
      'ACCEPTED EXCEPTIONS',
    ].map((heading) => email.indexOf(heading));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(email).not.toContain('vpc-0sandbox00000001');
    expect(email).not.toContain('vpc-0a1b2c3d4e5f60002  ');
  });

  it('says first, before anything else, that the report could not be stored', () => {
    // Act
    const email = formatEmail(goldenDeltaReport(), undefined, {
      storageError: 'AccessDenied: Access Denied',
    });

    // Assess
    expect(email.split('\n')[0]).toBe('This report could not be stored in S3: AccessDenied: Access Denied');
  });
});

describe('formatSubject', () => {
  it('counts new failures first and leaves muted ones out', () => {
    // Act
    const subject = formatSubject(goldenDeltaReport());

    // Assess
    expect(subject).toBe('[FAIL] SageMaker compliance 123456789012: 2 new, 4 failing (4 high), 1 error');
  });

  it.each([
    {
      name: 'failures and errors',
      results: [
        aResult({ resourceId: 'vpc-1', severity: 'critical' }),
        aResult({ resourceId: 'vpc-2' }),
        aResult({ resourceId: 'vpc-3', status: 'ERROR' }),
      ],
      subject: '[FAIL] SageMaker compliance 123456789012: 2 failing (1 critical), 1 error',
    },
    {
      name: 'only errors',
      results: [
        aResult({ resourceId: 'vpc-3', status: 'ERROR' }),
        aResult({ resourceId: 'r', status: 'ERROR' }),
      ],
      subject: '[ERROR] SageMaker compliance 123456789012: 2 errors, nothing failing',
    },
    {
      name: 'an all-clear',
      results: [aResult({ resourceId: 'vpc-1', status: 'PASS' })],
      subject: '[OK] SageMaker compliance 123456789012: the 1 check passes',
    },
  ])('summarises $name in the subject', ({ results, subject }) => {
    // Act
    const text = formatSubject(aReport(results));

    // Assess
    expect(text).toBe(subject);
  });

  it('numbers the parts and stays under 100 ASCII characters even for huge counts and many accounts', () => {
    // Prepare
    const report = aReport([aResult({ resourceId: 'vpc-1' })], { complete: false });
    report.summary.fail = 123_456_789;
    report.summary.error = 987_654_321;
    report.scope.accounts = ['123456789012', '210987654321'];

    // Act
    const subject = formatSubject(report, { number: 1234, count: 5678 });

    // Assess
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject).toMatch(
      /^\[FAIL\] SageMaker compliance 2 accounts: 123456789 failing .*\(part 1234\/5678\)$/,
    );
    expect(subject).toMatch(/^[\u0020-\u007e]+$/);
  });
});
