import type { ResolvedEntry } from '../model/annotations.ts';
import { countedFailures, isCountedFailure, isNewFailure, type Report } from '../model/report.ts';
import { type Result, SEVERITIES, type Severity } from '../model/result.ts';
import { consoleUrl, s3ConsoleUrl } from './console.ts';
import { printable } from './sanitize.ts';
import { accountNames, unreadAliasLines } from './text.ts';

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
const RESOLVED_LINES_SHOWN = 50;
/** Every line of the email is shorter than this: mail clients wrap, and people skim. */
export const PERSISTING_LINE_LIMIT = 200;
/** How much further a wrapped line's continuation is indented than the line it continues. */
const CONTINUATION_INDENT = '    ';

/** The results a notification is about: everything that is not a PASS. */
export function notableResults(report: Report): Result[] {
  return report.results.filter((result) => result.status !== 'PASS');
}

/** The whole report as one part. */
export function singlePart(report: Report): MessagePart {
  const results = notableResults(report);
  return { results, number: 1, count: 1, totalResults: results.length };
}

/** `1 account`, `2 accounts`: the count with its noun agreeing. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** An all-clear's count of passing checks, in words that also fit one check and none. */
export function allPassing(pass: number): string {
  if (pass === 0) return 'no resource in scope to check';
  return pass === 1 ? 'the 1 check passes' : `all ${pass} checks pass`;
}

function accountLabel(report: Report): string {
  const { accounts } = report.scope;
  if (accounts.length === 1) return accounts[0] as string;
  return accounts.length === 0 ? 'no account' : `${accounts.length} accounts`;
}

/** Whether the report was compared with a previous scan (the delta layout of the email). */
export function hasHistory(report: Report): report is Report & { resolved: ResolvedEntry[] } {
  return report.resolved !== undefined;
}

function mutedBySeverity(report: Report): Partial<Record<Severity, number>> {
  const muted: Partial<Record<Severity, number>> = {};
  for (const result of report.results) {
    if (result.status === 'FAIL' && result.muted) muted[result.severity] = (muted[result.severity] ?? 0) + 1;
  }
  return muted;
}

/** Counts by severity with muted FAILs taken out, so no accepted exception raises an alert. */
function countedBySeverity(report: Report): Partial<Record<Severity, { fail: number; error: number }>> {
  const muted = mutedBySeverity(report);
  const counted: Partial<Record<Severity, { fail: number; error: number }>> = {};
  for (const severity of SEVERITIES) {
    const counts = report.summary.bySeverity[severity];
    if (counts) counted[severity] = { fail: counts.fail - (muted[severity] ?? 0), error: counts.error };
  }
  return counted;
}

/** The most severe severity that has a counted FAIL (else an ERROR), with how many results it has. */
export function worstSeverity(
  report: Report,
  status: 'fail' | 'error' = 'fail',
): { severity: Severity; count: number } | undefined {
  const counted = countedBySeverity(report);
  for (const severity of SEVERITIES) {
    const count = counted[severity]?.[status] ?? 0;
    if (count > 0) return { severity, count };
  }
  return undefined;
}

/**
 * The subject line: what happened, for whom, in under 100 ASCII characters.
 *
 * Muted FAILs are not counted; with history, new and regressed failures lead.
 *
 * @example formatSubject(report) // '[FAIL] SageMaker compliance 123456789012: 2 new, 7 failing (3 high), 1 error'
 */
export function formatSubject(report: Report, part?: Pick<MessagePart, 'number' | 'count'>): string {
  const { pass, error, muted } = report.summary;
  const fail = countedFailures(report);
  const account = accountLabel(report);
  const history = hasHistory(report);
  let text: string;
  if (fail > 0) {
    const worst = worstSeverity(report);
    const fresh = history ? `${report.results.filter(isNewFailure).length} new, ` : '';
    text = `[FAIL] SageMaker compliance ${account}: ${fresh}${fail} failing${worst ? ` (${worst.count} ${worst.severity})` : ''}${error > 0 ? `, ${plural(error, 'error')}` : ''}`;
  } else if (error > 0) {
    text = `[ERROR] SageMaker compliance ${account}: ${plural(error, 'error')}, nothing failing`;
  } else {
    const resolved = history && report.resolved.length > 0 ? `${report.resolved.length} resolved, ` : '';
    text =
      muted > 0
        ? `[OK] SageMaker compliance ${account}: ${resolved}nothing failing (${muted} muted)`
        : `[OK] SageMaker compliance ${account}: ${resolved}${allPassing(pass)}`;
  }
  if (!report.complete) text += ' (incomplete)';
  return fitSubject(text, part);
}

function partSuffix(part?: Pick<MessagePart, 'number' | 'count'>): string {
  return part && part.count > 1 ? ` (part ${part.number}/${part.count})` : '';
}

/**
 * A subject of `lead` and, in their order, each of `clauses` that fits whole: a subject never ends
 * in half a count. The first clause is always there ({@link fitSubject} cuts it if it must).
 *
 * @example fitSubjectClauses('[FAIL] SageMaker compliance, Organization: ', ['3 new or regressed findings in 2 accounts', '9 failing'])
 */
export function fitSubjectClauses(
  lead: string,
  clauses: readonly string[],
  part?: Pick<MessagePart, 'number' | 'count'>,
): string {
  const room = MAX_SUBJECT_LENGTH - partSuffix(part).length;
  const [first = '', ...rest] = clauses;
  let text = `${lead}${first}`;
  for (const clause of rest) {
    if (text.length + 2 + clause.length <= room) text = `${text}, ${clause}`;
  }
  return fitSubject(text, part);
}

/**
 * An SNS subject from `text` and the part number: printable ASCII only (SNS rejects control and
 * non-ASCII characters in subjects), cut to {@link MAX_SUBJECT_LENGTH} with the part kept.
 */
export function fitSubject(text: string, part?: Pick<MessagePart, 'number' | 'count'>): string {
  const suffix = partSuffix(part);
  const ascii = printable(text).replace(/[^\u0020-\u007e]/g, '?');
  const fitted =
    ascii.length + suffix.length > MAX_SUBJECT_LENGTH
      ? `${ascii.slice(0, MAX_SUBJECT_LENGTH - suffix.length - 3)}...`
      : ascii;
  return `${fitted}${suffix}`;
}

function countsBySeverity(report: Report): string {
  const counted = countedBySeverity(report);
  const parts = SEVERITIES.flatMap((severity) => {
    const counts = counted[severity];
    if (!counts || counts.fail + counts.error === 0) return [];
    const pieces = [
      ...(counts.fail > 0 ? [`${counts.fail} failing`] : []),
      ...(counts.error > 0 ? [`${counts.error} not checked`] : []),
    ];
    return [`${severity} ${pieces.join(', ')}`];
  });
  return parts.length === 0 ? 'nothing failing at any severity' : parts.join('; ');
}

function baselineLine(report: Report): string[] {
  if (!hasHistory(report)) return [];
  const { baseline } = report;
  if (baseline === undefined || 'firstScan' in baseline) {
    return ['No previous report to compare with: every problem is new.'];
  }
  if ('error' in baseline) {
    return [
      `The previous report could not be read, so every problem is treated as new: ${printable(baseline.error)}`,
    ];
  }
  return [`Compared with the scan of ${baseline.startedAt} (scan id ${printable(baseline.scanId)}).`];
}

function introduction(report: Report, part: MessagePart, options: EmailOptions): string[] {
  const { pass, error, muted } = report.summary;
  const regions = report.scope.regions.join(', ') || 'none';
  const lines = [
    ...(options.storageError === undefined
      ? []
      : [`This report could not be stored in S3: ${printable(options.storageError)}`, '']),
    ...(options.htmlStorageError === undefined
      ? []
      : [
          `The HTML page of this report could not be stored in S3: ${printable(options.htmlStorageError)}`,
          '',
        ]),
    `SageMaker compliance scan of account ${accountNames(report) || 'unknown'}, regions ${printable(regions)}, from ${report.startedAt} to ${report.finishedAt} (UTC).`,
    `Results: ${pass} passing, ${countedFailures(report)} failing, ${error} could not be checked${muted > 0 ? `, ${muted} muted as accepted exceptions` : ''}. By severity: ${countsBySeverity(report)}.`,
    ...unreadAliasLines(report),
    ...baselineLine(report),
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

/**
 * `  eu-west-1  vpc-0abc (ml-prod)  The VPC has no sagemaker.api endpoint.`: the id, which the
 * console and the CLI take, then the name a person knows the resource by (its `Name` tag).
 */
export function resourceLine(result: Result): string {
  // An IAM ARN already ends with the name.
  const named = result.resourceName !== undefined && !result.resourceId.endsWith(result.resourceName);
  const name = named ? ` (${printable(result.resourceName as string)})` : '';
  return `  ${printable(result.region)}  ${printable(result.resourceId)}${name}  ${printable(result.message)}`;
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
  /** Why the report is not in S3, said first so nobody looks for it there. */
  storageError?: string;
  /** Why the report's HTML page is not in S3 (the JSON report may be). */
  htmlStorageError?: string;
  /** The region of the reports bucket, for the console links to the stored report. */
  reportsRegion?: string;
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

/** The resource's console page, on a line of its own below the resource (none when there is no page). */
export function consoleLine(result: Result): string[] {
  const url = consoleUrl(result);
  return url === undefined ? [] : [`    Console: ${url}`];
}

function ruleHeading(first: Result, count: number, what: string): string {
  return `[${first.severity.toUpperCase()}] ${printable(first.title)} (${first.ruleId}): ${count} ${what}`;
}

function failingSection(
  failures: readonly Result[],
  options: EmailOptions,
  heading = 'FAILING',
  what = 'failing',
): string[] {
  const groups = groupByRule(failures);
  if (groups.length === 0) return [];
  const lines = ['', heading, ''];
  for (const group of groups) {
    const first = group[0] as Result;
    const fix = ruleRemediation(group, options);
    lines.push(ruleHeading(first, group.length, what));
    for (const result of group) {
      lines.push(
        result.delta?.change === 'regressed'
          ? `${resourceLine(result)} (regressed: passed in the previous scan)`
          : resourceLine(result),
      );
      if (result.remediation !== fix) lines.push(`    Fix: ${printable(result.remediation)}`);
      lines.push(...consoleLine(result));
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
    for (const result of group) lines.push(resourceLine(result), ...consoleLine(result));
    lines.push('');
  }
  return lines;
}

function resolvedSection(resolved: readonly ResolvedEntry[]): string[] {
  if (resolved.length === 0) return [];
  const shown = resolved
    .slice(0, RESOLVED_LINES_SHOWN)
    .map(
      (entry) =>
        `  ${printable(entry.region)}  ${printable(entry.resourceId)}  ${printable(entry.title)} (${entry.ruleId}): ${entry.now === 'PASS' ? 'now passes' : 'resource gone'}`,
    );
  const rest = resolved.length - shown.length;
  return [
    '',
    'RESOLVED SINCE THE PREVIOUS SCAN',
    '',
    ...shown,
    ...(rest > 0 ? [`  and ${rest} more, listed in the report`] : []),
  ];
}

function dayOf(timestamp: string): string {
  return timestamp.slice(0, 10);
}

/** One line for the failures people already know about, and where the full list is. */
function persistingLine(report: Report): string[] {
  const persisting = report.results.filter(
    (result) => isCountedFailure(result) && result.delta?.change === 'persisting',
  );
  const where =
    report.storedAt === undefined
      ? 'the JSON variant of this notification'
      : 'the stored report (REPORT, below)';
  if (persisting.length === 0) return [];
  const days = persisting.map((result) => dayOf(result.delta?.firstSeen ?? report.startedAt)).sort();
  const first = days[0] as string;
  const last = days.at(-1) as string;
  const since = first === last ? first : `${first} to ${last}`;
  return [
    '',
    `${persisting.length === 1 ? '1 failure persists' : `${persisting.length} failures persist`} (first seen ${since}), each listed in ${printable(where)}`,
    ...groupByRule(persisting).map(persistingRuleLine),
  ];
}

/**
 * One line per rule naming its persisting resources, as many as fit in a line shorter than
 * {@link PERSISTING_LINE_LIMIT} characters, then how many more the report holds.
 */
function persistingRuleLine(group: readonly Result[]): string {
  const head = `  ${(group[0] as Result).ruleId} (${group.length}): `;
  const names = group.map((result) => `${printable(result.resourceId)} (${printable(result.region)})`);
  let shown = 0;
  let line = head;
  for (const [index, name] of names.entries()) {
    const rest = names.length - index - 1;
    const tail = rest > 0 ? `, and ${rest} more in the report` : '';
    const candidate = `${line}${shown > 0 ? ', ' : ''}${name}`;
    if (candidate.length + tail.length >= PERSISTING_LINE_LIMIT && shown > 0) break;
    line = candidate;
    shown += 1;
  }
  const more = names.length - shown;
  const text = more > 0 ? `${line}, and ${more} more in the report` : line;
  return text.length < PERSISTING_LINE_LIMIT ? text : `${text.slice(0, PERSISTING_LINE_LIMIT - 2)}…`;
}

/**
 * Where the stored report is, as links a reader can open: the S3 console pages of the HTML page
 * and the JSON report (an `s3://` address opens nothing in a mail client), and the `s3://` address
 * for the AWS CLI. When an object's link would make a line of {@link PERSISTING_LINE_LIMIT}
 * characters or more, the day's folder, which holds both, is linked instead.
 */
function reportSection(report: Report, options: EmailOptions): string[] {
  const { storedAt, storedHtmlAt } = report;
  const region = options.reportsRegion;
  if (storedAt === undefined) {
    return hasHistory(report) ? ['', 'Full report: the JSON variant of this notification'] : [];
  }
  if (region === undefined) return ['', `Full report: ${printable(storedAt)}`];
  const stored = [
    ...(storedHtmlAt === undefined ? [] : [['HTML, to read', storedHtmlAt] as const]),
    ['JSON, for machines', storedAt] as const,
  ];
  let links = stored.map(([what, address]) => `  ${what}: ${s3ConsoleUrl(address, region) ?? address}`);
  if (links.some((line) => line.length >= PERSISTING_LINE_LIMIT)) {
    links = [`  Both, in their folder: ${s3ConsoleUrl(storedAt, region, 'folder') ?? storedAt}`];
  }
  const copy = `  From a terminal: aws s3 cp ${storedHtmlAt ?? storedAt} .`;
  return [
    '',
    'REPORT (in the AWS console, signed in with read access to the reports bucket)',
    '',
    ...links.map(printable),
    printable(copy.length < PERSISTING_LINE_LIMIT ? copy : `  In S3: ${storedHtmlAt ?? storedAt}`),
  ];
}

/** Muted results are never listed as failing; their count, expired and unused entries are. */
function exceptionsSection(report: Report): string[] {
  const { muted } = report.summary;
  const expired = report.expiredSuppressions ?? [];
  const unused = report.unusedSuppressions ?? [];
  if (muted + expired.length + unused.length === 0) return [];
  const lines = ['', 'ACCEPTED EXCEPTIONS', ''];
  if (muted > 0) lines.push(`${plural(muted, 'accepted exception')} muted (see the report).`);
  if (expired.length > 0) {
    lines.push('Expired suppressions, no longer applied (renew or remove):');
    for (const entry of expired) {
      lines.push(
        `  suppressions[${entry.entry}]  ${printable(entry.rule)}  expired ${entry.expires}${entry.owner ? `  owner ${printable(entry.owner)}` : ''}: ${printable(entry.reason)}`,
      );
    }
  }
  if (unused.length > 0) {
    lines.push(
      `${plural(unused.length, 'suppression')} matched nothing (listed in the report as unusedSuppressions).`,
    );
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
 * A line of {@link PERSISTING_LINE_LIMIT} characters or more, broken at spaces into lines shorter
 * than that, each continuation indented further. A word longer than a line (a link) is never
 * broken: it gets a line of its own, since a broken link opens nothing.
 */
function wrapped(line: string): string[] {
  if (line.length < PERSISTING_LINE_LIMIT) return [line];
  const indent = `${/^ */.exec(line)?.[0] ?? ''}${CONTINUATION_INDENT}`;
  const lines: string[] = [];
  let rest = line;
  while (rest.length >= PERSISTING_LINE_LIMIT) {
    const start = rest.length - rest.trimStart().length;
    let cut = rest.lastIndexOf(' ', PERSISTING_LINE_LIMIT - 1);
    if (cut <= start) cut = rest.indexOf(' ', PERSISTING_LINE_LIMIT);
    if (cut <= start) break;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = `${indent}${rest.slice(cut).trimStart()}`;
  }
  return [...lines, rest];
}

/**
 * The email a person reads: a summary paragraph, then what needs doing, then what could not be
 * checked and why. With history it leads with what changed (new and regressed failures, resolved
 * ones, one line for the persisting rest); without, it lists every counted failure. Muted results
 * are only counted. Plain text only; everything that came from AWS passes through {@link printable}.
 */
export function formatEmail(
  report: Report,
  part: MessagePart = singlePart(report),
  options: EmailOptions = {},
): string {
  const lines = introduction(report, part, options);
  if (hasHistory(report)) {
    lines.push(
      ...failingSection(
        part.results.filter(isNewFailure),
        options,
        'NEW AND REGRESSED FAILURES',
        'new or regressed',
      ),
      ...resolvedSection(report.resolved),
      ...persistingLine(report),
    );
  } else {
    lines.push(...failingSection(part.results.filter(isCountedFailure), options));
  }
  lines.push(...couldNotCheckSection(part.results));
  if (countedFailures(report) + report.summary.error === 0) {
    lines.push(
      '',
      report.summary.muted > 0
        ? 'Nothing fails outside the accepted exceptions: no action needed.'
        : 'Every check passed: no action needed.',
    );
  }
  lines.push(...exceptionsSection(report), ...skippedSection(report), ...reportSection(report, options));
  lines.push(
    '',
    '--',
    `Sent by ${report.tool.name} ${report.tool.version}. The machine-readable report is in the JSON variant of this notification.`,
  );
  return emailBody(lines);
}

/** The email text of `lines`: each wrapped under the line limit, at most one blank line in a row. */
export function emailBody(lines: readonly string[]): string {
  return `${lines
    .flatMap((line) => line.split('\n'))
    .flatMap(wrapped)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
