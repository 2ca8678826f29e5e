import { Readable } from 'node:stream';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import type { Report } from '../src/model/report.ts';
import { aReport, aResult } from './fixtures/email/report.ts';
import { fakeIo } from './support/cli-io.ts';

const ACCOUNT = '123456789012';
const BUCKET = 'sagemakercompliancescanner-reports1a2b3c';
const LATEST = `reports/${ACCOUNT}/latest.json`;
const ENV = { AWS_REGION: 'eu-west-1' };
const s3 = mockClient(S3Client);
const cloudFormation = mockClient(CloudFormationClient);

/** The bucket as the scan Lambda left it: key → report. */
let bucket: Map<string, Report>;

const lastNight = () =>
  aReport([aResult({ resourceId: 'vpc-1' }), aResult({ resourceId: 'vpc-2' })], {
    scanId: 'scan-1',
    startedAt: '2026-03-01T02:00:00.000Z',
    finishedAt: '2026-03-01T02:00:01.000Z',
  });
const tonight = () =>
  aReport(
    [
      aResult({ resourceId: 'vpc-1', status: 'PASS', message: 'Both endpoints available.' }),
      aResult({ resourceId: 'vpc-3' }),
    ],
    { scanId: 'scan-2', startedAt: '2026-03-02T02:00:00.000Z', finishedAt: '2026-03-02T02:00:01.000Z' },
  );

async function run(argv: string[]) {
  const io = fakeIo({ env: ENV });
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

const keysRead = () => s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);

beforeEach(() => {
  bucket = new Map([
    [LATEST, tonight()],
    [`reports/${ACCOUNT}/2026/03/01/scan-1.json`, lastNight()],
    [`reports/${ACCOUNT}/2026/03/02/scan-2.json`, tonight()],
  ]);
  s3.on(GetObjectCommand).callsFake((input) => {
    const stored = bucket.get(input.Key);
    if (stored === undefined)
      throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    return { Body: sdkStreamMixin(Readable.from([Buffer.from(JSON.stringify(stored))])) };
  });
  s3.on(ListObjectsV2Command, { Delimiter: '/' }).resolves({
    CommonPrefixes: [{ Prefix: `reports/${ACCOUNT}/` }],
    KeyCount: 1,
  });
});

afterEach(() => {
  s3.reset();
  cloudFormation.reset();
});

describe('report --latest', () => {
  it('prints latest.json of the bucket’s only account in the format asked for, exit 1 for its findings', async () => {
    // Act
    const { code, stdout } = await run(['report', '--latest', '--bucket', BUCKET, '--format', 'json']);

    // Assess
    expect(JSON.parse(stdout)).toEqual(tonight());
    expect(keysRead()).toEqual([LATEST]);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: BUCKET,
      Prefix: 'reports/',
      Delimiter: '/',
    });
    expect(code).toBe(1);
  });

  it('reads the account given with --account without listing the bucket', async () => {
    // Act
    const { code, stdout } = await run([
      'report',
      '--latest',
      '--bucket',
      BUCKET,
      '--account',
      ACCOUNT,
      '--format',
      'csv',
    ]);

    // Assess
    expect(code).toBe(1);
    expect(stdout.split('\n').filter((line) => line.includes('vpc-3'))).toHaveLength(1);
    expect(s3.commandCalls(ListObjectsV2Command)).toEqual([]);
  });

  it('finds the bucket in the ReportsBucketName output of the stack', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand, { StackName: 'SageMakerComplianceScanner' }).resolves({
      Stacks: [
        {
          StackName: 'SageMakerComplianceScanner',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'FindingsTopicArn', OutputValue: 'arn:aws:sns:eu-west-1:123456789012:t' },
            { OutputKey: 'ReportsBucketName', OutputValue: BUCKET },
          ],
        },
      ],
    });

    // Act
    const { code } = await run(['report', '--latest', '--stack', 'SageMakerComplianceScanner']);

    // Assess
    expect(code).toBe(1);
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({ Bucket: BUCKET, Key: LATEST });
  });

  it.each([
    [
      'a stack without the output',
      () =>
        cloudFormation.on(DescribeStacksCommand).resolves({
          Stacks: [
            { StackName: 'Other', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] },
          ],
        }),
      'error: --stack Other: the stack has no ReportsBucketName output (is it the scanner stack?); give --bucket instead\n',
    ],
    [
      'a stack that does not exist',
      () =>
        cloudFormation
          .on(DescribeStacksCommand)
          .rejects(
            Object.assign(new Error('Stack with id Other does not exist'), { name: 'ValidationError' }),
          ),
      'error: --stack Other: cannot describe the stack (ValidationError: Stack with id Other does not exist)\n',
    ],
  ])('refuses %s, naming it', async (_case, answer, message) => {
    // Prepare
    answer();

    // Act
    const { code, stderr } = await run(['report', '--latest', '--stack', 'Other']);

    // Assess
    expect(stderr).toBe(message);
    expect(code).toBe(2);
  });

  it('asks for --account when the bucket holds several accounts', async () => {
    // Prepare
    s3.on(ListObjectsV2Command, { Delimiter: '/' }).resolves({
      CommonPrefixes: [{ Prefix: `reports/${ACCOUNT}/` }, { Prefix: 'reports/444455556666/' }],
    });

    // Act
    const { code, stderr } = await run(['report', '--latest', '--bucket', BUCKET]);

    // Assess
    expect(stderr).toBe(
      `error: s3://${BUCKET} holds reports of 2 accounts (123456789012, 444455556666): choose one with --account\n`,
    );
    expect(code).toBe(2);
  });

  it('says which object is missing, and which one is not a report and where', async () => {
    // Prepare
    bucket.delete(LATEST);
    const bad = { ...tonight(), results: [{ ...aResult({ resourceId: 'vpc-3' }), status: 'BROKEN' }] };
    bucket.set(`reports/${ACCOUNT}/2026/03/02/scan-2.json`, bad as unknown as Report);
    s3.on(ListObjectsV2Command, { Prefix: `reports/${ACCOUNT}/2026/03/02/` }).resolves({
      Contents: [{ Key: `reports/${ACCOUNT}/2026/03/02/scan-2.json`, LastModified: new Date() }],
    });

    // Act
    const missing = await run(['report', '--latest', '--bucket', BUCKET]);
    const malformed = await run(['report', '--date', '2026-03-02', '--bucket', BUCKET]);

    // Assess
    expect(missing.stderr).toBe(`error: s3://${BUCKET}/${LATEST} does not exist\n`);
    expect(malformed.stderr).toMatch(
      new RegExp(
        `^error: s3://${BUCKET}/reports/${ACCOUNT}/2026/03/02/scan-2\\.json: not a scanner report at \\$\\.results\\[0\\]\\.status: `,
      ),
    );
    expect([missing.code, malformed.code]).toEqual([2, 2]);
  });

  it('reports a denied read as the S3 error, not as a missing report', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );

    // Act
    const { code, stderr } = await run(['report', '--latest', '--bucket', BUCKET, '--account', ACCOUNT]);

    // Assess
    expect(stderr).toBe(`error: cannot read s3://${BUCKET}/${LATEST} (AccessDenied: Access Denied)\n`);
    expect(code).toBe(2);
  });
});

describe('report --date', () => {
  it('shows the last report stored that UTC day and names the others on stderr', async () => {
    // Prepare
    const day = `reports/${ACCOUNT}/2026/03/02/`;
    bucket.set(`${day}scan-0.json`, lastNight());
    s3.on(ListObjectsV2Command, { Prefix: day }).resolves({
      Contents: [
        { Key: `${day}scan-2.json`, LastModified: new Date('2026-03-02T02:00:09Z') },
        { Key: `${day}scan-2.html`, LastModified: new Date('2026-03-02T02:00:10Z') },
        { Key: `${day}scan-0.json`, LastModified: new Date('2026-03-02T01:00:00Z') },
      ],
    });

    // Act
    const { code, stdout, stderr } = await run([
      'report',
      '--date',
      '2026-03-02',
      '--bucket',
      BUCKET,
      '--account',
      ACCOUNT,
      '--format',
      'json',
    ]);

    // Assess
    expect(JSON.parse(stdout).scanId).toBe('scan-2');
    expect(stderr).toBe(
      `note: s3://${BUCKET}/${day}scan-2.json is the last of 2 reports that day; the others: s3://${BUCKET}/${day}scan-0.json\n`,
    );
    expect(code).toBe(1);
  });

  it('tells reports S3 stored in the same second apart by when their scans started', async () => {
    // Prepare
    const day = `reports/${ACCOUNT}/2026/03/02/`;
    const earlier = { ...tonight(), scanId: 'scan-a', startedAt: '2026-03-02T01:59:59.000Z' };
    bucket.set(`${day}zzz.json`, earlier);
    bucket.set(`${day}aaa.json`, tonight());
    const second = new Date('2026-03-02T02:00:09Z');
    s3.on(ListObjectsV2Command, { Prefix: day }).resolves({
      Contents: [
        { Key: `${day}aaa.json`, LastModified: second },
        { Key: `${day}zzz.json`, LastModified: second },
      ],
    });

    // Act
    const { stdout, stderr } = await run([
      'report',
      '--date',
      '2026-03-02',
      '--bucket',
      BUCKET,
      '--account',
      ACCOUNT,
      '--format',
      'json',
    ]);

    // Assess
    expect(JSON.parse(stdout).scanId).toBe('scan-2');
    expect(stderr).toBe(
      `note: s3://${BUCKET}/${day}aaa.json is the last of 2 reports that day; the others: s3://${BUCKET}/${day}zzz.json\n`,
    );
  });

  it.each([
    [['--date', '2026-02-30'], 'error: --date: "2026-02-30" is not a day (YYYY-MM-DD, UTC)\n'],
    [
      ['--date', '2026-03-05'],
      `error: no report of account ${ACCOUNT} on 2026-03-05 in s3://${BUCKET}/reports/${ACCOUNT}/2026/03/05/\n`,
    ],
    [[], 'error: report: give exactly one of --latest, --date YYYY-MM-DD and --diff A B\n'],
    [
      ['--latest', '--date', '2026-03-02'],
      'error: report: give exactly one of --latest, --date YYYY-MM-DD and --diff A B\n',
    ],
    [['--diff', 'latest'], 'error: --diff: give two reports, the earlier first (got 1)\n'],
    [
      ['--diff', 'yesterday', 'latest'],
      'error: --diff (report 1): "yesterday" names no stored report (use latest, a day YYYY-MM-DD, or a key reports/<account>/…/<scanId>.json)\n',
    ],
  ])('refuses %j with a clear error', async (flags, message) => {
    // Prepare
    s3.on(ListObjectsV2Command, { Prefix: `reports/${ACCOUNT}/2026/03/05/` }).resolves({ KeyCount: 0 });

    // Act
    const { code, stderr } = await run(['report', ...flags, '--bucket', BUCKET, '--account', ACCOUNT]);

    // Assess
    expect(stderr).toBe(message);
    expect(code).toBe(2);
  });

  it('wants exactly one of --bucket and --stack', async () => {
    // Act
    const neither = await run(['report', '--latest']);
    const both = await run(['report', '--latest', '--bucket', BUCKET, '--stack', 'S']);

    // Assess
    const message =
      'error: report: give the reports bucket with --bucket, or the scanner stack with --stack\n';
    expect([neither.stderr, both.stderr]).toEqual([message, message]);
    expect(s3.calls()).toEqual([]);
  });
});

describe('report --diff', () => {
  it('compares the later report with the earlier: new, resolved and persisting, as a scan with --baseline', async () => {
    // Prepare
    s3.on(ListObjectsV2Command, { Prefix: `reports/${ACCOUNT}/2026/03/01/` }).resolves({
      Contents: [{ Key: `reports/${ACCOUNT}/2026/03/01/scan-1.json`, LastModified: new Date() }],
    });

    // Act
    const { code, stdout } = await run([
      'report',
      '--diff',
      '2026-03-01',
      `s3://${BUCKET}/reports/${ACCOUNT}/2026/03/02/scan-2.json`,
      '--bucket',
      BUCKET,
      '--format',
      'json',
    ]);

    // Assess
    const diff = JSON.parse(stdout) as Report;
    expect(diff.scanId).toBe('scan-2');
    expect(diff.baseline).toEqual({
      scanId: 'scan-1',
      startedAt: '2026-03-01T02:00:00.000Z',
      source: `s3://${BUCKET}/reports/${ACCOUNT}/2026/03/01/scan-1.json`,
    });
    expect(diff.results.map((entry) => [entry.resourceId, entry.delta?.change])).toEqual([
      ['vpc-1', 'resolved'],
      ['vpc-3', 'new'],
    ]);
    expect(diff.resolved?.map((entry) => [entry.resourceId, entry.now])).toEqual([
      ['vpc-1', 'PASS'],
      ['vpc-2', 'gone'],
    ]);
    expect(code).toBe(1);
  });

  it('refuses a key of another bucket', async () => {
    // Act
    const { code, stderr } = await run([
      'report',
      '--diff',
      'latest',
      's3://other-bucket/reports/x.json',
      '--bucket',
      BUCKET,
      '--account',
      ACCOUNT,
    ]);

    // Assess
    expect(stderr).toBe(`error: s3://other-bucket/reports/x.json is not in the bucket s3://${BUCKET}\n`);
    expect(code).toBe(2);
  });
});
