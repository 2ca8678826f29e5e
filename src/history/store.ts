import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { UserInputError } from '../model/errors.ts';
import type { BaselineUpdate, Report } from '../model/report.ts';
import { parseBaselineText } from './baseline.ts';
import type { PreviousScan } from './delta.ts';

/**
 * What the store knows about the scan before this one. `etag` is the version of `latest.json` that
 * was read: the next baseline replaces exactly that version, or nothing (without it, only creating
 * `latest.json` is attempted, which S3 refuses once it exists).
 */
export type PreviousReport =
  | { kind: 'found'; previous: PreviousScan; source: string; etag?: string }
  /** The first scan of the account: nothing to compare with, and nothing wrong. */
  | { kind: 'none'; source: string }
  /** The previous report exists but could not be used: every problem is new, and the report says why. */
  | { kind: 'unreadable'; error: string; etag?: string };

/** The S3 precondition of a write: replace the version read (`If-Match`), or create (`If-None-Match`). */
type WriteCondition = { IfMatch: string } | { IfNoneMatch: '*' };

/**
 * S3's answers to a write whose precondition no longer holds: 412 when the object changed (or
 * appeared), 409 when a concurrent write raced it, and 404 for `If-Match` on an object since deleted.
 */
const CONFLICTS = new Set(['PreconditionFailed', 'ConditionalRequestConflict', 'NoSuchKey']);

function isConflict(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return CONFLICTS.has((error as Error).name) || status === 412 || status === 409;
}

function conditionFor(read: PreviousReport | undefined): WriteCondition {
  const etag = read?.kind === 'none' ? undefined : read?.etag;
  return etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag };
}

/** `reports/<accountId>/<yyyy>/<mm>/<dd>/<scanId>.json`, dated by the UTC day the scan started. */
export function reportKey(report: Pick<Report, 'scanId' | 'startedAt'>, accountId: string): string {
  const day = new Date(report.startedAt).toISOString().slice(0, 10).replaceAll('-', '/');
  return `reports/${accountId}/${day}/${report.scanId}.json`;
}

/** Where a retried attempt of a scan is kept when the first attempt already stored its report. */
export function retryKey(report: Pick<Report, 'scanId' | 'startedAt'>, accountId: string): string {
  const attempt = new Date(report.startedAt).toISOString().replaceAll(/[-:.]/g, '');
  return reportKey(report, accountId).replace(/\.json$/, `.attempt-${attempt}.json`);
}

/** The full copy of the last deployed-scope scan: the baseline of the next one. */
export function latestKey(accountId: string): string {
  return `reports/${accountId}/latest.json`;
}

/** An S3 or parse failure in one line, for the log, the email and the report. */
export function describeStoreError(error: unknown): string {
  if (error instanceof UserInputError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The audit trail of reports in S3 and the previous scan that the next one is compared with. The
 * function may create objects under `reports/<accountId>/`, replace only `latest.json` (on the
 * version it read) and read only `latest.json` (and list only that key, to tell a first scan from a
 * denied read), so the store never lists, reads or rewrites dated reports.
 *
 * @example
 * const store = new ReportStore(new S3Client({}), 'my-reports-bucket');
 * const previous = await store.readPrevious('123456789012');
 */
export class ReportStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** The `s3://` address of an object in the bucket. */
  private addressOf(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** Reads `latest.json`; never throws, since a missing baseline must not stop the scan. */
  async readPrevious(accountId: string): Promise<PreviousReport> {
    const key = latestKey(accountId);
    const source = this.addressOf(key);
    let text: string;
    let etag: string | undefined;
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      etag = response.ETag;
      text = (await response.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return { kind: 'none', source };
      const denied = `cannot read ${source} (${describeStoreError(error)})`;
      if ((error as Error).name !== 'AccessDenied') return { kind: 'unreadable', error: denied };
      return this.missingOrDenied(key, source, denied);
    }
    const version = etag === undefined ? {} : { etag };
    try {
      return { kind: 'found', previous: parseBaselineText(text, source), source, ...version };
    } catch (error) {
      return { kind: 'unreadable', error: describeStoreError(error), ...version };
    }
  }

  /**
   * S3 answers 403 instead of 404 for a missing key unless the caller may list it, and the scan
   * role may list only this key: the listing tells a first scan from a report it may not read.
   * A listing that fails, or whose KeyCount does not match the keys it holds, leaves the 403 standing.
   */
  private async missingOrDenied(key: string, source: string, denied: string): Promise<PreviousReport> {
    let listing: { KeyCount?: number; Contents?: { Key?: string }[] };
    try {
      listing = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }),
      );
    } catch (error) {
      const why = describeStoreError(error);
      return { kind: 'unreadable', error: `${denied}; listing it to see whether it exists failed (${why})` };
    }
    const listed = listing.Contents?.length ?? 0;
    if (listing.KeyCount !== listed) {
      return {
        kind: 'unreadable',
        error: `${denied}; listing it to see whether it exists gave KeyCount ${listing.KeyCount} for ${listed} keys`,
      };
    }
    // Keys are listed in order, so with this key as the prefix it comes first if it exists.
    if (listing.Contents?.[0]?.Key === key) {
      return { kind: 'unreadable', error: `${denied}; it exists, so the scan role may not read it` };
    }
    return { kind: 'none', source };
  }

  /**
   * Writes the dated copy of a report (the audit trail) and answers the report with its `storedAt`
   * address. Only as a new object: S3 refuses to replace a stored report, and so does the scan
   * role's policy. When the key is taken by an earlier attempt of this scan (a retried invocation
   * keeps its scan id), that record stays as it is and this attempt is kept beside it.
   */
  async store(report: Report, accountId: string): Promise<Report> {
    try {
      return await this.storeAs(reportKey(report, accountId), report);
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    return this.storeAs(retryKey(report, accountId), report);
  }

  private async storeAs(key: string, report: Report): Promise<Report> {
    const stored = { ...report, storedAt: this.addressOf(key) };
    await this.put(key, stored, { IfNoneMatch: '*' });
    return stored;
  }

  /**
   * Writes the HTML page of a stored report beside its JSON (`<scanId>.html` for `<scanId>.json`),
   * as a new object only, and answers the report with its `storedHtmlAt` address. The JSON copy,
   * written before, does not carry that address.
   *
   * @example
   * const stored = await store.store(report, accountId);
   * const linked = await store.storeHtml(stored, formatHtml(stored));
   */
  async storeHtml(report: Report, page: string): Promise<Report> {
    const prefix = this.addressOf('');
    if (report.storedAt === undefined || !report.storedAt.startsWith(prefix)) {
      throw new Error(`the report is not stored in ${prefix}, so its HTML page has no place beside it`);
    }
    const key = report.storedAt.slice(prefix.length).replace(/\.json$/, '.html');
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: page,
        // So that the S3 console's "Open" shows the page instead of downloading it.
        ContentType: 'text/html; charset=utf-8',
        IfNoneMatch: '*',
      }),
    );
    return { ...report, storedHtmlAt: this.addressOf(key) };
  }

  /**
   * Makes this report the baseline of the next scan, if `latest.json` is still the version `read`
   * at the start of this scan. If another scan replaced it meanwhile, it is read again: a baseline
   * from a scan that started later stays (this report's data is older), one that started earlier
   * is replaced once more on its own version. Never loops: a second conflict keeps what is there.
   *
   * @example
   * const previous = await store.readPrevious(accountId);
   * // … scan …
   * const update = await store.updateLatest(report, accountId, previous); // { outcome: 'moved', … }
   */
  async updateLatest(
    report: Report,
    accountId: string,
    read: PreviousReport | undefined,
  ): Promise<BaselineUpdate> {
    const key = latestKey(accountId);
    const source = this.addressOf(key);
    try {
      await this.put(key, report, conditionFor(read));
      return { outcome: 'moved', source };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    const now = await this.readPrevious(accountId);
    if (now.kind === 'unreadable') {
      return {
        outcome: 'kept',
        source,
        reason: `it is not the version this scan read, and reading it again failed: ${now.error}`,
      };
    }
    if (now.kind === 'found') {
      const { scanId, startedAt } = now.previous;
      const theirs = Date.parse(startedAt);
      if (Number.isNaN(theirs)) {
        return {
          outcome: 'kept',
          source,
          reason: `it holds scan ${scanId}, whose startedAt "${startedAt}" is not a time`,
        };
      }
      if (theirs >= Date.parse(report.startedAt)) {
        const heldBy = { scanId, startedAt };
        return {
          outcome: 'kept',
          source,
          reason: 'it holds a scan that started later than this one',
          heldBy,
        };
      }
    }
    try {
      await this.put(key, report, conditionFor(now));
      return { outcome: 'moved', source };
    } catch (error) {
      if (!isConflict(error)) throw error;
      return { outcome: 'kept', source, reason: 'other scans replaced it twice while this one tried to' };
    }
  }

  private async put(key: string, report: Report, condition: WriteCondition): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(report),
        ContentType: 'application/json',
        ...condition,
      }),
    );
  }
}
