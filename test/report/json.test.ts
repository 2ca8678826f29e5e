import { describe, expect, it } from 'vitest';
import { formatJson, jsonChunks } from '../../src/report/json.ts';
import { report, result } from '../support/report.ts';

/** Enough results, with nested evidence, for the report to span several chunks of about a MiB. */
function largeReport() {
  const results = Array.from({ length: 4_000 }, (_, index) =>
    result(index % 3 === 0 ? 'FAIL' : 'PASS', `vpc-${index}`, `message ${index}\u202e`, {
      evidence: { allowedFrom: ['203.0.113.0/24', '2001:db8::/32'], nested: { depth: [index, { at: 'x' }] } },
    }),
  );
  return report(results, { scope: { accounts: [], regions: [], rules: [], skipped: [] } });
}

describe('the JSON report in chunks', () => {
  it.each([
    ['compact', false, undefined],
    ['indented', true, 2],
  ])(
    'joins to exactly the %s JSON.stringify of the report, invisible characters escaped',
    (_name, pretty, indent) => {
      // Prepare
      const input = largeReport();

      // Act
      const chunks = [...jsonChunks(input, { pretty })];

      // Assess
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.join('')).toBe(
        `${JSON.stringify(input, null, indent).replaceAll('\u202e', '\\u202e')}\n`,
      );
      expect(formatJson(input, { pretty })).toBe(chunks.join(''));
    },
  );

  it('writes empty arrays and leaves out undefined members, as JSON.stringify does', () => {
    // Prepare
    const input = { ...report([]), baseline: undefined };

    // Act / Assess
    expect(formatJson(input, { pretty: true })).toBe(`${JSON.stringify(input, null, 2)}\n`);
    expect(formatJson(input)).toBe(`${JSON.stringify(input)}\n`);
  });
});
