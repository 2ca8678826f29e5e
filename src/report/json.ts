import type { Report } from '../model/report.ts';
import { escapeInvisible } from './sanitize.ts';

/**
 * The JSON report, compact unless `pretty` (indenting a large report doubles its size); characters
 * that a terminal would hide or act on are escaped, not dropped.
 */
export function formatJson(report: Report, options: { pretty?: boolean } = {}): string {
  return `${escapeInvisible(JSON.stringify(report, null, options.pretty ? 2 : undefined))}\n`;
}
