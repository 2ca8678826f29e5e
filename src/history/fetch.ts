import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { UserInputError } from '../model/errors.ts';
import type { Report } from '../model/report.ts';
import { reportSchema } from '../model/report-schema.ts';
import { jsonPath } from '../model/snapshot.ts';
import { compareWithPrevious } from './delta.ts';
import { describeStoreError, latestKey } from './store.ts';

const REPORTS_PREFIX = 'reports/';
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ACCOUNT = /^\d{12}$/;

/** A report read back from the bucket, and where it was. */
export interface FetchedReport {
  report: Report;
  source: string;
  /** The other reports of the same day, when a day was asked for and it holds several. */
  others: string[];
}

/**
 * Which stored report: `latest` (the baseline, `latest.json`), a UTC day `YYYY-MM-DD` (the last
 * report stored that day), or a key in the bucket (`reports/…/<scanId>.json`, or `s3://bucket/key`).
 */
export type ReportSelector = { latest: true } | { date: string } | { key: string };

/** A `--diff` operand as the user wrote it. */
export function parseSelector(text: string, where: string): ReportSelector {
  if (text === 'latest') return { latest: true };
  if (DAY.test(text)) return { date: validDay(text, where) };
  if (text.startsWith('s3://') || text.startsWith(REPORTS_PREFIX)) return { key: text };
  throw new UserInputError(
    `${where}: "${text}" names no stored report (use latest, a day YYYY-MM-DD, or a key reports/<account>/…/<scanId>.json)`,
  );
}

/** `YYYY-MM-DD` that is a real day, or a clear error. */
export function validDay(text: string, where: string): string {
  const match = DAY.exec(text);
  const date = new Date(`${text}T00:00:00.000Z`);
  if (match === null || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new UserInputError(`${where}: "${text}" is not a day (YYYY-MM-DD, UTC)`);
  }
  return text;
}

/**
 * Reads the reports the scan Lambda stored (layout of {@link latestKey} and `reportKey` in
 * store.ts). Only reads and lists: it never writes to the bucket.
 *
 * @example
 * const stored = new StoredReports(new S3Client({}), 'my-reports-bucket');
 * const { report } = await stored.fetch('123456789012', { latest: true });
 */
export class StoredReports {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** The accounts that have reports in the bucket (`reports/<account>/`). */
  async accounts(): Promise<string[]> {
    const accounts: string[] = [];
    const pages = paginateListObjectsV2(
      { client: this.s3 },
      { Bucket: this.bucket, Prefix: REPORTS_PREFIX, Delimiter: '/' },
    );
    for await (const page of this.listing(pages)) {
      for (const prefix of page.CommonPrefixes ?? []) {
        const account = prefix.Prefix?.slice(REPORTS_PREFIX.length, -1) ?? '';
        if (ACCOUNT.test(account)) accounts.push(account);
      }
    }
    return accounts.sort();
  }

  /** The one account of the bucket, when `--account` is not given. */
  async onlyAccount(): Promise<string> {
    const accounts = await this.accounts();
    if (accounts.length === 1) return accounts[0] as string;
    if (accounts.length === 0) {
      throw new UserInputError(`s3://${this.bucket}/${REPORTS_PREFIX} holds no account's reports`);
    }
    throw new UserInputError(
      `s3://${this.bucket} holds reports of ${accounts.length} accounts (${accounts.join(', ')}): choose one with --account`,
    );
  }

  async fetch(accountId: string, selector: ReportSelector): Promise<FetchedReport> {
    if ('latest' in selector) return { ...(await this.read(latestKey(accountId))), others: [] };
    if ('key' in selector) return { ...(await this.read(this.keyOf(selector.key))), others: [] };
    return this.lastOfDay(accountId, selector.date);
  }

  private keyOf(text: string): string {
    if (!text.startsWith('s3://')) return text;
    const prefix = `s3://${this.bucket}/`;
    if (!text.startsWith(prefix)) {
      throw new UserInputError(`${text} is not in the bucket s3://${this.bucket}`);
    }
    return text.slice(prefix.length);
  }

  /**
   * The last report stored on a UTC day: scans of a day are told apart by when S3 stored them, and
   * reports S3 stored in the same second (its listing's precision) by when their scans started.
   */
  private async lastOfDay(accountId: string, date: string): Promise<FetchedReport> {
    const prefix = `${REPORTS_PREFIX}${accountId}/${date.replaceAll('-', '/')}/`;
    const stored: { key: string; at: number }[] = [];
    const pages = paginateListObjectsV2({ client: this.s3 }, { Bucket: this.bucket, Prefix: prefix });
    for await (const page of this.listing(pages)) {
      for (const object of page.Contents ?? []) {
        if (object.Key?.endsWith('.json')) {
          stored.push({ key: object.Key, at: object.LastModified?.getTime() ?? 0 });
        }
      }
    }
    if (stored.length === 0) {
      throw new UserInputError(
        `no report of account ${accountId} on ${date} in s3://${this.bucket}/${prefix}`,
      );
    }
    const newest = Math.max(...stored.map(({ at }) => at));
    const tied = [];
    for (const { key } of stored.filter(({ at }) => at === newest)) tied.push(await this.read(key));
    const last = tied.reduce((later, candidate) =>
      Date.parse(candidate.report.startedAt) > Date.parse(later.report.startedAt) ? candidate : later,
    );
    const others = stored
      .sort((a, b) => a.at - b.at || a.key.localeCompare(b.key))
      .map(({ key }) => `s3://${this.bucket}/${key}`)
      .filter((address) => address !== last.source);
    return { ...last, others };
  }

  private async *listing<T>(pages: AsyncIterable<T>): AsyncIterable<T> {
    try {
      yield* pages;
    } catch (error) {
      throw new UserInputError(`cannot list s3://${this.bucket} (${describeStoreError(error)})`);
    }
  }

  private async read(key: string): Promise<{ report: Report; source: string }> {
    const source = `s3://${this.bucket}/${key}`;
    let text: string;
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = (await response.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      const missing = (error as Error).name === 'NoSuchKey';
      throw new UserInputError(
        missing ? `${source} does not exist` : `cannot read ${source} (${describeStoreError(error)})`,
      );
    }
    return { report: parseStoredReport(text, source), source };
  }
}

/** A stored report, validated against the report schema; the error names the source and the path. */
export function parseStoredReport(text: string, source: string): Report {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = reportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserInputError(
      `${source}: not a scanner report at ${jsonPath(issue?.path ?? [])}: ${issue?.message}`,
    );
  }
  return parsed.data as Report;
}

/**
 * `later` compared with `earlier`, as a scan is compared with its baseline: each result new,
 * regressed, persisting or resolved, and the problems gone since listed as resolved.
 *
 * @example diffReports(yesterday, today) // today's report with delta, resolved and baseline set
 */
export function diffReports(earlier: FetchedReport, later: FetchedReport): Report {
  const { report } = later;
  const { results, resolved } = compareWithPrevious(
    report.results.map(({ delta: _delta, ...result }) => result),
    earlier.report,
    { startedAt: report.startedAt, ...report.scope },
  );
  return {
    ...report,
    results,
    resolved,
    baseline: { scanId: earlier.report.scanId, startedAt: earlier.report.startedAt, source: earlier.source },
  };
}
