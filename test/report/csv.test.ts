import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, formatCsv } from '../../src/report/csv.ts';
import { formatsReport } from '../fixtures/report/report.ts';
import { report, result } from '../support/report.ts';

const GOLDEN = new URL('../fixtures/report/formats.golden.csv', import.meta.url);

/** A minimal RFC 4180 reader: enough to prove that what the formatter quotes comes back intact. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index += 1;
    } else cell += char;
  }
  return rows;
}

describe('formatCsv', () => {
  it('writes the rows exactly as the golden file shows them', async () => {
    // Prepare
    const expected = await readFile(GOLDEN, 'utf8');

    // Act
    const csv = formatCsv(formatsReport());

    // Assess
    expect(csv).toBe(expected);
  });

  it('has a header of the documented columns and one row of that many cells per result', () => {
    // Prepare
    const input = formatsReport();

    // Act
    const rows = parseCsv(formatCsv(input));

    // Assess
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(CSV_COLUMNS).toEqual([
      'status',
      'severity',
      'rule_id',
      'title',
      'account_id',
      'region',
      'resource_type',
      'resource_id',
      'resource_arn',
      'message',
      'remediation',
      'muted_until',
      'muted_reason',
      'muted_owner',
      'change',
      'first_seen',
      'result_id',
      'scan_id',
      'scanned_at',
    ]);
    expect(rows).toHaveLength(input.results.length + 1);
    for (const cells of rows) expect(cells).toHaveLength(CSV_COLUMNS.length);
  });

  it('quotes commas and quotes so that a name comes back from a CSV reader unchanged', () => {
    // Prepare
    const name = 'arn:aws:iam::111122223333:user/a,"b"';
    const input = report([result('FAIL', name, 'open, from anywhere')]);

    // Act
    const [, cells] = parseCsv(formatCsv(input));

    // Assess
    expect(cells?.[CSV_COLUMNS.indexOf('resource_id')]).toBe(name);
    expect(cells?.[CSV_COLUMNS.indexOf('message')]).toBe('open, from anywhere');
  });

  it.each([
    ['=', '=HYPERLINK("https://attacker.example","open me")'],
    ['+', '+1+cmd|/C calc!A0'],
    ['-', '-2+3'],
    ['@', '@SUM(A1)'],
  ])('turns a cell starting with %s into text, so a spreadsheet never runs it', (_lead, name) => {
    // Prepare
    const input = report([result('FAIL', name, 'bad')]);

    // Act
    const [, cells] = parseCsv(formatCsv(input));

    // Assess
    expect(cells?.[CSV_COLUMNS.indexOf('resource_id')]).toBe(`'${name}`);
  });

  it('keeps every result on one line: line breaks and escapes from AWS data become spaces', () => {
    // Prepare
    const input = report([result('FAIL', 'vpc-1\u001b[31m\r\nFAKE,ROW', 'two\nlines')]);

    // Act
    const lines = formatCsv(input).split('\r\n');

    // Assess
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[1]).toContain('"vpc-1 [31m  FAKE,ROW"');
    expect(lines[1]).toContain(',two lines,');
  });

  it('leaves the fix empty for PASS and fills the exception and change columns where they apply', () => {
    // Prepare
    const input = report([
      result('PASS', 'vpc-1', 'fine'),
      result('FAIL', 'vpc-2', 'bad', {
        muted: { reason: 'sandbox', expires: '2026-06-30', owner: 'ml', entry: 0 },
        delta: { change: 'persisting', firstSeen: '2026-02-01T02:00:00.000Z', previousStatus: 'FAIL' },
      }),
    ]);

    // Act
    const [, pass, muted] = parseCsv(formatCsv(input));
    const cell = (cells: string[] | undefined, column: (typeof CSV_COLUMNS)[number]) =>
      cells?.[CSV_COLUMNS.indexOf(column)];

    // Assess
    expect(cell(pass, 'remediation')).toBe('');
    expect(cell(pass, 'muted_until')).toBe('');
    expect(cell(muted, 'remediation')).toBe('fix vpc-2');
    expect([cell(muted, 'muted_until'), cell(muted, 'muted_reason'), cell(muted, 'muted_owner')]).toEqual([
      '2026-06-30',
      'sandbox',
      'ml',
    ]);
    expect([cell(muted, 'change'), cell(muted, 'first_seen')]).toEqual([
      'persisting',
      '2026-02-01T02:00:00.000Z',
    ]);
  });

  it('writes only the header for a scan without results', () => {
    // Act
    const csv = formatCsv(report([]));

    // Assess
    expect(csv).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });
});
