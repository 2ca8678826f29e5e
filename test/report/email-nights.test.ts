import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { formatEmail, formatSubject, singlePart } from '../../src/report/email.ts';
import { firstScanReport, quietNightReport } from '../fixtures/email/nights.ts';
import { GOLDEN_OPTIONS } from '../fixtures/email/report.ts';

const FIXTURES = new URL('../fixtures/email/', import.meta.url);

function mail(report: Report): string {
  return `Subject: ${formatSubject(report)}\n\n${formatEmail(report, singlePart(report), GOLDEN_OPTIONS)}`;
}

describe('the 7 a.m. email', () => {
  it.each([
    ['the first stored scan', 'first-scan.golden.txt', firstScanReport],
    ['a quiet night', 'quiet-night.golden.txt', quietNightReport],
  ])('reads for %s exactly as its golden file shows', async (_night, file, build) => {
    // Prepare
    const expected = await readFile(new URL(file, FIXTURES), 'utf8');

    // Act
    const email = mail(build());

    // Assess
    expect(email).toBe(expected);
  });

  it('keeps every line of every golden email under 200 characters', async () => {
    // Prepare
    const files = (await readdir(FIXTURES)).filter((name) => name.endsWith('.golden.txt'));

    // Act
    const long = [];
    for (const file of files) {
      const lines = (await readFile(new URL(file, FIXTURES), 'utf8')).split('\n');
      long.push(...lines.filter((line) => line.length >= 200).map((line) => `${file}: ${line}`));
    }

    // Assess
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(long).toEqual([]);
  });
});
