import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { latestKey, type PreviousReport, ReportStore, reportKey } from '../../src/history/store.ts';
import { reportSchema } from '../../src/model/report-schema.ts';
import { report, result } from '../support/report.ts';

const ACCOUNT = '111122223333';
const BUCKET = 'compliance-reports';
const s3 = mockClient(S3Client);

const body = (text: string) => sdkStreamMixin(Readable.from([Buffer.from(text)]));
const ETAG = '"9b2cf535f27731c974343645a3985328"';
const LATEST = `reports/${ACCOUNT}/latest.json`;
const SOURCE = `s3://${BUCKET}/${LATEST}`;

function s3Error(name: string, httpStatusCode: number, message: string) {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message });
}
const preconditionFailed = () =>
  s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
const conditionalRequestConflict = () =>
  s3Error('ConditionalRequestConflict', 409, 'A conflicting conditional operation is currently in progress');

/** latest.json as another scan left it: its report and the ETag S3 gave that version. */
function latestHolds(scan: { scanId: string; startedAt: string }, etag: string) {
  return { Body: body(JSON.stringify(report([], scan))), ETag: etag };
}

const putsOfLatest = () =>
  s3
    .commandCalls(PutObjectCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.Key === LATEST);

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
    const stored = await store().store(scan, ACCOUNT);

    // Assess
    const storedAt = `s3://${BUCKET}/reports/${ACCOUNT}/2026/03/01/scan-1.json`;
    expect(stored).toEqual({ ...scan, storedAt });
    const [put] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(put).toMatchObject({
      Bucket: BUCKET,
      Key: `reports/${ACCOUNT}/2026/03/01/scan-1.json`,
      ContentType: 'application/json',
    });
    expect(JSON.parse(String(put?.Body))).toEqual({ ...scan, storedAt });
  });

  it('writes the HTML page beside the stored JSON report, as a new object, and answers with its address', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const stored = await store().store(report([], { startedAt: '2026-03-01T02:10:00.000Z' }), ACCOUNT);

    // Act
    const linked = await store().storeHtml(stored, '<!doctype html><title>r</title>');

    // Assess
    const key = `reports/${ACCOUNT}/2026/03/01/scan-1.html`;
    expect(linked).toEqual({ ...stored, storedHtmlAt: `s3://${BUCKET}/${key}` });
    expect(s3.commandCalls(PutObjectCommand)[1]?.args[0].input).toEqual({
      Bucket: BUCKET,
      Key: key,
      Body: '<!doctype html><title>r</title>',
      ContentType: 'text/html; charset=utf-8',
      IfNoneMatch: '*',
    });
  });

  it('puts the HTML page of a retried attempt beside that attempt', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejectsOnce(preconditionFailed()).resolves({});
    const stored = await store().store(report([], { startedAt: '2026-03-01T02:10:00.000Z' }), ACCOUNT);

    // Act
    const linked = await store().storeHtml(stored, '<p>');

    // Assess
    expect(linked.storedHtmlAt).toBe(
      `s3://${BUCKET}/reports/${ACCOUNT}/2026/03/01/scan-1.attempt-20260301T021000000Z.html`,
    );
  });

  it.each([
    ['a report that is not stored', undefined],
    ['a report stored in another bucket', `s3://other-bucket/reports/${ACCOUNT}/2026/03/01/scan-1.json`],
  ])('refuses to place the HTML page of %s, writing nothing', async (_case, storedAt) => {
    // Act
    const storing = store().storeHtml(report([], storedAt === undefined ? {} : { storedAt }), '<p>');

    // Assess
    await expect(storing).rejects.toThrow(
      `the report is not stored in s3://${BUCKET}/, so its HTML page has no place beside it`,
    );
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
  });

  it('keeps a retried attempt of a stored scan beside the first, never over it', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejectsOnce(preconditionFailed()).resolves({});
    const retried = report([], { startedAt: '2026-03-01T02:10:00.000Z' });

    // Act
    const stored = await store().store(retried, ACCOUNT);

    // Assess
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((put) => [put.Key, put.IfNoneMatch, put.IfMatch])).toEqual([
      [`reports/${ACCOUNT}/2026/03/01/scan-1.json`, '*', undefined],
      [`reports/${ACCOUNT}/2026/03/01/scan-1.attempt-20260301T021000000Z.json`, '*', undefined],
    ]);
    expect(stored.storedAt).toBe(
      `s3://${BUCKET}/reports/${ACCOUNT}/2026/03/01/scan-1.attempt-20260301T021000000Z.json`,
    );
    expect(JSON.parse(String(puts[1]?.Body)).storedAt).toBe(stored.storedAt);
  });

  it('fails the store when the attempt too is already stored, replacing nothing', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(preconditionFailed());

    // Act
    const storing = store().store(report([]), ACCOUNT);

    // Assess
    await expect(storing).rejects.toThrow(/pre-conditions you specified did not hold/);
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((put) => [put.IfNoneMatch, put.IfMatch])).toEqual([
      ['*', undefined],
      ['*', undefined],
    ]);
  });

  it('reads latest.json as the previous scan', async () => {
    // Prepare
    const previous = report([result('FAIL', 'vpc-1', 'no endpoint')], { scanId: 'scan-0' });
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: `reports/${ACCOUNT}/latest.json` }).resolves({
      Body: body(JSON.stringify(previous)),
      ETag: ETAG,
    });

    // Act
    const outcome = await store().readPrevious(ACCOUNT);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'found',
      etag: ETAG,
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

  it('treats a denied read of a latest.json that the one-key listing does not find as the first scan', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0, MaxKeys: 1, Prefix: LATEST, IsTruncated: false });

    // Act
    const outcome = await store().readPrevious(ACCOUNT);

    // Assess
    expect(outcome).toEqual({ kind: 'none', source: SOURCE });
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Prefix: LATEST, MaxKeys: 1 },
    ]);
  });

  it('treats a listing that finds only a longer key with the same prefix as the first scan', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: `${LATEST}.old` }] });

    // Act
    const outcome = await store().readPrevious(ACCOUNT);

    // Assess
    expect(outcome).toEqual({ kind: 'none', source: SOURCE });
  });

  it('does not list the bucket when the read fails for another reason than AccessDenied', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(s3Error('InvalidObjectState', 403, 'The operation is not valid'));

    // Act
    const outcome = await store().readPrevious(ACCOUNT);

    // Assess
    expect(outcome).toEqual({
      kind: 'unreadable',
      error: `cannot read ${SOURCE} (InvalidObjectState: The operation is not valid)`,
    });
    expect(s3.commandCalls(ListObjectsV2Command)).toEqual([]);
  });

  it.each([
    {
      name: 'access is denied to a latest.json that the listing finds',
      arrange: () => {
        s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
        s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: LATEST }] });
      },
      error: `cannot read ${SOURCE} (AccessDenied: Access Denied); it exists, so the scan role may not read it`,
    },
    {
      name: 'access is denied and the listing is denied too',
      arrange: () => {
        s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
        s3.on(ListObjectsV2Command).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
      },
      error: `cannot read ${SOURCE} (AccessDenied: Access Denied); listing it to see whether it exists failed (AccessDenied: Access Denied)`,
    },
    {
      name: 'access is denied and the listing answers without KeyCount',
      arrange: () => {
        s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
        s3.on(ListObjectsV2Command).resolves({});
      },
      error: `cannot read ${SOURCE} (AccessDenied: Access Denied); listing it to see whether it exists gave KeyCount undefined for 0 keys`,
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

describe('ReportStore.updateLatest: overlapping scans never put an older baseline over a newer one', () => {
  const ours = report([result('FAIL', 'vpc-1', 'no endpoint')], {
    scanId: 'scan-ours',
    startedAt: '2026-03-01T02:00:00.000Z',
  });
  const found = (etag?: string): PreviousReport => ({
    kind: 'found',
    previous: { scanId: 'scan-0', startedAt: '2026-02-28T02:00:00.000Z', results: [] },
    source: SOURCE,
    ...(etag === undefined ? {} : { etag }),
  });

  it('creates latest.json with If-None-Match on the first scan', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, { kind: 'none', source: SOURCE });

    // Assess
    expect(update).toEqual({ outcome: 'moved', source: SOURCE });
    expect(putsOfLatest()).toMatchObject([{ Bucket: BUCKET, Key: LATEST, IfNoneMatch: '*' }]);
    expect(putsOfLatest()[0]?.IfMatch).toBeUndefined();
    expect(JSON.parse(String(putsOfLatest()[0]?.Body)).scanId).toBe('scan-ours');
  });

  it('replaces latest.json with If-Match on the ETag read at the start of the scan', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Assess
    expect(update).toEqual({ outcome: 'moved', source: SOURCE });
    expect(putsOfLatest()).toMatchObject([{ IfMatch: ETAG }]);
    expect(putsOfLatest()[0]?.IfNoneMatch).toBeUndefined();
  });

  it.each([
    ['an unparsable latest.json, replaced on the version read', { etag: ETAG }, { IfMatch: ETAG }],
    ['a latest.json that could not be read at all, only created', {}, { IfNoneMatch: '*' }],
  ])('writes after %s', async (_name, version, condition) => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, {
      kind: 'unreadable',
      error: 'bad',
      ...version,
    });

    // Assess
    expect(update.outcome).toBe('moved');
    expect(putsOfLatest()).toMatchObject([condition]);
  });

  it('keeps a baseline that a later-started scan wrote meanwhile (412), naming that scan', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    s3.on(GetObjectCommand).resolves(
      latestHolds({ scanId: 'scan-later', startedAt: '2026-03-01T02:05:00.000Z' }, '"e2"'),
    );

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Assess
    expect(update).toEqual({
      outcome: 'kept',
      source: SOURCE,
      reason: 'it holds a scan that started later than this one',
      heldBy: { scanId: 'scan-later', startedAt: '2026-03-01T02:05:00.000Z' },
    });
    expect(putsOfLatest()).toHaveLength(1);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
  });

  it('keeps a baseline whose start time does not parse', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    s3.on(GetObjectCommand).resolves(latestHolds({ scanId: 'scan-odd', startedAt: 'yesterday' }, '"e2"'));

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Assess
    expect(update).toEqual({
      outcome: 'kept',
      source: SOURCE,
      reason: 'it holds scan scan-odd, whose startedAt "yesterday" is not a time',
    });
    expect(putsOfLatest()).toHaveLength(1);
  });

  it('keeps a baseline from a scan that started at the same instant', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    s3.on(GetObjectCommand).resolves(latestHolds({ scanId: 'scan-twin', startedAt: ours.startedAt }, '"e2"'));

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Assess
    expect(update).toMatchObject({ outcome: 'kept', heldBy: { scanId: 'scan-twin' } });
    expect(putsOfLatest()).toHaveLength(1);
  });

  it.each([
    ['412 PreconditionFailed', preconditionFailed],
    ['409 ConditionalRequestConflict', conditionalRequestConflict],
  ])(
    'replaces, on its new ETag, a baseline an earlier-started scan wrote meanwhile (%s)',
    async (_name, conflict) => {
      // Prepare
      s3.on(PutObjectCommand).rejectsOnce(conflict()).resolves({});
      s3.on(GetObjectCommand).resolves(
        latestHolds({ scanId: 'scan-earlier', startedAt: '2026-03-01T01:59:00.000Z' }, '"e2"'),
      );

      // Act
      const update = await store().updateLatest(ours, ACCOUNT, found(ETAG));

      // Assess
      expect(update).toEqual({ outcome: 'moved', source: SOURCE });
      expect(putsOfLatest().map((put) => put.IfMatch)).toEqual([ETAG, '"e2"']);
    },
  );

  it('creates latest.json again when it was deleted meanwhile (404 for If-Match)', async () => {
    // Prepare
    s3.on(PutObjectCommand)
      .rejectsOnce(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }))
      .resolves({});
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Assess
    expect(update.outcome).toBe('moved');
    expect(putsOfLatest().map((put) => put.IfMatch ?? put.IfNoneMatch)).toEqual([ETAG, '*']);
  });

  it('gives up after a second conflict and keeps what is there, without looping', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    s3.on(GetObjectCommand).resolves(
      latestHolds({ scanId: 'scan-earlier', startedAt: '2026-03-01T01:59:00.000Z' }, '"e2"'),
    );

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Assess
    expect(update).toEqual({
      outcome: 'kept',
      source: SOURCE,
      reason: 'other scans replaced it twice while this one tried to',
    });
    expect(putsOfLatest()).toHaveLength(2);
  });

  it('keeps what is there when it cannot be read again after a conflict', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: LATEST }] });

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, { kind: 'none', source: SOURCE });

    // Assess
    expect(update).toEqual({
      outcome: 'kept',
      source: SOURCE,
      reason: `it is not the version this scan read, and reading it again failed: cannot read ${SOURCE} (AccessDenied: Access Denied); it exists, so the scan role may not read it`,
    });
    expect(putsOfLatest()).toHaveLength(1);
  });

  it('answers with outcomes the report schema accepts', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejectsOnce(preconditionFailed()).resolves({});
    s3.on(GetObjectCommand).resolves(
      latestHolds({ scanId: 'scan-later', startedAt: '2026-03-01T02:05:00.000Z' }, '"e2"'),
    );
    const kept = await store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Act
    const moved = await store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Assess
    expect([kept.outcome, moved.outcome]).toEqual(['kept', 'moved']);
    // Without results: the helper's ids are not the hashes the schema requires.
    const bare = report([], { scanId: ours.scanId, startedAt: ours.startedAt });
    for (const baselineUpdate of [kept, moved]) {
      expect(reportSchema.safeParse({ ...bare, baselineUpdate }).error).toBeUndefined();
    }
    expect(
      reportSchema.safeParse({ ...bare, baselineUpdate: { outcome: 'kept', source: SOURCE } }).success,
    ).toBe(false);
  });

  it('lets any other S3 failure through for the caller to log and count', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));

    // Act
    const update = store().updateLatest(ours, ACCOUNT, found(ETAG));

    // Assess
    await expect(update).rejects.toThrow('Access Denied');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});
