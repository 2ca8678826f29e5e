import { createRequire } from 'node:module';
import type { Evaluation } from '../engine/evaluate.ts';
import { countedFailures, countsKey, type Report, type StatusCounts } from '../model/report.ts';
import type { Rule } from '../rules/types.ts';

/** Set by the Lambda and CLI bundles' builds (esbuild `define`), so neither carries package.json. */
declare const __SCANNER_VERSION__: string | undefined;

/** The sources (tests, the npm scripts) run from the repository, where package.json is at hand. */
function packageVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

export const TOOL = {
  name: 'sagemaker-compliance-scanner',
  version: typeof __SCANNER_VERSION__ === 'string' ? __SCANNER_VERSION__ : packageVersion(),
};

export interface ReportInput {
  scanId: string;
  startedAt: Date;
  finishedAt: Date;
  complete: boolean;
  accounts: string[];
  /** Aliases read, and why some could not be, by account id. */
  aliases?: { read: Record<string, string>; unread: Record<string, string> };
  regions: string[];
  rules: readonly Rule[];
  evaluation: Evaluation;
  apiCalls: Record<string, number>;
}

const zero = (): StatusCounts => ({ pass: 0, fail: 0, error: 0 });

export function buildReport(input: ReportInput): Report {
  const { evaluation } = input;
  const summary: Report['summary'] = {
    ...zero(),
    byRule: Object.fromEntries(input.rules.map((rule) => [rule.meta.id, zero()])),
    bySeverity: {},
    evaluated: evaluation.evaluated,
    muted: 0,
  };
  for (const result of evaluation.results) {
    const key = countsKey(result.status);
    summary[key] += 1;
    const byRule = summary.byRule[result.ruleId] ?? zero();
    byRule[key] += 1;
    summary.byRule[result.ruleId] = byRule;
    const bySeverity = summary.bySeverity[result.severity] ?? zero();
    bySeverity[key] += 1;
    summary.bySeverity[result.severity] = bySeverity;
  }
  return {
    schemaVersion: 1,
    tool: TOOL,
    scanId: input.scanId,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    complete: input.complete,
    scope: {
      accounts: input.accounts,
      regions: input.regions,
      rules: input.rules.map((rule) => rule.meta.id),
      skipped: evaluation.skipped,
      ...(Object.keys(input.aliases?.read ?? {}).length > 0 ? { accountAliases: input.aliases?.read } : {}),
      ...(Object.keys(input.aliases?.unread ?? {}).length > 0
        ? { accountAliasesUnread: input.aliases?.unread }
        : {}),
    },
    summary,
    results: evaluation.results,
    stats: { apiCalls: input.apiCalls },
  };
}

/** Clean means nothing failed (outside accepted exceptions) and nothing could not be judged. */
export function isClean(report: Report): boolean {
  return countedFailures(report) === 0 && report.summary.error === 0;
}
