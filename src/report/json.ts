import type { Report } from '../model/report.ts';
import { escapeInvisible } from './sanitize.ts';

/** The JSON report; characters that a terminal would hide or act on are escaped, not dropped. */
export function formatJson(report: Report): string {
  return `${escapeInvisible(JSON.stringify(report, null, 2))}\n`;
}
