import { describe, expect, it } from 'vitest';
import { generalRemediation } from '../../src/engine/evaluate.ts';
import { formatEmail, PERSISTING_LINE_LIMIT } from '../../src/report/email.ts';
import { RULES } from '../../src/rules/index.ts';
import { aReport, aResult } from '../fixtures/email/report.ts';

const REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-south-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'me-south-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-2',
];

/** A FAIL of every rule, each with the longest fix its rule writes: the general one and a command chain. */
function longReport() {
  const chain = `Stop notebook instance nb, turn root access off and start it again: ${Array.from(
    { length: 4 },
    (_, step) =>
      `aws sagemaker step-${step} --region ap-southeast-2 --notebook-instance-name 'team ml notebook ${step}'`,
  ).join(' && ')}`;
  return aReport(
    RULES.flatMap((rule) => [
      aResult({
        ruleId: rule.meta.id,
        title: rule.meta.title,
        resourceId: `${rule.meta.id}-1`,
        message: `${rule.meta.rationale}`,
      }),
      aResult({
        ruleId: rule.meta.id,
        title: rule.meta.title,
        resourceId: `${rule.meta.id}-2`,
        remediation: chain,
      }),
    ]),
    {
      scope: {
        accounts: ['123456789012'],
        regions: REGIONS,
        rules: RULES.map((rule) => rule.meta.id),
        skipped: [],
      },
    },
  );
}

const remediations = Object.fromEntries(RULES.map(({ meta }) => [meta.id, generalRemediation(meta)]));

describe('formatEmail line lengths', () => {
  it('keeps every line under 200 characters, with the real rules’ fixes, long messages and twenty regions', () => {
    // Act
    const lines = formatEmail(longReport(), undefined, { remediations }).split('\n');

    // Assess
    expect(lines.filter((line) => line.length >= PERSISTING_LINE_LIMIT)).toEqual([]);
  });

  it('loses nothing when it wraps: the continuation lines hold the rest of each fix, indented', () => {
    // Act
    const email = formatEmail(longReport(), undefined, { remediations });

    // Assess
    const unwrapped = email.replaceAll(/\n {6,}/g, ' ');
    for (const fix of Object.values(remediations)) expect(unwrapped).toContain(`  How to fix: ${fix}`);
    const introduction = email.split('\n\n')[0]?.replaceAll(/\n {4}/g, ' ');
    expect(introduction).toContain(`regions ${REGIONS.join(', ')}, from`);
  });

  it('keeps a link that is longer than a line whole, on its own line', () => {
    // Prepare
    const report = aReport([
      {
        ...aResult({ resourceId: 'policy' }),
        resourceType: 'AWS::IAM::Policy',
        resourceArn: `arn:aws:iam::123456789012:policy/${'team/'.repeat(30)}presigned-urls`,
      },
    ]);

    // Act
    const lines = formatEmail(report).split('\n');

    // Assess
    const link = lines.find((line) => line.includes('https://console.aws.amazon.com/iam/home#/policies/'));
    expect(link?.trim()).toMatch(/^https:\/\/\S+$/);
    expect(lines).toContain('    Console:');
  });
});
