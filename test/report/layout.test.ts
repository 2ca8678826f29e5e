import { describe, expect, it } from 'vitest';
import { resourceLabel, wrapText } from '../../src/report/layout.ts';

describe('resourceLabel', () => {
  it.each([
    [{ resourceId: 'vpc-1', resourceType: 'AWS::EC2::VPC' }, 'vpc-1'],
    [{ resourceId: 'vpc-1', resourceType: 'AWS::EC2::VPC', resourceName: 'ml-prod' }, 'ml-prod (vpc-1)'],
    [
      { resourceId: 'vpc-1', resourceType: 'AWS::EC2::VPC', defaultVpc: true as const },
      'vpc-1 (default VPC)',
    ],
    [
      { resourceId: 'vpc-1', resourceType: 'AWS::EC2::VPC', resourceName: 'old', defaultVpc: true as const },
      'old (vpc-1, default VPC)',
    ],
    [
      { resourceId: 'arn:aws:iam::111122223333:role/a/b/exec', resourceType: 'AWS::IAM::Role' },
      'exec (role)',
    ],
    [
      { resourceId: 'arn:aws:iam::111122223333:user/sam/inline/open', resourceType: 'AWS::IAM::Policy' },
      'open (inline, user sam)',
    ],
    [{ resourceId: 'not-an-arn', resourceType: 'AWS::IAM::User' }, 'not-an-arn'],
    [{ resourceId: 'vpc-1', resourceType: 'AWS::EC2::VPC', resourceName: 'a\u001b[2Jb' }, 'a [2Jb (vpc-1)'],
  ])('labels %j as %s', (result, label) => {
    // Act
    const text = resourceLabel(result);

    // Assess
    expect(text).toBe(label);
  });
});

describe('wrapText', () => {
  it('wraps at word boundaries within the width, prefixes included', () => {
    // Act
    const lines = wrapText('one two three four', 11, { first: '> ', rest: '  ' });

    // Assess
    expect(lines).toEqual(['> one two', '  three', '  four']);
  });

  it('cuts a word wider than a line only when told to', () => {
    // Act
    const whole = wrapText('a abcdefghij b', 5);
    const cut = wrapText('a abcdefghij b', 5, { breakWords: true });

    // Assess
    expect(whole).toEqual(['a', 'abcdefghij', 'b']);
    expect(cut).toEqual(['a', 'abcde', 'fghij', 'b']);
  });

  it('keeps a kept part whole, with what touches it', () => {
    // Act
    const lines = wrapText('see (aws ec2 x --y z) now', 8, { keep: /aws ec2 x --y z\)/ });

    // Assess
    expect(lines).toEqual(['see', '(aws ec2 x --y z)', 'now']);
  });
});
