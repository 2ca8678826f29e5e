import type {
  BaselineInfo,
  InvalidSuppressionTag,
  ResolvedEntry,
  SuppressionSummary,
} from './annotations.ts';
import type { Result, Severity, SkippedScope, Status } from './result.ts';

export type StatusCounts = { pass: number; fail: number; error: number };

export interface Report {
  schemaVersion: 1;
  tool: { name: string; version: string };
  scanId: string;
  startedAt: string;
  finishedAt: string;
  /** False when part of the scope was not reached (the Lambda deadline); those parts are ERROR. */
  complete: boolean;
  scope: {
    accounts: string[];
    regions: string[];
    rules: string[];
    skipped: SkippedScope[];
    /** Each account's alias, for those that have one the scan could read. */
    accountAliases?: Record<string, string>;
    /** Accounts whose alias could not be read, and why (not an error of the scan). */
    accountAliasesUnread?: Record<string, string>;
  };
  summary: StatusCounts & {
    byRule: Record<string, StatusCounts>;
    bySeverity: Partial<Record<Severity, StatusCounts>>;
    /** Per rule, what it examined beyond the resources it reports on. */
    evaluated: Record<string, Record<string, number>>;
    /** FAIL results that an accepted exception covers (they are counted in `fail` too). */
    muted: number;
  };
  results: Result[];
  stats: { apiCalls: Record<string, number> };
  /** With suppressions: entries past their date (they no longer apply) and entries that matched nothing. */
  expiredSuppressions?: SuppressionSummary[];
  unusedSuppressions?: SuppressionSummary[];
  /** With tag suppression on: `sagemaker-compliance:suppress` tags that were ignored, and why. */
  invalidSuppressionTags?: InvalidSuppressionTag[];
  /** With a previous report: what it was (or why it could not be read) and the problems gone since. */
  baseline?: BaselineInfo;
  resolved?: ResolvedEntry[];
  /** Where the Lambda stored this report (the audit trail). */
  storedAt?: string;
  /** Where the Lambda stored this report's HTML page, beside `storedAt`; only on the returned report. */
  storedHtmlAt?: string;
  /** Whether the Lambda made this report `latest.json`, the next scan's baseline. */
  baselineUpdate?: BaselineUpdate;
  /** Lambda, with a findings topic: whether anyone confirmed a subscription to it. */
  topicReach?: TopicReach;
}

/**
 * Who the findings topic reaches: its confirmed and pending subscriptions, with a warning when no
 * subscription is confirmed (then findings and alarms published there reach nobody), or why that
 * could not be read.
 */
export type TopicReach =
  | { topicArn: string; confirmed: number; pending: number; warning?: string }
  | { topicArn: string; error: string };

/**
 * `kept`: another scan replaced `latest.json` while this one ran and this report did not overwrite
 * it (its data is older, or the version could not be established); `heldBy` names the scan there.
 */
export type BaselineUpdate =
  | { outcome: 'moved'; source: string }
  | { outcome: 'kept'; source: string; reason: string; heldBy?: { scanId: string; startedAt: string } };

/** A FAIL that counts: not covered by an accepted exception. */
export function isCountedFailure(result: Result): boolean {
  return result.status === 'FAIL' && result.muted === undefined;
}

/** A counted FAIL that the previous scan did not have as a problem. */
export function isNewFailure(result: Result): boolean {
  return isCountedFailure(result) && (result.delta?.change === 'new' || result.delta?.change === 'regressed');
}

/** FAIL results that count: not covered by an accepted exception. */
export function countedFailures(report: Pick<Report, 'summary'>): number {
  return report.summary.fail - report.summary.muted;
}

export function countsKey(status: Status): keyof StatusCounts {
  return status.toLowerCase() as keyof StatusCounts;
}
