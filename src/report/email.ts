import type { Report } from '../model/report.ts';
import { type Result, SEVERITIES, type Severity } from '../model/result.ts';
import { printable } from './sanitize.ts';

/** Which results one message carries when the findings are split over several messages. */
export interface MessagePart {
  /** FAIL and ERROR results of this part, in report order. */
  results: readonly Result[];
  number: number;
  count: number;
  /** How many FAIL and ERROR results all parts carry together. */
  totalResults: number;
}

/** SNS accepts subjects of fewer than 100 ASCII characters without line breaks. */
export const MAX_SUBJECT_LENGTH = 99;
const SKIPPED_LINES_SHOWN = 20;

/** The results a notification is about: everything that is not a PASS. */
export function notableResults(report: Report): Result[] {
  return report.results.filter((result) => result.status !== 'PASS');
}

/** The whole report as one part. */
export function singlePart(report: Report): MessagePart {
  const results = notableResults(report);
  return { results, number: 1, count: 1, totalResults: results.length };
}

function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

function accountLabel(report: Report): string {
  const { accounts } = report.scope;
  if (accounts.length === 1) return accounts[0] as string;
  return accounts.length === 0 ? 'no account' : `${accounts.length} accounts`;
}

/** The most severe severity that has a FAIL (else an ERROR), with how many results it has. */
export function worstSeverity(
  report: Report,
  status: 'fail' | 'error' = 'fail',
): { severity: Severity; count: number } | undefined {
  for (const severity of SEVERITIES) {
    const count = report.summary.bySeverity[severity]?.[status] ?? 0;
    if (count > 0) return { severity, count };
  }
  return undefined;
}

/**
 * The subject line: what happened, for whom, in under 100 ASCII characters.
 *
 * @example formatSubject(report) // '[FAIL] SageMaker compliance 123456789012: 7 failing (3 high), 1 error'
 */
export function formatSubject(report: Report, part?: Pick<MessagePart, 'number' | 'count'>): string {
  const { pass, fail, error } = report.summary;
  const account = accountLabel(report);
  let text: string;
  if (fail > 0) {
    const worst = worstSeverity(report);
    text = `[FAIL] SageMaker compliance ${account}: ${fail} failing${worst ? ` (${worst.count} ${worst.severity})` : ''}${error > 0 ? `, ${plural(error, 'error')}` : ''}`;
  } else if (error > 0) {
    text = `[ERROR] SageMaker compliance ${account}: ${plural(error, 'error')}, nothing failing`;
  } else {
    text = `[OK] SageMaker compliance ${account}: all ${plural(pass, 'check')} pass`;
  }
  if (!report.complete) text += ' (incomplete)';
  const suffix = part && part.count > 1 ? ` (part ${part.number}/${part.count})` : '';
  // SNS rejects subjects with control or non-ASCII characters.
  text = printable(text).replace(/[^\u0020-\u007e]/g, '?');
  if (text.length + suffix.length > MAX_SUBJECT_LENGTH) {
    text = `${text.slice(0, MAX_SUBJECT_LENGTH - suffix.length - 3)}...`;
  }
  return `${text}${suffix}`;
}

function countsBySeverity(report: Report): string {
  const parts = SEVERITIES.flatMap((severity) => {
    const counts = report.summary.bySeverity[severity];
    if (!counts || counts.fail + counts.error === 0) return [];
    const pieces = [
      ...(counts.fail > 0 ? [`${counts.fail} failing`] : []),
      ...(counts.error > 0 ? [`${counts.error} not checked`] : []),
    ];
    return [`${severity} ${pieces.join(', ')}`];
  });
  return parts.length === 0 ? 'nothing failing at any severity' : parts.join('; ');
}

function introduction(report: Report, part: MessagePart): string[] {
  const { pass, fail, error } = report.summary;
  const regions = report.scope.regions.join(', ') || 'none';
  const lines = [
    `SageMaker compliance scan of account ${printable(report.scope.accounts.join(', ') || 'unknown')}, regions ${printable(regions)}, from ${report.startedAt} to ${report.finishedAt} (UTC).`,
    `Results: ${pass} passing, ${fail} failing, ${error} could not be checked. By severity: ${countsBySeverity(report)}.`,
  ];
  if (!report.complete) {
    lines.push(
      'The scan is INCOMPLETE: it stopped before the Lambda deadline, and what it did not reach is listed under "Could not check".',
    );
  }
  if (part.count > 1) {
    lines.push(
      `This is part ${part.number} of ${part.count}: it lists ${plural(part.results.length, 'result')} of the ${part.totalResults} failing or unchecked; each part stands on its own.`,
    );
  }
  lines.push(`Scan id: ${report.scanId}`);
  return lines;
}

/** `  eu-west-1  vpc-0abc  The VPC has no sagemaker.api endpoint.` */
export function resourceLine(result: Result): string {
  return `  ${printable(result.region)}  ${printable(result.resourceId)}  ${printable(result.message)}`;
}

function severityRank(result: Result): number {
  return SEVERITIES.indexOf(result.severity);
}

function groupByRule(results: readonly Result[]): Result[][] {
  const groups = new Map<string, Result[]>();
  for (const result of results) {
    const group = groups.get(result.ruleId) ?? [];
    group.push(result);
    groups.set(result.ruleId, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      severityRank(a[0] as Result) - severityRank(b[0] as Result) ||
      (a[0] as Result).ruleId.localeCompare((b[0] as Result).ruleId),
  );
}

/** Extra knowledge for the email that results do not carry. */
export interface EmailOptions {
  /** Each rule's general remediation by rule id, printed once per rule. */
  remediations?: Readonly<Record<string, string>>;
}

/**
 * The fix printed once for the rule: its general remediation, or else the one every result shares.
 * A resource whose own fix differs (a command with its ids filled in) gets that fix on its own line.
 */
function ruleRemediation(group: readonly Result[], options: EmailOptions): string | undefined {
  const first = group[0] as Result;
  const general = options.remediations?.[first.ruleId];
  if (general !== undefined) return general;
  return group.every((result) => result.remediation === first.remediation) ? first.remediation : undefined;
}

function ruleHeading(first: Result, count: number, what: string): string {
  return `[${first.severity.toUpperCase()}] ${printable(first.title)} (${first.ruleId}): ${count} ${what}`;
}

function failingSection(results: readonly Result[], options: EmailOptions): string[] {
  const groups = groupByRule(results.filter((result) => result.status === 'FAIL'));
  if (groups.length === 0) return [];
  const lines = ['', 'FAILING', ''];
  for (const group of groups) {
    const first = group[0] as Result;
    const fix = ruleRemediation(group, options);
    lines.push(ruleHeading(first, group.length, 'failing'));
    for (const result of group) {
      lines.push(resourceLine(result));
      if (result.remediation !== fix) lines.push(`    Fix: ${printable(result.remediation)}`);
    }
    if (fix !== undefined) lines.push(`  How to fix: ${printable(fix)}`);
    lines.push('');
  }
  return lines;
}

function couldNotCheckSection(results: readonly Result[]): string[] {
  const groups = groupByRule(results.filter((result) => result.status === 'ERROR'));
  if (groups.length === 0) return [];
  const lines = ['', 'COULD NOT CHECK (an error is not a pass: these need attention too)', ''];
  for (const group of groups) {
    lines.push(ruleHeading(group[0] as Result, group.length, 'not checked'));
    for (const result of group) lines.push(resourceLine(result));
    lines.push('');
  }
  return lines;
}

function skippedSection(report: Report): string[] {
  const { skipped } = report.scope;
  if (skipped.length === 0) return [];
  const shown = skipped.slice(0, SKIPPED_LINES_SHOWN).map((entry) => {
    const where = [entry.region, entry.resourceId].filter((text) => text !== undefined).join('  ');
    return `  ${printable(where)}  ${printable(entry.reason)}${entry.ruleId ? ` (${entry.ruleId})` : ''}`;
  });
  const rest = skipped.length - shown.length;
  return [
    '',
    'NOT IN SCOPE (deliberately not judged)',
    '',
    ...shown,
    ...(rest > 0 ? [`  and ${rest} more, listed in the JSON report`] : []),
  ];
}

/**
 * The email a person reads: a summary paragraph, then the failing resources grouped by rule with
 * the fix once per rule, then what could not be checked and why. Plain text only; everything that
 * came from AWS passes through {@link printable}.
 */
export function formatEmail(
  report: Report,
  part: MessagePart = singlePart(report),
  options: EmailOptions = {},
): string {
  const lines = [...introduction(report, part), ...failingSection(part.results, options)];
  lines.push(...couldNotCheckSection(part.results));
  if (part.totalResults === 0) {
    lines.push('', 'Every check passed: no action needed.');
  }
  lines.push(...skippedSection(report));
  lines.push(
    '',
    '--',
    `Sent by ${report.tool.name} ${report.tool.version}. The machine-readable report is in the JSON variant of this notification.`,
  );
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
