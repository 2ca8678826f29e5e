import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VPC_ONLY_KEYS } from '../../src/iam/evaluate.ts';

describe('the VPC-only condition keys', () => {
  it('are the keys the README names, in the same order', () => {
    // Prepare
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const paragraph = /\*\*VPC-only keys\*\*[\s\S]*?from the\n/.exec(readme)?.[0] ?? '';
    // Act
    const named = [...paragraph.matchAll(/`(aws:[A-Za-z]+)`/g)].map((match) => match[1]);
    // Assess
    expect(named).toEqual(VPC_ONLY_KEYS.map(({ key }) => key));
  });
});
