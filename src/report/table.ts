import type { Report } from '../model/report.ts';
import { printable } from './sanitize.ts';
import { PLAIN, type Style } from './style.ts';
import { annotationLines, headerLines, resultPrefix, skippedLines, summaryLine } from './text.ts';

const HEADINGS = ['STATUS', 'SEVERITY', 'RULE', 'ACCOUNT', 'REGION', 'RESOURCE', 'MESSAGE'] as const;

/** Below this many characters for the message, a terminal gets one block per result instead of rows. */
const MIN_MESSAGE_WIDTH = 30;

function cut(text: string, width: number | undefined): string {
  return width !== undefined && text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text;
}

/**
 * One row per result. Columns are padded to their widest cell; the message column is cut to the
 * terminal width when there is one, and left whole for files and pipes. A terminal too narrow for
 * the columns gets each result as a short block of lines, each cut to the width, so no row wraps.
 */
export function formatTable(report: Report, style: Style = PLAIN, width?: number): string {
  const rows = report.results.map((result) => [
    result.status,
    result.severity,
    result.ruleId,
    result.accountId,
    result.region,
    printable(result.resourceId),
    `${resultPrefix(result)}${printable(result.message)}`,
  ]);
  const widths = HEADINGS.map((heading, column) =>
    // reduce, not Math.max(...spread): one argument per row overflows the stack at ~130,000 rows.
    rows.reduce((widest, row) => Math.max(widest, (row[column] as string).length), heading.length),
  );
  const fixedWidth = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
  const narrow = width !== undefined && fixedWidth + MIN_MESSAGE_WIDTH > width;
  const render = (cells: readonly string[], colourStatus: boolean) => {
    const fixed = cells
      .slice(0, -1)
      .map((cell, column) => {
        const padded = cell.padEnd(widths[column] as number);
        return colourStatus && column === 0 ? style.status(cell as 'PASS', padded) : padded;
      })
      .join('  ');
    const message = cut(cells.at(-1) as string, width === undefined ? undefined : width - fixedWidth);
    return `${fixed}  ${message}`;
  };
  const block = (cells: readonly string[]) => {
    const [status, severity, ruleId, accountId, region, resourceId, message] = cells as string[];
    const heading = cut(`${status}  ${severity}  ${ruleId}`, width);
    return [
      style.status(status as 'PASS', heading.slice(0, (status as string).length)) +
        heading.slice((status as string).length),
      cut(`  ${accountId}  ${region}  ${resourceId}`, width),
      cut(`  ${message}`, width),
    ];
  };
  const body = narrow
    ? rows.flatMap((row) => block(row))
    : [style.bold(render(HEADINGS, false)), ...rows.map((row) => render(row, true))];
  const lines = [
    ...headerLines(report).map((line) => cut(line, width)),
    '',
    ...body,
    '',
    style.bold(summaryLine(report)),
    ...[...annotationLines(report), ...skippedLines(report)].map((line) => cut(line, width)),
  ];
  return `${lines.join('\n')}\n`;
}
