import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { UserInputError } from '../model/errors.ts';
import type { Report } from '../model/report.ts';
import { parseBaselineText } from './baseline.ts';
import type { PreviousScan } from './delta.ts';

/** What the store knows about the scan before this one. */
export type PreviousReport =
  | { kind: 'found'; previous: PreviousScan; source: string }
  /** The first scan of the account: nothing to compare with, and nothing wrong. */
  | { kind: 'none'; source: string }
  /** The previous report exists but could not be used: every problem is new, and the report says why. */
  | { kind: 'unreadable'; error: string };

/** `reports/<accountId>/<yyyy>/<mm>/<dd>/<scanId>.json`, dated by the UTC day the scan started. */
export function reportKey(report: Pick<Report, 'scanId' | 'startedAt'>, accountId: string): string {
  const day = new Date(report.startedAt).toISOString().slice(0, 10).replaceAll('-', '/');
  return `reports/${accountId}/${day}/${report.scanId}.json`;
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
 * function may write anywhere under `reports/<accountId>/` and read only `latest.json`, so the
 * store never lists or reads dated reports.
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

  /** The `s3://` address a report is stored at. */
  locationOf(report: Pick<Report, 'scanId' | 'startedAt'>, accountId: string): string {
    return `s3://${this.bucket}/${reportKey(report, accountId)}`;
  }

  /** Reads `latest.json`; never throws, since a missing baseline must not stop the scan. */
  async readPrevious(accountId: string): Promise<PreviousReport> {
    const key = latestKey(accountId);
    const source = `s3://${this.bucket}/${key}`;
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await response.Body?.transformToString('utf8')) ?? '';
      return { kind: 'found', previous: parseBaselineText(text, source), source };
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return { kind: 'none', source };
      const reason = describeStoreError(error);
      return {
        kind: 'unreadable',
        error: reason.startsWith(source) ? reason : `cannot read ${source} (${reason})`,
      };
    }
  }

  /** Writes the dated copy of a report (the audit trail); returns its `s3://` address. */
  async store(report: Report, accountId: string): Promise<string> {
    await this.put(reportKey(report, accountId), report);
    return this.locationOf(report, accountId);
  }

  /** Makes this report the baseline of the next scan. */
  async updateLatest(report: Report, accountId: string): Promise<void> {
    await this.put(latestKey(accountId), report);
  }

  private async put(key: string, report: Report): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(report),
        ContentType: 'application/json',
      }),
    );
  }
}
