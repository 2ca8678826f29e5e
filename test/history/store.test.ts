import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { latestKey, ReportStore, reportKey } from '../../src/history/store.ts';
import { report, result } from '../support/report.ts';

const ACCOUNT = '111122223333';
const BUCKET = 'compliance-reports';
const s3 = mockClient(S3Client);

const body = (text: string) => sdkStreamMixin(Readable.from([Buffer.from(text)]));

function store() {
  return new ReportStore(new S3Client({ region: 'eu-west-1', maxAttempts: 1 }), BUCKET);
}

afterEach(() => {
  s3.reset();
});

describe('report keys', () => {
  it('dates a report by the UTC day its scan started, even when that is another day locally', () => {
    // Prepare
    const scan = { scanId: 'scan-7', startedAt: '2026-12-31T23:59:59.000Z' };

    // Act
    const key = reportKey(scan, ACCOUNT);

    // Assess
    expect(key).toBe(`reports/${ACCOUNT}/2026/12/31/scan-7.json`);
    expect(latestKey(ACCOUNT)).toBe(`reports/${ACCOUNT}/latest.json`);
  });
});

describe('ReportStore', () => {
  it('writes the dated copy as JSON and answers with its s3 address', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const scan = report([result('FAIL', 'vpc-1', 'no endpoint')]);

    // Act
    const storedAt = await store().store(scan, ACCOUNT);

    // Assess
    expect(storedAt).toBe(`s3://${BUCKET}/reports/${ACCOUNT}/2026/03/01/scan-1.json`);
    const [put] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(put).toMatchObject({
      Bucket: BUCKET,
      Key: `reports/${ACCOUNT}/2026/03/01/scan-1.json`,
      ContentType: 'application/json',
    });
    expect(JSON.parse(String(put?.Body))).toEqual(scan);
  });

  it('reads latest.json as the previous scan', async () => {
    // Prepare
    const previous = report([result('FAIL', 'vpc-1', 'no endpoint')], { scanId: 'scan-0' });
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: `reports/${ACCOUNT}/latest.json` }).resolves({
      Body: body(JSON.stringify(previous)),
    });

    // Act
    const outcome = await store().readPrevious(ACCOUNT);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'found',
      source: `s3://${BUCKET}/reports/${ACCOUNT}/latest.json`,
      previous: { scanId: 'scan-0', results: [{ resourceId: 'vpc-1', status: 'FAIL' }] },
    });
  });

  it('treats a missing latest.json as the first scan, not as an error', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );

    // Act
    const outcome = await store().readPrevious(ACCOUNT);

    // Assess
    expect(outcome).toEqual({ kind: 'none', source: `s3://${BUCKET}/reports/${ACCOUNT}/latest.json` });
  });

  it.each([
    {
      name: 'access is denied',
      arrange: () =>
        s3.on(GetObjectCommand).rejects(
          new S3ServiceException({
            name: 'AccessDenied',
            $fault: 'client',
            $metadata: { httpStatusCode: 403 },
            message: 'Access Denied',
          }),
        ),
      error: `cannot read s3://${BUCKET}/reports/${ACCOUNT}/latest.json (AccessDenied: Access Denied)`,
    },
    {
      name: 'it is not JSON',
      arrange: () => s3.on(GetObjectCommand).resolves({ Body: body('{"scanId": "trunc') }),
      error: /^s3:\/\/compliance-reports\/reports\/111122223333\/latest\.json: not valid JSON/,
    },
    {
      name: 'it is JSON but not a report',
      arrange: () => s3.on(GetObjectCommand).resolves({ Body: body('{"scanId": "scan-0"}') }),
      error: /latest\.json: not a scanner JSON report at \$\.startedAt/,
    },
  ])('says why the previous scan is unusable when $name', async ({ arrange, error }) => {
    // Prepare
    arrange();

    // Act
    const outcome = await store().readPrevious(ACCOUNT);

    // Assess
    expect(outcome.kind).toBe('unreadable');
    expect(outcome.kind === 'unreadable' && outcome.error).toMatch(error);
  });
});
