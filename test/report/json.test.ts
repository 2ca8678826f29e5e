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

  it('writes evidence shared by many results, and values JSON.stringify treats specially, exactly as it does', () => {
    // Prepare
    const shared = { considered: [{ target: 'root r-ab12', policyName: 'FullAWSAccess' }], note: 'a\u202eb' };
    const sharedList = ['203.0.113.0/24'];
    class Point {
      constructor(readonly x: number) {}
    }
    const results = Array.from({ length: 3 }, (_, index) =>
      result('PASS', `role-${index}`, 'message', {
        evidence: {
          serviceControlPolicies: shared,
          approvedRanges: sharedList,
          again: sharedList,
          checkedAt: new Date(Date.UTC(2026, 0, index + 1)),
          keyed: { toJSON: (key: string) => `toJSON of ${key}` },
          point: new Point(index),
          boxed: [new String('text'), new Number(Number.NaN), Object(false)],
          missing: undefined,
          call: () => 1,
          mark: Symbol('mark'),
          list: [undefined, () => 1, Symbol('in a list'), Number.POSITIVE_INFINITY, -0],
          deep: { a: { b: { c: [sharedList, { d: shared }] } } },
          'odd "name"\n': 'quoted',
        },
      }),
    );
    const input = report(results);

    // Act
    const json = formatJson(input);

    // Assess
    expect(json).toBe(`${JSON.stringify(input).replaceAll('\u202e', '\\u202e')}\n`);
  });

  it('refuses a circular report as JSON.stringify does', () => {
    // Prepare
    const evidence: Record<string, unknown> = {};
    evidence.self = { back: evidence };
    const input = report([result('PASS', 'vpc-1', 'message', { evidence })]);

    // Act / Assess
    expect(() => formatJson(input)).toThrow(TypeError);
  });
});
