import type { Report } from '../model/report.ts';
import type { Result } from '../model/result.ts';
import { printable } from './sanitize.ts';

/** The columns, in order: what a spreadsheet user filters, sorts and pastes into a ticket. */
export const CSV_COLUMNS = [
  'status',
  'severity',
  'rule_id',
  'title',
  'account_id',
  'region',
  'resource_type',
  'resource_id',
  'resource_arn',
  'message',
  'remediation',
  'muted_until',
  'muted_reason',
  'muted_owner',
  'change',
  'first_seen',
  'result_id',
  'scan_id',
  'scanned_at',
] as const;

type Column = (typeof CSV_COLUMNS)[number];

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-` or `@` first) gets a leading apostrophe: names come from AWS accounts, and `=HYPERLINK(…)` in a VPC name
 * must stay text (OWASP's advice against CSV injection).
 */
function defused(text: string): string {
  return /^[=+\-@]/.test(text) ? `'${text}` : text;
}

/**
 * RFC 4180: a field with a comma or a quote is quoted, its quotes doubled. Line breaks and other
 * control characters become spaces first, so that every result is one line (grep, wc -l).
 */
function field(value: string): string {
  const text = defused(printable(value));
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function row(result: Result, report: Report): Record<Column, string> {
  return {
    status: result.status,
    severity: result.severity,
    rule_id: result.ruleId,
    title: result.title,
    account_id: result.accountId,
    region: result.region,
    resource_type: result.resourceType,
    resource_id: result.resourceId,
    resource_arn: result.resourceArn ?? '',
    message: result.message,
    remediation: result.status === 'PASS' ? '' : result.remediation,
    muted_until: result.muted?.expires ?? '',
    muted_reason: result.muted?.reason ?? '',
    muted_owner: result.muted?.owner ?? '',
    change: result.delta?.change ?? '',
    first_seen: result.delta?.firstSeen ?? '',
    result_id: result.id,
    scan_id: report.scanId,
    scanned_at: report.startedAt,
  };
}

/**
 * `--format csv`: a header, then one row per result (PASS included: the spreadsheet is the
 * record), CRLF line ends as RFC 4180 has them, UTF-8.
 */
export function formatCsv(report: Report): string {
  const lines = [
    CSV_COLUMNS.join(','),
    ...report.results.map((result) => {
      const cells = row(result, report);
      return CSV_COLUMNS.map((column) => field(cells[column])).join(',');
    }),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
