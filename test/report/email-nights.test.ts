import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generalRemediation } from '../../src/engine/evaluate.ts';
import type { Report } from '../../src/model/report.ts';
import { type EmailOptions, formatEmail, formatSubject, singlePart } from '../../src/report/email.ts';
import { RULES } from '../../src/rules/index.ts';
import { firstScanReport, quietNightReport, regressionNightReport } from '../fixtures/email/nights.ts';
import { GOLDEN_OPTIONS } from '../fixtures/email/report.ts';

const FIXTURES = new URL('../fixtures/email/', import.meta.url);

/** As the handler passes them: every rule's general fix, and the reports bucket's region. */
const HANDLER_OPTIONS = {
  remediations: Object.fromEntries(RULES.map(({ meta }) => [meta.id, generalRemediation(meta)])),
  reportsRegion: GOLDEN_OPTIONS.reportsRegion,
};

function mail(report: Report, options: EmailOptions = GOLDEN_OPTIONS): string {
  return `Subject: ${formatSubject(report)}\n\n${formatEmail(report, singlePart(report), options)}`;
}

describe('the 7 a.m. email', () => {
  it.each([
    ['the first stored scan', 'first-scan.golden.txt', firstScanReport, GOLDEN_OPTIONS],
    ['a quiet night', 'quiet-night.golden.txt', quietNightReport, GOLDEN_OPTIONS],
    ['a night with regressions', 'regression-night.golden.txt', regressionNightReport, HANDLER_OPTIONS],
  ])('reads for %s exactly as its golden file shows', async (_night, file, build, options) => {
    // Prepare
    const expected = await readFile(new URL(file, FIXTURES), 'utf8');

    // Act
    const email = mail(build(), options);

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
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(long).toEqual([]);
  });
});
