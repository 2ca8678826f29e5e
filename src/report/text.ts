import type { SuppressionSummary } from '../model/annotations.ts';
import type { Report } from '../model/report.ts';
import type { Result } from '../model/result.ts';
import { compareForReading, resourceLabel, wrapText } from './layout.ts';
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

/**
 * A shell command inside a fix: `aws`, the service, the operation, then `--option value` pairs
 * (a value quoted as `shellQuote` quotes it may hold spaces), and the `;` before the next command.
 * Wrapping never breaks one, so it can be copied whole.
 */
const COMMAND = /\baws [a-z0-9-]+ [a-z0-9-]+(?: --[a-z0-9-]+(?: (?:'[^']*'|(?!-)[^\s;]\S*))?)*(?: ;)?/;

/**
 * The report for reading top to bottom: groups of one status and rule, FAIL first, then ERROR,
 * then PASS, the most severe rule first; each FAIL and ERROR with its fix. With a width (a
 * terminal) lines wrap at word boundaries, and a command in a fix is never broken; files and pipes
 * get whole lines.
 */
export function formatText(report: Report, style: Style = PLAIN, width?: number): string {
  const fitToWidth = (line: string, rest: string, first = '', keep?: RegExp) =>
    width === undefined ? [`${first}${line}`] : wrapText(line, width, { first, rest, keep });
  const lines = [
    ...headerLines(report).flatMap((line) => fitToWidth(line, '  ')),
    ...fitToWidth(summaryLine(report), '  ').map((line) => style.bold(line)),
    '',
  ];
  const accounts = new Set(report.results.map((result) => result.accountId));
  const regions = new Set(report.results.map((result) => result.region));
  const where = (result: Result) =>
    [
      accounts.size > 1 ? result.accountId : undefined,
      regions.size > 1 ? printable(result.region) : undefined,
    ]
      .filter((part) => part !== undefined)
      .map((part) => `${part} `)
      .join('');
  const sorted = [...report.results].sort(compareForReading);
  let group = '';
  for (const result of sorted) {
    const key = `${result.status}\u0000${result.ruleId}`;
    if (key !== group) {
      if (group !== '') lines.push('');
      group = key;
      for (const line of fitToWidth(`[${result.severity}] ${result.ruleId}: ${result.title}`, '  ')) {
        lines.push(style.bold(line));
      }
    }
    const head = `  ${result.status.padEnd(5)} `;
    const wrapped = fitToWidth(
      `${where(result)}${resourceLabel(result)}: ${resultPrefix(result)}${printable(result.message)}`,
      '        ',
      head,
    );
    wrapped[0] = `  ${style.status(result.status, result.status)}${(wrapped[0] as string).slice(2 + result.status.length)}`;
    for (const line of wrapped) lines.push(line);
    if (result.status !== 'PASS') {
      const fix = fitToWidth(printable(result.remediation), '             ', '        Fix: ', COMMAND);
      for (const line of fix) lines.push(line);
    }
  }
  if (group !== '') lines.push('');
  const trailer = [...annotationLines(report), ...skippedLines(report)].flatMap((line) => {
    const indent = /^\s*/.exec(line)?.[0] ?? '';
    return fitToWidth(line.slice(indent.length), `${indent}  `, indent);
  });
  // Concatenated, not push(...spread): a scan can skip hundreds of thousands of shared VPCs.
  return `${[...lines, ...trailer].join('\n').trimEnd()}\n`;
}
