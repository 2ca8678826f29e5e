import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { principalSnapshot } from '../../bench/principal-snapshot.ts';
import { evaluate } from '../../src/engine/evaluate.ts';
import { parseSnapshot } from '../../src/model/snapshot.ts';
import { RULES } from '../../src/rules/index.ts';

/**
 * Verdicts of the presigned-URL rules over a generated account (the bench's 50,000-principal
 * generator at 200 principals: grants from a few and from over a hundred ranges, IPv6, Denies,
 * boundaries, groups, SCPs), as the evaluator gave them before it judged address pieces by class,
 * swept range clauses and capped the allowed-from list while building it. Any change of verdict,
 * offending address, allowed-from list or message shows here.
 */
const GOLDEN = JSON.parse(
  readFileSync(new URL('../fixtures/iam/generated-principals.golden.json', import.meta.url), 'utf8'),
) as Record<'approved' | 'noneApproved', unknown[]>;

function verdicts(allowedSourceCidrs: string[]) {
  const inventory = parseSnapshot(
    principalSnapshot({ users: 60, roles: 140, groups: 12, policies: 60 }),
    'generated',
  );
  return evaluate(inventory, RULES, { allowedSourceCidrs, skipDefaultVpcs: false })
    .results.filter((result) => result.ruleId.startsWith('iam-p'))
    .map((result) => ({
      rule: result.ruleId,
      resource: result.resourceId,
      status: result.status,
      offendingAddress: result.evidence.offendingAddress,
      allowedFrom: result.evidence.allowedFrom,
      allowedFromTruncated: result.evidence.allowedFromTruncated ?? false,
      message: result.message,
    }));
}

describe('verdicts over a generated account', () => {
  it('are those of the evaluator before its speed-ups, with approved ranges', () => {
    // Act
    const found = verdicts(['203.0.113.0/24']);

    // Assess
    expect(found.filter((verdict) => verdict.allowedFromTruncated)).toHaveLength(24);
    expect(found).toEqual(GOLDEN.approved);
  });

  it('are those of the evaluator before its speed-ups, with no approved range', () => {
    // Act / Assess
    expect(verdicts([])).toEqual(GOLDEN.noneApproved);
  });
});
