import type { SuppressionSummary } from '../model/annotations.ts';
import type { Report } from '../model/report.ts';
import type { Result } from '../model/result.ts';
import { printable } from './sanitize.ts';
import { PLAIN, type Style } from './style.ts';

export function summaryLine(report: Report): string {
  const { pass, fail, error, muted } = report.summary;
  // From the summary, not the rows: --quiet hides PASS rows but the scan still judged them.
  const failText = muted > 0 ? `${fail} FAIL (${muted} muted)` : `${fail} FAIL`;
  return `${pass + fail + error} results: ${pass} PASS, ${failText}, ${error} ERROR${report.complete ? '' : ' (INCOMPLETE scan)'}`;
}

/** What a row says before its message: muted by an exception, and how it changed since last time. */
export function resultPrefix(result: Result): string {
  const marks: string[] = [];
  if (result.delta && result.delta.change !== 'unchanged' && result.delta.change !== 'persisting') {
    marks.push(result.delta.change);
  }
  if (result.muted) marks.push(`muted until ${result.muted.expires}: ${printable(result.muted.reason)}`);
  return marks.length > 0 ? `[${marks.join('; ')}] ` : '';
}

function suppressionLine(entry: SuppressionSummary): string {
  return `  #${entry.entry} ${entry.rule}${entry.owner ? ` (${printable(entry.owner)})` : ''}, expires ${entry.expires}: ${printable(entry.reason)}`;
}

/** Accepted exceptions and the change since the previous scan, after the results. */
export function annotationLines(report: Report): string[] {
  const lines: string[] = [];
  if (report.summary.muted > 0) {
    lines.push(
      `Accepted exceptions: ${report.summary.muted} FAIL results muted (they stay FAIL in the record).`,
    );
  }
  if (report.expiredSuppressions?.length) {
    lines.push(
      'Expired suppressions (no longer applied: renew or remove them):',
      ...report.expiredSuppressions.map(suppressionLine),
    );
  }
  if (report.unusedSuppressions?.length) {
    lines.push(
      'Unused suppressions (matched no FAIL: remove them):',
      ...report.unusedSuppressions.map(suppressionLine),
    );
  }
  for (const tag of report.invalidSuppressionTags ?? []) {
    lines.push(
      `Ignored suppression tag on ${printable(tag.resourceId)} (${printable(tag.value)}): ${tag.problem}`,
    );
  }
  if (report.baseline !== undefined) {
    if ('error' in report.baseline) {
      lines.push(
        `No comparison with the previous scan (${printable(report.baseline.error)}): every problem counts as new.`,
      );
    } else if ('firstScan' in report.baseline) {
      lines.push(
        `First recorded scan (nothing at ${printable(report.baseline.source)} yet): every problem is new.`,
      );
    } else {
      const count = (change: string) =>
        report.results.filter((result) => result.delta?.change === change).length;
      lines.push(
        `Since scan ${report.baseline.scanId} (${report.baseline.startedAt}): ${count('new')} new, ${count('regressed')} regressed, ${count('persisting')} persisting, ${report.resolved?.length ?? 0} resolved.`,
      );
    }
  }
  for (const entry of report.resolved ?? []) {
    lines.push(
      `  resolved: ${entry.ruleId} ${entry.region} ${printable(entry.resourceId)} (was ${entry.previousStatus}, ${entry.now === 'gone' ? 'resource gone' : 'now PASS'})`,
    );
  }
  return lines;
}

/** The scanned accounts, each with its alias where the scan read one: `123456789012 (ml-prod)`. */
export function accountNames(report: Report): string {
  const aliases = report.scope.accountAliases ?? {};
  return report.scope.accounts
    .map((account) => (aliases[account] ? `${account} (${printable(aliases[account])})` : account))
    .join(', ');
}

/** One line per account whose alias could not be read: said, since it is not an error of the scan. */
export function unreadAliasLines(report: Report): string[] {
  return Object.entries(report.scope.accountAliasesUnread ?? {}).map(
    ([account, why]) => `No alias shown for ${account}: ${printable(why)} (not an error of the scan).`,
  );
}

export function headerLines(report: Report): string[] {
  return [
    `SageMaker compliance scan ${report.scanId}`,
    `Accounts: ${accountNames(report) || '(none)'}   Regions: ${report.scope.regions.join(', ') || '(none)'}`,
    ...unreadAliasLines(report),
    `Started ${report.startedAt}, finished ${report.finishedAt}`,
  ];
}

export function skippedLines(report: Report): string[] {
  if (report.scope.skipped.length === 0) return [];
  return [
    `Not judged (${report.scope.skipped.length}):`,
    ...report.scope.skipped.map(
      (entry) =>
        `  ${entry.ruleId ?? '*'}  ${entry.region}${entry.resourceId ? `  ${printable(entry.resourceId)}` : ''}: ${printable(entry.reason)}`,
    ),
  ];
}

/** Grouped by rule, FAIL and ERROR first, each with its fix: the report for reading top to bottom. */
export function formatText(report: Report, style: Style = PLAIN): string {
  const lines = [...headerLines(report), style.bold(summaryLine(report)), ''];
  const byRule = new Map<string, Result[]>();
  for (const result of report.results) {
    const list = byRule.get(result.ruleId) ?? [];
    list.push(result);
    byRule.set(result.ruleId, list);
  }
  const order = { FAIL: 0, ERROR: 1, PASS: 2 };
  for (const [ruleId, results] of byRule) {
    const first = results[0] as Result;
    lines.push(style.bold(`[${first.severity}] ${ruleId}: ${first.title}`));
    for (const result of [...results].sort((a, b) => order[a.status] - order[b.status])) {
      lines.push(
        `  ${style.status(result.status, result.status.padEnd(5))} ${result.accountId} ${result.region} ${printable(result.resourceId)}: ${resultPrefix(result)}${printable(result.message)}`,
      );
      if (result.status !== 'PASS') lines.push(style.dim(`        Fix: ${printable(result.remediation)}`));
    }
    lines.push('');
  }
  // Concatenated, not push(...spread): a scan can skip hundreds of thousands of shared VPCs.
  return `${[...lines, ...annotationLines(report), ...skippedLines(report)].join('\n').trimEnd()}\n`;
}
