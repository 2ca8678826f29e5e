import type { Report } from '../model/report.ts';
import type { Result, Status } from '../model/result.ts';
import { compareForReading, resourceLabel, wrapText } from './layout.ts';
import { printable } from './sanitize.ts';
import { PLAIN, type Style } from './style.ts';
import { annotationLines, headerLines, resultPrefix, skippedLines, summaryLine } from './text.ts';

export interface TableOptions {
  /** The terminal's width: rows wrap to fit it. Without it (files, pipes) each result is one line. */
  width?: number;
  /** Full ARNs instead of short labels, one line per result whatever the width. */
  wide?: boolean;
}

const HEADINGS = ['STATUS', 'SEVERITY', 'RULE', 'RESOURCE', 'MESSAGE'] as const;
const GAP = '  ';
/** Below this many characters for the message, a terminal gets one block per result instead of rows. */
const MIN_MESSAGE_WIDTH = 30;

/** The account and region a group of rows shares, when the report has more than one of either. */
interface Group {
  heading: string | undefined;
  results: Result[];
}

/**
 * Results by account and region, each group in reading order. The account and region are headings
 * only when there is more than one of them: a single account's scan of one region has no groups.
 */
function groupsOf(results: readonly Result[]): Group[] {
  const accounts = new Set(results.map((result) => result.accountId));
  const regions = new Set(results.map((result) => result.region));
  const byAccount = accounts.size > 1;
  const byRegion = regions.size > 1;
  if (!byAccount && !byRegion) return [{ heading: undefined, results: [...results].sort(compareForReading) }];
  const groups = new Map<string, Group>();
  for (const result of results) {
    const parts = [
      byAccount ? `Account ${result.accountId}` : undefined,
      byRegion
        ? result.region === 'global'
          ? 'IAM (global)'
          : `Region ${printable(result.region)}`
        : undefined,
    ].filter((part) => part !== undefined);
    // Global (IAM) results lead their account: the region sort key puts them before any region.
    const key = `${result.accountId}\u0000${result.region === 'global' ? '' : result.region}`;
    const group = groups.get(key) ?? { heading: parts.join(', '), results: [] };
    group.results.push(result);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => ({ ...group, results: group.results.sort(compareForReading) }));
}

type Row = [status: string, severity: string, rule: string, resource: string, message: string];

function rowOf(result: Result, wide: boolean): Row {
  return [
    result.status,
    result.severity,
    result.ruleId,
    wide ? printable(result.resourceArn ?? result.resourceId) : resourceLabel(result),
    `${resultPrefix(result)}${printable(result.message)}`,
  ];
}

function widest(rows: readonly Row[], column: number): number {
  // reduce, not Math.max(...spread): one argument per row overflows the stack at ~130,000 rows.
  return rows.reduce((most, row) => Math.max(most, row[column]?.length ?? 0), HEADINGS[column]?.length ?? 0);
}

/** The width each column gets: all but the message as wide as their widest cell, the resource capped on a terminal. */
function columnWidths(rows: readonly Row[], width: number | undefined): number[] {
  const widths = HEADINGS.map((_, column) => widest(rows, column));
  if (width !== undefined) widths[3] = Math.min(widths[3] as number, Math.max(24, Math.floor(width * 0.3)));
  return widths;
}

/**
 * The table of results, in reading order (FAIL, ERROR, PASS, then severity, then rule). On a
 * terminal it fits the width: the resource and message wrap within their columns, and a terminal
 * too narrow for columns gets each result as a heading line and its wrapped message. Files and
 * pipes (no width) and `wide` get each result on one line.
 */
export function formatTable(report: Report, style: Style = PLAIN, options: TableOptions = {}): string {
  const wide = options.wide === true;
  const width = wide ? undefined : options.width;
  const groups = groupsOf(report.results).map((group) => ({
    heading: group.heading,
    rows: group.results.map((result) => rowOf(result, wide)),
  }));
  const allRows = groups.flatMap((group) => group.rows);
  const widths = columnWidths(allRows, width);
  const fixedWidth = widths.slice(0, -1).reduce((sum, w) => sum + w + GAP.length, 0);
  const blocks = width !== undefined && fixedWidth + MIN_MESSAGE_WIDTH > width;
  const messageWidth = width === undefined ? undefined : width - fixedWidth;

  const colourStatus = (line: string, status: string) =>
    line.startsWith(status) ? style.status(status as Status, status) + line.slice(status.length) : line;

  /** A row's lines, unstyled: the headings row is bold, a result's status is coloured. */
  const rowLines = (row: Row): string[] => {
    if (width === undefined || messageWidth === undefined) {
      const cells = row.map((cell, column) =>
        column < row.length - 1 ? cell.padEnd(widths[column] as number) : cell,
      );
      return [cells.join(GAP)];
    }
    const cellLines = row.map((cell, column) =>
      column === 3
        ? wrapText(cell, widths[3] as number, { breakWords: true })
        : column === 4
          ? wrapText(cell, messageWidth, { breakWords: true })
          : [cell],
    );
    const height = Math.max(...cellLines.map((lines) => lines.length));
    return Array.from({ length: height }, (_, index) =>
      cellLines
        .map((lines, column) => {
          const text = lines[index] ?? '';
          return column < row.length - 1 ? text.padEnd(widths[column] as number) : text;
        })
        .join(GAP)
        .trimEnd(),
    );
  };
  const resultLines = (row: Row): string[] => {
    const lines = blocks ? blockLines(row) : rowLines(row);
    lines[0] = colourStatus(lines[0] as string, row[0]);
    return lines;
  };

  const blockLines = (row: Row): string[] => {
    const [status, severity, rule, resource, message] = row;
    const ruleLine = `${status}${GAP}${severity}${GAP}${rule}`;
    const heading =
      ruleLine.length + GAP.length + resource.length <= (width as number)
        ? [`${ruleLine}${GAP}${resource}`]
        : [
            ...wrapText(ruleLine, width as number, { breakWords: true }),
            ...wrapText(resource, width as number, { first: '    ', rest: '    ', breakWords: true }),
          ];
    return [...heading, ...wrapText(message, width as number, { first: '  ', rest: '  ', breakWords: true })];
  };

  const fitToWidth = (line: string) => {
    if (width === undefined) return [line];
    const indent = /^\s*/.exec(line)?.[0] ?? '';
    return wrapText(line.slice(indent.length), width, {
      first: indent,
      rest: `${indent}  `,
      breakWords: true,
    });
  };
  const body: string[] = [];
  if (!blocks && allRows.length > 0) {
    for (const line of rowLines([...HEADINGS] as Row)) body.push(style.bold(line));
  }
  for (const group of groups) {
    if (group.heading !== undefined) {
      if (body.length > 0) body.push('');
      body.push(style.bold(group.heading));
    }
    for (const row of group.rows) {
      for (const line of resultLines(row)) body.push(line);
    }
  }
  const trailer: string[] = [];
  for (const line of [...annotationLines(report), ...skippedLines(report)]) {
    for (const piece of fitToWidth(line)) trailer.push(piece);
  }
  const lines = [
    ...headerLines(report).flatMap(fitToWidth),
    '',
    ...body,
    '',
    ...fitToWidth(summaryLine(report)).map((line) => style.bold(line)),
    ...trailer,
  ];
  return `${lines.join('\n')}\n`;
}
