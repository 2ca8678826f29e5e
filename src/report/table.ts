import type { Report } from '../model/report.ts';
import { printable } from './sanitize.ts';
import { PLAIN, type Style } from './style.ts';
import { headerLines, skippedLines, summaryLine } from './text.ts';

const HEADINGS = ['STATUS', 'SEVERITY', 'RULE', 'ACCOUNT', 'REGION', 'RESOURCE', 'MESSAGE'] as const;

/**
 * One row per result. Columns are padded to their widest cell; the message column is cut to the
 * terminal width when there is one, and left whole for files and pipes.
 */
export function formatTable(report: Report, style: Style = PLAIN, width?: number): string {
  const rows = report.results.map((result) => [
    result.status,
    result.severity,
    result.ruleId,
    result.accountId,
    result.region,
    printable(result.resourceId),
    printable(result.message),
  ]);
  const widths = HEADINGS.map((heading, column) =>
    Math.max(heading.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const render = (cells: readonly string[], colourStatus: boolean) => {
    const fixed = cells
      .slice(0, -1)
      .map((cell, column) => {
        const padded = cell.padEnd(widths[column] as number);
        return colourStatus && column === 0 ? style.status(cell as 'PASS', padded) : padded;
      })
      .join('  ');
    const fixedWidth = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
    let message = cells.at(-1) as string;
    if (width !== undefined && fixedWidth + message.length > width) {
      message = `${message.slice(0, Math.max(10, width - fixedWidth - 1))}…`;
    }
    return `${fixed}  ${message}`;
  };
  const lines = [
    ...headerLines(report),
    '',
    style.bold(render(HEADINGS, false)),
    ...rows.map((row) => render(row, true)),
    '',
    style.bold(summaryLine(report)),
    ...skippedLines(report),
  ];
  return `${lines.join('\n')}\n`;
}
