import { describe, expect, it } from 'vitest';
import { globIncludes, globIntersects, globMatch } from '../../src/iam/glob.ts';

/** Every string over `alphabet` up to `maxLength` characters, the empty one included. */
function strings(alphabet: string, maxLength: number): string[] {
  const all = [''];
  let frontier = [''];
  for (let length = 1; length <= maxLength; length += 1) {
    frontier = frontier.flatMap((prefix) => [...alphabet].map((char) => prefix + char));
    all.push(...frontier);
  }
  return all;
}

/** The reference reading of a glob: a regular expression whose wildcards avoid `exclude`. */
function reference(pattern: string, exclude = '', flags = 's'): RegExp {
  const any = exclude ? `[^${exclude.replace(/[\\\]^-]/g, '\\$&')}]` : '.';
  const body = [...pattern]
    .map((char) =>
      char === '*' ? `${any}*` : char === '?' ? any : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`, flags);
}

describe('IAM globs', () => {
  it('match exactly the strings the reference regular expression matches', () => {
    // Prepare
    const patterns = strings('ab*?', 5);
    const texts = strings('ab', 6);
    // Act
    const disagreements = patterns.flatMap((pattern) =>
      texts
        .filter((text) => globMatch(pattern, text) !== reference(pattern).test(text))
        .map((text) => [pattern, text]),
    );
    // Assess
    expect(disagreements).toEqual([]);
  });

  it('match case-insensitively when asked, as IAM compares action names', () => {
    expect(
      globMatch('sagemaker:CreatePresigned*', 'SAGEMAKER:createpresignednotebookinstanceurl', true),
    ).toBe(true);
    expect(globMatch('sagemaker:CreatePresigned*', 'SAGEMAKER:createpresignednotebookinstanceurl')).toBe(
      false,
    );
  });

  it('intersect exactly when some string matches both, with the right side kept to its separators', () => {
    // Prepare
    const patterns = strings('a:*?', 3);
    const witnesses = strings('ab:', 6);
    // Act
    const disagreements: string[][] = [];
    for (const left of patterns) {
      for (const right of patterns) {
        const leftRegex = reference(left);
        const rightRegex = reference(right, ':');
        const expected = witnesses.some((text) => leftRegex.test(text) && rightRegex.test(text));
        if (globIntersects(left, right, ':') !== expected) disagreements.push([left, right]);
      }
    }
    // Assess
    expect(disagreements).toEqual([]);
  });

  it('claim inclusion only where every string of the inner pattern matches the outer one', () => {
    // Prepare
    const patterns = strings('ab*?', 3);
    const texts = strings('ab', 6);
    // Act
    const unsound = patterns.flatMap((outer) =>
      patterns
        .filter((inner) => globIncludes(outer, inner))
        .filter((inner) => texts.some((text) => reference(inner).test(text) && !reference(outer).test(text)))
        .map((inner) => [outer, inner]),
    );
    // Assess
    expect(unsound).toEqual([]);
    expect(
      globIncludes(
        'arn:aws:sagemaker:*:*:notebook-instance/*',
        'arn:aws:sagemaker:eu-west-1:*:notebook-instance/ml-*',
      ),
    ).toBe(true);
  });

  it('match a many-star pattern against a long name in steps bounded by pattern length × text length', () => {
    // Prepare
    const pattern = `${'*'.repeat(7)}Z`;
    const counts = [89, 890, 8900].map((length) => {
      const counter = { steps: 0 };
      // Act
      const matched = globMatch(pattern, 'a'.repeat(length), false, counter);
      return { length, matched, steps: counter.steps };
    });
    // Assess
    for (const { length, matched, steps } of counts) {
      expect(matched).toBe(false);
      expect(steps).toBeLessThanOrEqual(2 * length);
    }
  });

  it('answer the language questions for inputs far longer than any stack', () => {
    const long = `arn:aws:sagemaker:*:*:notebook-instance/${'a*'.repeat(10_000)}`;
    expect(globIntersects(long, 'arn:aws:sagemaker:*:*:notebook-instance/*', ':/')).toBe(true);
    expect(globIncludes('arn:aws:sagemaker:*:*:notebook-instance/*', long)).toBe(true);
  });
});
