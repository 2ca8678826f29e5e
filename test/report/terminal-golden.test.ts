import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/engine/scan.ts';
import type { Report } from '../../src/model/report.ts';
import { loadSnapshot } from '../../src/model/snapshot.ts';
import { PLAIN } from '../../src/report/style.ts';
import { formatTable } from '../../src/report/table.ts';
import { formatText } from '../../src/report/text.ts';
import { RULES } from '../../src/rules/index.ts';

const DEMO = new URL('../../examples/demo-account.json', import.meta.url);
const golden = (name: string) => new URL(`../fixtures/report/${name}`, import.meta.url);

/** The demo account judged as the README shows it, with the scan's id and clock fixed. */
async function demoReport(): Promise<Report> {
  const inventory = await loadSnapshot(DEMO.pathname);
  const { report } = await runScan({
    rules: RULES,
    config: { allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::/32'], skipDefaultVpcs: false },
    source: { kind: 'snapshot', inventory, regions: undefined },
  });
  return {
    ...report,
    scanId: '00000000-0000-4000-8000-000000000000',
    startedAt: '2026-03-01T02:00:00.000Z',
    finishedAt: '2026-03-01T02:00:01.000Z',
  };
}

/** `UPDATE_GOLDEN=1` rewrites the files after a deliberate change; review the diff before committing. */
async function expectGolden(name: string, actual: string): Promise<void> {
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(golden(name), actual, 'utf8');
  expect(actual).toBe(await readFile(golden(name), 'utf8'));
}

describe.each([80, 200])('the demo account at %i columns', (columns) => {
  it('renders the table exactly as its golden file shows, no line wider than the terminal', async () => {
    // Act
    const table = formatTable(await demoReport(), PLAIN, { width: columns });

    // Assess
    await expectGolden(`demo.table.${columns}.golden.txt`, table);
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(columns);
  });

  it('renders the text exactly as its golden file shows, wider lines only for one command or one word', async () => {
    // Act
    const text = formatText(await demoReport(), PLAIN, columns);

    // Assess
    await expectGolden(`demo.text.${columns}.golden.txt`, text);
    for (const line of text.split('\n').filter((line) => line.length > columns)) {
      expect(line.trim()).toMatch(/^\(?aws [a-z0-9-]+ [a-z0-9-]+ --|^\S+$/);
    }
  });
});
