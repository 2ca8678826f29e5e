import { describe, expect, it } from 'vitest';
import type { IamAuthorizationDetails } from '../../src/model/inventory.ts';
import { check } from '../../src/rules/iam-policy-presigned-url-source-ip.ts';
import {
  ACCOUNT,
  allowAll,
  awsManaged,
  contextOf,
  doc,
  group,
  guardrail,
  inventoryOf,
  managedPolicy,
  policyArn,
  role,
  user,
} from '../iam/builders.ts';

describe('iam-policy-presigned-url-source-ip', () => {
  it('fails a customer managed policy that grants the action without a source-IP condition, attached or not', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      Policies: [managedPolicy('notebooks', doc({ Sid: 'Open', ...allowAll }))],
    };
    // Act
    const output = check(contextOf(iam));
    // Assess
    expect(output.results).toEqual([
      expect.objectContaining({
        status: 'FAIL',
        resourceType: 'AWS::IAM::Policy',
        resourceId: policyArn('notebooks'),
        region: 'global',
        message: expect.stringContaining(
          'Customer managed policy notebooks allows presigned notebook URLs from 1.0.0.0',
        ),
      }),
    ]);
    expect(output.evaluated).toEqual({ policies: 1 });
  });

  it('passes a policy whose own Deny limits the grant to approved ranges', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      Policies: [managedPolicy('notebooks', doc(allowAll, guardrail()))],
    };
    // Act
    const [result] = check(contextOf(iam)).results;
    // Assess
    expect(result?.status).toBe('PASS');
    expect(result?.evidence.deniesConsidered).toEqual([expect.objectContaining({ applied: true })]);
  });

  it('ignores guardrails in other policies: the policy is judged on its own', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      UserDetailList: [
        user('alice', { inline: { guard: doc(guardrail()) }, attached: [policyArn('notebooks')] }),
      ],
      Policies: [managedPolicy('notebooks', doc(allowAll))],
    };
    // Act
    const results = check(contextOf(iam)).results;
    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([
      [policyArn('notebooks'), 'FAIL'],
    ]);
  });

  it('judges inline policies of users, groups and roles with stable ids', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      UserDetailList: [user('alice', { inline: { open: doc(allowAll) } })],
      GroupDetailList: [group('ml', { inline: { restricted: doc(allowAll, guardrail()) } })],
      RoleDetailList: [
        role('etl', { inline: { s3only: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) } }),
      ],
    };
    // Act
    const results = check(contextOf(iam)).results;
    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([
      [`arn:aws:iam::${ACCOUNT}:user/alice/inline/open`, 'FAIL'],
      [`arn:aws:iam::${ACCOUNT}:group/ml/inline/restricted`, 'PASS'],
    ]);
    expect(results[0]?.message).toContain('Inline policy open of user alice');
  });

  it('gives AWS managed policies no result', () => {
    // Prepare
    const iam: IamAuthorizationDetails = { Policies: [awsManaged('AdministratorAccess')] };
    // Act / Assess
    expect(check(contextOf(iam)).results).toEqual([]);
  });

  it('gives ERROR for a policy document that does not parse', () => {
    // Prepare
    const iam: IamAuthorizationDetails = { Policies: [managedPolicy('broken', '{"Statement": [')] };
    // Act
    const [result] = check(contextOf(iam)).results;
    // Assess
    expect(result?.status).toBe('ERROR');
    expect(result?.message).toContain('does not parse as JSON');
  });

  it('gives ERROR naming the statement for a customer managed policy with a Principal, which IAM would refuse', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      Policies: [
        managedPolicy('odd', doc(allowAll, guardrail(), { ...guardrail(), Sid: 'Odd', Principal: '*' })),
      ],
    };
    // Act
    const [result] = check(contextOf(iam)).results;
    // Assess
    expect(result?.status).toBe('ERROR');
    expect(result?.message).toBe(
      'Could not judge customer managed policy odd: statement 2 (Odd) has a Principal element, which IAM refuses in an identity-based policy (inline, managed or boundary).',
    );
  });

  it('gives one ERROR when the iam section is missing', () => {
    // Act
    const output = check({
      inventory: inventoryOf(undefined),
      config: { allowedSourceCidrs: [], skipDefaultVpcs: false },
    });
    // Assess
    expect(output.results).toEqual([
      expect.objectContaining({ status: 'ERROR', resourceType: 'AWS::IAM::Account' }),
    ]);
  });
});
