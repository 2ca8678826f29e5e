import { describe, expect, it } from 'vitest';
import type { StepCounter } from '../../src/suppress/glob.ts';
import { parseSuppressTag } from '../../src/suppress/tag.ts';

/** The backtracking regex the tag was parsed with before (27 s on 3,000 spaces). */
const BACKTRACKING_REFERENCE = /^\s*([\w*,\s-]+?)\s+until\s+(\d{4}-\d{2}-\d{2})\s*:\s*(\S.*)$/;

function stepsFor(value: string): number {
  const counter: StepCounter = { steps: 0 };
  parseSuppressTag(value, counter);
  return counter.steps;
}

describe('suppression tag parsing', () => {
  it.each([
    [
      'vpc-sagemaker-endpoints until 2027-01-15: lab account',
      ['vpc-sagemaker-endpoints'],
      '2027-01-15',
      'lab account',
    ],
    [
      '  a, b ,c   until   2027-01-15   :   CHG-1: see ticket  ',
      ['a', 'b', 'c'],
      '2027-01-15',
      'CHG-1: see ticket',
    ],
    ['* until 2027-01-15:x', ['*'], '2027-01-15', 'x'],
    ['a until b until 2027-01-15: two untils', ['a until b'], '2027-01-15', 'two untils'],
    ['a\tuntil\t2027-01-15\t:\treason', ['a'], '2027-01-15', 'reason'],
  ])('reads %j', (value, rules, expires, reason) => {
    // Act
    const tag = parseSuppressTag(value);

    // Assess
    expect(tag).toEqual({ rules, expires, reason });
    const reference = BACKTRACKING_REFERENCE.exec(value);
    expect(reference?.[2]).toBe(expires);
    expect(reference?.[3]?.trim()).toBe(reason);
  });

  it.each([
    ['no colon', 'a until 2027-01-15 lab'],
    ['no reason', 'a until 2027-01-15:   '],
    ['a reason over two lines', 'a until 2027-01-15: lab\n[OK] forged line'],
    ['no until', 'a 2027-01-15: lab'],
    ['until glued to the rules', 'auntil 2027-01-15: lab'],
    ['until glued to the date', 'a until2027-01-15: lab'],
    ['a short date', 'a until 2027-1-15: lab'],
    ['a character outside rule ids', 'a;b until 2027-01-15: lab'],
    ['a colon in the rule list', 'a:b until 2027-01-15: lab'],
    ['an empty string', ''],
  ])('rejects %s', (_name, value) => {
    // Act
    const tag = parseSuppressTag(value);

    // Assess
    expect(tag).toBeUndefined();
    expect(BACKTRACKING_REFERENCE.test(value)).toBe(false);
  });

  it('rejects a tag without rule ids, which the old regex read as the rule ""', () => {
    // Act
    const tag = parseSuppressTag('   until 2027-01-15: lab');

    // Assess
    expect(tag).toBeUndefined();
    expect(BACKTRACKING_REFERENCE.exec('   until 2027-01-15: lab')?.[1]).toBe(' ');
  });

  it.each([
    ['3,000 spaces (27 s for the regex)', ' '.repeat(3_000)],
    ['spaces before until', `${' '.repeat(3_000)}until 2027-01-15: x`],
    ['spaces then a colon', `${' '.repeat(3_000)}:`],
    ['repeated "until"', `${'a until '.repeat(3_000)}2027-01-15`],
    ['repeated headers', `${'a until 2027-01-15 '.repeat(1_000)}: x`],
    ['a long reason', `a until 2027-01-15: ${'x '.repeat(3_000)}`],
  ])('parses %s in steps linear in its length', (_name, value) => {
    // Act
    const steps = stepsFor(value);
    const tenfold = stepsFor(value.repeat(10));

    // Assess: every character is looked at a bounded number of times
    expect(steps).toBeLessThanOrEqual(2 * value.length + 2);
    expect(tenfold).toBeLessThanOrEqual(2 * value.length * 10 + 2);
  });
});
