import type { Report } from '../model/report.ts';
import type { Result } from '../model/result.ts';
import { printable } from './sanitize.ts';
import { PLAIN, type Style } from './style.ts';

export function summaryLine(report: Report): string {
  const { pass, fail, error } = report.summary;
  // From the summary, not the rows: --quiet hides PASS rows but the scan still judged them.
  return `${pass + fail + error} results: ${pass} PASS, ${fail} FAIL, ${error} ERROR${report.complete ? '' : ' (INCOMPLETE scan)'}`;
}

export function headerLines(report: Report): string[] {
  return [
    `SageMaker compliance scan ${report.scanId}`,
    `Accounts: ${report.scope.accounts.join(', ') || '(none)'}   Regions: ${report.scope.regions.join(', ') || '(none)'}`,
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
        `  ${style.status(result.status, result.status.padEnd(5))} ${result.accountId} ${result.region} ${printable(result.resourceId)}: ${printable(result.message)}`,
      );
      if (result.status !== 'PASS') lines.push(style.dim(`        Fix: ${printable(result.remediation)}`));
    }
    lines.push('');
  }
  lines.push(...skippedLines(report));
  return `${lines.join('\n').trimEnd()}\n`;
}
