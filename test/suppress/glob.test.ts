import { describe, expect, it } from 'vitest';
import { Glob, matchesAny, type StepCounter } from '../../src/suppress/glob.ts';

/** The regex the scanner compiled globs to before: the reference for what a glob means. */
function backtrackingReference(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

function stepsFor(pattern: string, text: string): { matched: boolean; steps: number } {
  const counter: StepCounter = { steps: 0 };
  const matched = new Glob(pattern).matches(text, counter);
  return { matched, steps: counter.steps };
}

/** 89 characters, as in the report of the 133 s match. */
const ROLE_ARN = 'arn:aws:iam::111122223333:role/service-role/sagemaker-execution-role-for-data-science-001';

describe('suppression glob', () => {
  it.each([
    ['vpc-0abc', 'vpc-0abc', true],
    ['vpc-0abc', 'vpc-0abcd', false],
    ['vpc-*', 'vpc-0abc', true],
    ['vpc-*', 'vpc-', true],
    ['vpc-*', 'vp', false],
    ['*-prod', 'vpc-prod', true],
    ['*-prod', 'vpc-production', false],
    ['arn:aws:iam::*:role/ml-*', 'arn:aws:iam::111122223333:role/ml-train', true],
    ['arn:aws:iam::*:role/ml-*', 'arn:aws:iam::111122223333:user/ml-train', false],
    ['*', '', true],
    ['**', 'anything/at:all', true],
    ['', '', true],
    ['', 'x', false],
    ['a*ab', 'aab', true],
    ['ab*ba', 'aba', false],
    ['*aab*', 'aaab', true],
    ['*abab*x', 'abaabababx', true],
    ['a.c', 'abc', false],
    ['a?c', 'abc', false],
    ['a+(b)', 'a+(b)', true],
    ['role/*', 'role/a/b/c', true],
  ])('%j matches %j: %s', (pattern, text, expected) => {
    // Act
    const matched = new Glob(pattern).matches(text);

    // Assess
    expect(matched).toBe(expected);
    expect(backtrackingReference(pattern).test(text)).toBe(expected);
  });

  it('agrees with the regex it replaces on every pattern and text over a small alphabet', () => {
    // Prepare: every pattern up to 5 characters over {a, b, *} against every text up to 6 over {a, b}
    const words = (alphabet: string[], max: number): string[] => {
      const all = [''];
      for (let start = 0; all.length < 2 ** 20; start += 1) {
        const word = all[start] as string;
        if (word.length === max) break;
        for (const letter of alphabet) all.push(word + letter);
      }
      return all;
    };
    const patterns = words(['a', 'b', '*'], 5);
    const texts = words(['a', 'b'], 6);

    // Act
    const disagreements = patterns.flatMap((pattern) => {
      const glob = new Glob(pattern);
      const reference = backtrackingReference(pattern);
      return texts
        .filter((text) => glob.matches(text) !== reference.test(text))
        .map((text) => [pattern, text]);
    });

    // Assess
    expect(patterns.length).toBe(364);
    expect(texts.length).toBe(127);
    expect(disagreements).toEqual([]);
  });

  it.each([
    ['stars before a missing letter (133 s as a regex on an 89-character ARN)', '*******Z', ROLE_ARN],
    ['stars around a missing letter', '*******Z*', ROLE_ARN],
    ['runs that almost match everywhere', '*aaaaaaab*aaaaaaab*', 'a'.repeat(89)],
    ['a run with a self-overlapping prefix', '*abababac*', 'ab'.repeat(44)],
    ['many short runs', `${'*a'.repeat(40)}*b`, 'a'.repeat(89)],
  ])('matches %s in steps linear in the input', (_name, pattern, text) => {
    // Prepare
    expect(ROLE_ARN).toHaveLength(89);

    // Act
    const short = stepsFor(pattern, text);
    const long = stepsFor(pattern, text.repeat(1_000));

    // Assess: each character of the text is compared at most twice (KMP), whatever the pattern
    expect(short.matched).toBe(false);
    expect(long.matched).toBe(false);
    expect(short.steps).toBeLessThanOrEqual(2 * text.length + pattern.length);
    expect(long.steps).toBeLessThanOrEqual(2 * text.length * 1_000 + pattern.length);
  });

  it('finds a match at the far end of a long hostile name without rereading it', () => {
    // Prepare
    const text = `${'a'.repeat(200_000)}b`;

    // Act
    const { matched, steps } = stepsFor('*a*a*a*a*a*a*ab*', text);

    // Assess
    expect(matched).toBe(true);
    expect(steps).toBeGreaterThanOrEqual(text.length);
    expect(steps).toBeLessThanOrEqual(2 * text.length);
  });

  it('matches when any pattern matches any defined value, and everything without patterns', () => {
    // Prepare
    const patterns = [new Glob('vpc-1*'), new Glob('arn:*:vpc/vpc-2*')];

    // Assess
    expect(matchesAny(undefined, 'anything')).toBe(true);
    expect(matchesAny(patterns, 'vpc-2', 'arn:aws:ec2:eu-west-1:1:vpc/vpc-2')).toBe(true);
    expect(matchesAny(patterns, undefined, 'vpc-1a')).toBe(true);
    expect(matchesAny(patterns, 'vpc-3', undefined)).toBe(false);
    expect(matchesAny([], 'vpc-1')).toBe(false);
  });
});
