import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/model/result.ts';
import { fitResponse, LAMBDA_RESPONSE_MAX_BYTES } from '../../src/report/lambda-response.ts';
import { aReport, aResult } from '../fixtures/email/report.ts';

function results(count: number, status: Result['status'], prefix: string): Result[] {
  return Array.from({ length: count }, (_, index) =>
    aResult({
      resourceId: `${prefix}-${index}`,
      status,
      message: `Ressource «${prefix}» numéro ${index} 🚀`,
    }),
  );
}

describe('fitResponse', () => {
  it('returns a report that fits unchanged', () => {
    // Prepare
    const report = aReport(results(3, 'FAIL', 'vpc'));

    // Act
    const response = fitResponse(report);

    // Assess
    expect(response).toBe(report);
  });

  it('keeps the summary and as many results as fit, FAIL and ERROR first, and counts what it left out', () => {
    // Prepare
    const report = aReport([...results(400, 'PASS', 'ok'), ...results(50, 'FAIL', 'bad')]);
    const limit = 100_000;

    // Act
    const response = fitResponse(report, limit);

    // Assess
    const bytes = Buffer.byteLength(JSON.stringify(response));
    expect(bytes).toBeLessThanOrEqual(limit);
    expect(response.resultsTruncated).toBe(true);
    expect(response.summary).toEqual(report.summary);
    expect(response.results.length + (response.resultsOmitted ?? 0)).toBe(450);
    expect(response.results.slice(0, 50).every((result) => result.status === 'FAIL')).toBe(true);
    const oneMore = Buffer.byteLength(JSON.stringify(report.results[response.results.length])) + 1;
    expect(bytes + oneMore).toBeGreaterThan(limit);
  });

  it('keeps a report of more than 6 MB within the synchronous response limit, measured in bytes', () => {
    // Prepare
    const report = aReport(results(14_000, 'FAIL', '名前'.repeat(100)));

    // Act
    const response = fitResponse(report);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(report))).toBeGreaterThan(6 * 1024 * 1024);
    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(LAMBDA_RESPONSE_MAX_BYTES);
    expect(response.resultsOmitted).toBeGreaterThan(0);
  });
});
