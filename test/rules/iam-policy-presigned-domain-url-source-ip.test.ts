import { describe, expect, it } from 'vitest';
import type { IamAuthorizationDetails } from '../../src/model/inventory.ts';
import { check } from '../../src/rules/iam-policy-presigned-domain-url-source-ip.ts';
import {
  ACCOUNT,
  ACTION,
  APPROVED,
  contextOf,
  DOMAIN_ACTION,
  doc,
  guardrail,
  inventoryOf,
  managedPolicy,
  policyArn,
  user,
} from '../iam/builders.ts';

const allowDomainUrl = { Effect: 'Allow', Action: DOMAIN_ACTION, Resource: '*' };

describe('iam-policy-presigned-domain-url-source-ip', () => {
  it('fails a customer managed policy that grants presigned Studio URLs without a source-IP condition', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      Policies: [managedPolicy('studio', doc({ Sid: 'Open', ...allowDomainUrl }))],
    };
    // Act
    const output = check(contextOf(iam));
    // Assess
    expect(output.results).toEqual([
      expect.objectContaining({
        status: 'FAIL',
        resourceType: 'AWS::IAM::Policy',
        resourceId: policyArn('studio'),
        message:
          'Customer managed policy studio allows presigned Studio URLs from 1.0.0.0 (outside the approved ranges) in statement 0 (Sid Open).',
        remediation: `In customer managed policy studio, limit the granting statement with IpAddress aws:SourceIp or add a statement {"Effect":"Deny","Action":"sagemaker:CreatePresignedDomainUrl","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}; then aws iam create-policy-version --policy-arn ${policyArn('studio')} --policy-document file://policy.json --set-as-default.`,
      }),
    ]);
    expect(output.evaluated).toEqual({ policies: 1 });
  });

  it('passes an inline policy whose own Deny limits the grant to the approved ranges', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      UserDetailList: [
        user('alice', { inline: { studio: doc(allowDomainUrl, { ...guardrail(), Action: DOMAIN_ACTION }) } }),
      ],
    };
    // Act
    const [result] = check(contextOf(iam)).results;
    // Assess
    expect(result).toMatchObject({
      status: 'PASS',
      resourceId: `arn:aws:iam::${ACCOUNT}:user/alice/inline/studio`,
      message:
        'Inline policy studio of user alice allows presigned Studio URLs only from 203.0.113.0/24, 2001:db8::/32.',
    });
  });

  it('gives no result for a policy that grants only the notebook action', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      Policies: [managedPolicy('notebooks', doc({ Effect: 'Allow', Action: ACTION, Resource: '*' }))],
    };
    // Act
    const output = check(contextOf(iam));
    // Assess
    expect(output.results).toEqual([]);
    expect(output.evaluated).toEqual({ policies: 1 });
  });

  it('gives ERROR, never PASS, for a policy document that does not parse', () => {
    // Prepare
    const iam: IamAuthorizationDetails = { Policies: [managedPolicy('broken', '{"Statement": [')] };
    // Act
    const [result] = check(contextOf(iam)).results;
    // Assess
    expect(result?.status).toBe('ERROR');
    expect(result?.message).toMatch(/^Could not judge customer managed policy broken: /);
  });

  it('gives one ERROR when the iam section is missing', () => {
    // Act
    const { results } = check(contextOf(undefined));
    // Assess
    expect(results).toEqual([expect.objectContaining({ status: 'ERROR', resourceId: `${ACCOUNT}/iam` })]);
  });

  it('lists the Identity Center domains in the evidence', () => {
    // Prepare
    const iam: IamAuthorizationDetails = { Policies: [managedPolicy('studio', doc(allowDomainUrl))] };
    const inventory = inventoryOf(iam, {
      regions: [
        {
          region: 'us-east-1',
          endpointServices: ['com.amazonaws.us-east-1.sagemaker.api'],
          sagemakerDomains: [{ DomainId: 'd-sso1', DomainName: 'portal', AuthMode: 'SSO' }],
        },
      ],
    });
    // Act
    const [result] = check({
      inventory,
      config: { allowedSourceCidrs: APPROVED, skipDefaultVpcs: false },
    }).results;
    // Assess
    expect(result?.status).toBe('FAIL');
    expect(result?.message).toMatch(
      / Studio domain d-sso1 \(us-east-1\) signs in through IAM Identity Center, which this IAM restriction does not govern\.$/,
    );
    expect(result?.evidence.identityCenterDomains).toEqual(
      expect.objectContaining({
        domains: [{ domainId: 'd-sso1', domainName: 'portal', region: 'us-east-1' }],
      }),
    );
  });
});
