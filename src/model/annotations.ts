import type { Severity, Status } from './result.ts';

/** Why a FAIL result does not count: an accepted exception, with its reason and expiry. */
export interface Muted {
  reason: string;
  /** `YYYY-MM-DD` (UTC): from that midnight on the exception no longer applies. */
  expires: string;
  owner?: string;
  /** Index of the entry in the suppressions file, or `tag` when a resource tag muted it. */
  entry: number | 'tag';
}

export type Change = 'new' | 'persisting' | 'regressed' | 'resolved' | 'unchanged';

export interface Delta {
  /**
   * For FAIL and ERROR: `new` (not in the previous scan), `regressed` (was PASS), `persisting`.
   * For PASS: `resolved` (was FAIL or ERROR), `unchanged` otherwise.
   */
  change: Change;
  /** When this problem was first seen (FAIL and ERROR only). */
  firstSeen?: string;
  previousStatus?: Status;
  /**
   * The previous scan had this result muted by an accepted exception. Security Hub keeps the
   * workflow status a finding was first imported with, so a change of mute state is sent to it.
   */
  previouslyMuted?: true;
}

export interface SuppressionSummary {
  entry: number;
  rule: string;
  reason: string;
  expires: string;
  owner?: string;
}

export interface InvalidSuppressionTag {
  accountId: string;
  resourceId: string;
  value: string;
  problem: string;
}

/** A problem of the previous scan that is gone: now PASS, or its resource no longer exists. */
export interface ResolvedEntry {
  id: string;
  ruleId: string;
  accountId: string;
  region: string;
  resourceId: string;
  previousStatus: Status;
  now: 'PASS' | 'gone';
  title: string;
  severity: Severity;
}

/**
 * What the delta compared against: a previous scan, none yet (`firstScan`: every problem is new),
 * or `error`: why the previous report could not be used (every problem is then new as well).
 */
export type BaselineInfo =
  | { scanId: string; startedAt: string; source: string }
  | { firstScan: true; source: string }
  | { error: string };
