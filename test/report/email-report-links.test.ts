import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { s3ConsoleUrl } from '../../src/report/console.ts';
import { formatEmail, PERSISTING_LINE_LIMIT } from '../../src/report/email.ts';
import { aReport, aResult } from '../fixtures/email/report.ts';

const BUCKET = 'sagemaker-compliance-reports';
const DATED = 'reports/123456789012/2025/03/04/6f1d2c3b-0000-4000-8000-000000000001';

function stored(bucket: string, key: string, html = true): Report {
  return aReport([aResult({ resourceId: 'vpc-0a1b2c3d4e5f60001' })], {
    storedAt: `s3://${bucket}/${key}.json`,
    ...(html ? { storedHtmlAt: `s3://${bucket}/${key}.html` } : {}),
  });
}

/** The lines below the REPORT heading and its blank line. */
const reportLines = (email: string) => email.slice(email.indexOf('\nREPORT')).split('\n').slice(3);

describe('s3ConsoleUrl', () => {
  it.each([
    ['eu-west-1', 'https://console.aws.amazon.com'],
    ['cn-north-1', 'https://console.amazonaws.cn'],
    ['us-gov-west-1', 'https://console.amazonaws-us-gov.com'],
  ])('links an object in %s to its page in that partition’s S3 console', (region, host) => {
    // Act
    const url = s3ConsoleUrl(`s3://${BUCKET}/${DATED}.html`, region);

    // Assess
    expect(url).toBe(`${host}/s3/object/${BUCKET}?region=${region}&prefix=${DATED}.html`);
  });

  it('links the folder that holds an object', () => {
    // Act
    const url = s3ConsoleUrl(`s3://${BUCKET}/${DATED}.json`, 'eu-west-1', 'folder');

    // Assess
    expect(url).toBe(
      `https://console.aws.amazon.com/s3/buckets/${BUCKET}?region=eu-west-1&prefix=reports/123456789012/2025/03/04/`,
    );
  });

  it('encodes a key so that it cannot add a parameter, and gives nothing for what is not an s3 address', () => {
    // Assess
    expect(s3ConsoleUrl(`s3://${BUCKET}/a&region=x#y.json`, 'eu-west-1')).toBe(
      `https://console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=a%26region%3Dx%23y.json`,
    );
    expect(s3ConsoleUrl('https://example.com/a.json', 'eu-west-1')).toBeUndefined();
  });
});

describe('formatEmail, where the stored report is', () => {
  it('links the HTML page and the JSON report in the S3 console, and gives the s3 address for the CLI', () => {
    // Act
    const email = formatEmail(stored(BUCKET, DATED), undefined, { reportsRegion: 'eu-west-1' });

    // Assess
    expect(email).toContain(
      '\nREPORT (in the AWS console, signed in with read access to the reports bucket)\n\n',
    );
    expect(reportLines(email)).toEqual([
      `  HTML, to read: https://console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=${DATED}.html`,
      `  JSON, for machines: https://console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=${DATED}.json`,
      `  From a terminal: aws s3 cp s3://${BUCKET}/${DATED}.html .`,
      '',
      '--',
      expect.stringMatching(/^Sent by /),
      '',
    ]);
  });

  it('links only the JSON report when the HTML page was not stored', () => {
    // Act
    const email = formatEmail(stored(BUCKET, DATED, false), undefined, { reportsRegion: 'eu-west-1' });

    // Assess
    expect(reportLines(email).slice(0, 2)).toEqual([
      `  JSON, for machines: https://console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=${DATED}.json`,
      `  From a terminal: aws s3 cp s3://${BUCKET}/${DATED}.json .`,
    ]);
  });

  it('links the day’s folder instead, and keeps every line under 200 characters, for the longest bucket name and a retried attempt', () => {
    // Prepare
    const longest = 'a'.repeat(63);
    const retried = `${DATED}.attempt-20250304T020000000Z`;

    // Act
    const email = formatEmail(stored(longest, retried), undefined, { reportsRegion: 'ap-southeast-3' });

    // Assess
    expect(reportLines(email).slice(0, 2)).toEqual([
      `  Both, in their folder: https://console.aws.amazon.com/s3/buckets/${longest}?region=ap-southeast-3&prefix=reports/123456789012/2025/03/04/`,
      `  In S3: s3://${longest}/${retried}.html`,
    ]);
    expect(email.split('\n').filter((line) => line.length >= PERSISTING_LINE_LIMIT)).toEqual([]);
  });
});
