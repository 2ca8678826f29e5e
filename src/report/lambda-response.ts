import type { Report } from '../model/report.ts';
import type { Result } from '../model/result.ts';

/**
 * A synchronous invocation's response may hold 6 MB (6,291,456 bytes). The margin leaves room for
 * the runtime's own wrapping.
 */
export const LAMBDA_RESPONSE_MAX_BYTES = 6 * 1024 * 1024 - 16 * 1024;

/** The report, or the report with only the results that fit when the whole would be too large. */
export type LambdaResponse = Report & { resultsTruncated?: true; resultsOmitted?: number };

/**
 * Keeps the response within what `aws lambda invoke` can return: the summary always, then as many
 * results as fit, FAIL and ERROR before PASS. Sizes are measured in UTF-8 bytes of the JSON.
 *
 * @example fitResponse(report).resultsTruncated // true when results were left out
 */
export function fitResponse(report: Report, maxBytes = LAMBDA_RESPONSE_MAX_BYTES): LambdaResponse {
  if (Buffer.byteLength(JSON.stringify(report)) <= maxBytes) return report;
  const ordered = [
    ...report.results.filter((result) => result.status !== 'PASS'),
    ...report.results.filter((result) => result.status === 'PASS'),
  ];
  const worstCaseShell: LambdaResponse = {
    ...report,
    results: [],
    resultsTruncated: true,
    resultsOmitted: report.results.length,
  };
  let used = Buffer.byteLength(JSON.stringify(worstCaseShell));
  const kept: Result[] = [];
  for (const result of ordered) {
    // Compact JSON adds exactly the result and, after the first, one comma.
    const cost = Buffer.byteLength(JSON.stringify(result)) + (kept.length > 0 ? 1 : 0);
    if (used + cost > maxBytes) break;
    used += cost;
    kept.push(result);
  }
  return {
    ...report,
    results: kept,
    resultsTruncated: true,
    resultsOmitted: report.results.length - kept.length,
  };
}
