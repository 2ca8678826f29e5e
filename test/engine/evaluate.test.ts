import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import { resultId } from '../../src/model/result.ts';
import type { Rule, RuleMeta } from '../../src/rules/types.ts';
import { ACCOUNT_ID, inventory, region } from '../support/inventory.ts';

const META: RuleMeta = {
  id: 'test-rule',
  title: 'Test rule',
  severity: 'low',
  resourceType: 'AWS::EC2::VPC',
  needs: ['vpcs'],
  rationale: 'because',
  remediation: { text: 'Fix it.', cli: 'aws ec2 fix' },
  references: ['https://example.com/'],
};

function ruleReturning(resourceIds: string[], regionName = 'eu-west-1', id = META.id): Rule {
  return {
    meta: { ...META, id },
    check: () => ({
      results: resourceIds.map((resourceId) => ({
        status: 'FAIL' as const,
        accountId: ACCOUNT_ID,
        region: regionName,
        resourceType: 'AWS::EC2::VPC',
        resourceId,
        message: `${resourceId} is wrong`,
        evidence: {},
      })),
      skipped: [
        { region: 'us-east-1', reason: 'z' },
        { region: 'eu-west-1', reason: 'a' },
      ],
      evaluated: { vpcs: resourceIds.length },
    }),
  };
}

describe('evaluate', () => {
  it('completes drafts with id, rule, severity, title and the generic remediation', () => {
    // Act
    const { results, evaluated } = evaluate(inventory([]), [ruleReturning(['vpc-1'])], DEFAULT_RULE_CONFIG);

    // Assess
    expect(results).toEqual([
      {
        id: resultId('test-rule', ACCOUNT_ID, 'eu-west-1', 'vpc-1'),
        ruleId: 'test-rule',
        severity: 'low',
        title: 'Test rule',
        status: 'FAIL',
        accountId: ACCOUNT_ID,
        region: 'eu-west-1',
        resourceType: 'AWS::EC2::VPC',
        resourceId: 'vpc-1',
        message: 'vpc-1 is wrong',
        remediation: 'Fix it. (aws ec2 fix)',
        evidence: {},
      },
    ]);
    expect(evaluated).toEqual({ 'test-rule': { vpcs: 1 } });
  });

  it('orders results and skips by code unit, whatever the locale', () => {
    // Prepare
    const rules = [
      ruleReturning(['vpc-b', 'vpc-B', 'vpc-a'], 'us-east-1', 'z-rule'),
      ruleReturning(['vpc-c'], 'eu-west-1', 'a-rule'),
    ];

    // Act
    const { results, skipped } = evaluate(inventory([]), rules, DEFAULT_RULE_CONFIG);

    // Assess
    expect(results.map((result) => `${result.ruleId}/${result.region}/${result.resourceId}`)).toEqual([
      'a-rule/eu-west-1/vpc-c',
      'z-rule/us-east-1/vpc-B',
      'z-rule/us-east-1/vpc-a',
      'z-rule/us-east-1/vpc-b',
    ]);
    expect(skipped.map((entry) => `${entry.ruleId}/${entry.region}`)).toEqual([
      'a-rule/eu-west-1',
      'a-rule/us-east-1',
      'z-rule/eu-west-1',
      'z-rule/us-east-1',
    ]);
  });

  it('turns a rule that throws into one ERROR per account instead of a silent pass', () => {
    // Prepare
    const broken: Rule = {
      meta: META,
      check: () => {
        throw new TypeError('boom');
      },
    };
    const snapshot = inventory([region('eu-west-1')]);
    snapshot.accounts.push({ accountId: '999988887777', regions: [] });

    // Act
    const { results } = evaluate(
      snapshot,
      [broken, ruleReturning(['vpc-1'], 'eu-west-1', 'other-rule')],
      DEFAULT_RULE_CONFIG,
    );

    // Assess
    expect(
      results.map((result) => [result.ruleId, result.accountId, result.status, result.resourceId]),
    ).toEqual([
      ['other-rule', ACCOUNT_ID, 'FAIL', 'vpc-1'],
      ['test-rule', ACCOUNT_ID, 'ERROR', 'rule-failure'],
      ['test-rule', '999988887777', 'ERROR', 'rule-failure'],
    ]);
    expect(results[1]?.message).toContain('boom');
  });

  it('gives an account that could not be read one ERROR, as severe as the most severe rule, and judges the others', () => {
    // Prepare
    const snapshot = inventory([region('eu-west-1')]);
    const roleArn = 'arn:aws:iam::999988887777:role/Scanner';
    snapshot.accounts.push({
      accountId: '999988887777',
      unreadable: {
        roleArn,
        code: 'AccessDenied',
        message: `could not assume role ${roleArn} (sts:AssumeRole): denied`,
      },
      regions: [],
    });
    const seen: string[][] = [];
    const watching: Rule = {
      meta: { ...META, id: 'watching', severity: 'high' },
      check: (context) => {
        seen.push(context.inventory.accounts.map((account) => account.accountId));
        return { results: [], skipped: [] };
      },
    };

    // Act
    const { results } = evaluate(snapshot, [ruleReturning(['vpc-1']), watching], DEFAULT_RULE_CONFIG);

    // Assess
    expect(seen).toEqual([[ACCOUNT_ID]]);
    expect(
      results.map((result) => [result.ruleId, result.accountId, result.status, result.severity]),
    ).toEqual([
      ['account-access', '999988887777', 'ERROR', 'high'],
      ['test-rule', ACCOUNT_ID, 'FAIL', 'low'],
    ]);
    expect(results[0]).toMatchObject({
      id: resultId('account-access', '999988887777', 'global', '999988887777'),
      resourceType: 'AWS::Organizations::Account',
      resourceId: '999988887777',
      resourceArn: roleArn,
      message: `Could not scan account 999988887777: could not assume role ${roleArn} (sts:AssumeRole): denied (AccessDenied); no rule judged it.`,
      evidence: { rulesNotJudged: ['test-rule', 'watching'] },
    });
  });
});

describe('evaluate over an evidence file taken for other rules', () => {
  it.each([
    [['vpcs'], 'section vpcs was not collected'],
    [['vpcs', 'vpcEndpoints'], 'sections vpcs and vpcEndpoints were not collected'],
  ] as const)('names the sections %j the rule needs and the file lacks', (needs, lacks) => {
    // Prepare
    const taken = {
      ...inventory([region('eu-west-1')]),
      takenFor: { rules: ['iam-policy-presigned-url-source-ip'], sections: ['iam' as const] },
    };
    const rule = { ...ruleReturning([]), meta: { ...META, needs: [...needs] } };

    // Act
    const { results } = evaluate(taken, [rule], DEFAULT_RULE_CONFIG);

    // Assess
    expect(results.map((result) => [result.status, result.message])).toEqual([
      [
        'ERROR',
        `Could not judge test-rule: this evidence file was taken for rules iam-policy-presigned-url-source-ip; ${lacks}.`,
      ],
    ]);
  });
});
