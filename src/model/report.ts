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
  };
  summary: StatusCounts & {
    byRule: Record<string, StatusCounts>;
    bySeverity: Partial<Record<Severity, StatusCounts>>;
    /** Per rule, what it examined beyond the resources it reports on. */
    evaluated: Record<string, Record<string, number>>;
  };
  results: Result[];
  stats: { apiCalls: Record<string, number> };
}

export function countsKey(status: Status): keyof StatusCounts {
  return status.toLowerCase() as keyof StatusCounts;
}
