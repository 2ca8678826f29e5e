import { describe, expect, it } from 'vitest';
import { permissionsFor } from '../../src/collect/sections/index.ts';
import type {
  AccountOrganization,
  IamAuthorizationDetails,
  RegionInventory,
  ScpLevel,
} from '../../src/model/inventory.ts';
import type { ResultDraft } from '../../src/model/result.ts';
import { check, meta } from '../../src/rules/iam-principal-presigned-domain-url-source-ip.ts';
import { check as checkNotebookUrls } from '../../src/rules/iam-principal-presigned-url-source-ip.ts';
import type { RuleContext } from '../../src/rules/types.ts';
import {
  ACCOUNT,
  APPROVED,
  contextOf,
  DOMAIN_ACTION,
  doc,
  guardrail,
  inventoryOf,
  role,
  type Statement,
  userWith,
} from '../iam/builders.ts';

const PROFILES = `arn:aws:sagemaker:*:${ACCOUNT}:user-profile`;
const allowDomainUrl = (extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Action: DOMAIN_ACTION,
  Resource: '*',
  ...extra,
});
const domainGuardrail: Statement = { ...guardrail(), Action: DOMAIN_ACTION };

function only(context: RuleContext): ResultDraft {
  const { results } = check(context);
  expect(results).toHaveLength(1);
  return results[0] as ResultDraft;
}

function withRegions(iam: IamAuthorizationDetails, regions: RegionInventory[]): RuleContext {
  return {
    inventory: inventoryOf(iam, { regions }),
    config: { allowedSourceCidrs: APPROVED, skipDefaultVpcs: false },
  };
}

const SERVICES = ['com.amazonaws.eu-west-1.sagemaker.api'];

describe('iam-principal-presigned-domain-url-source-ip', () => {
  it('fails a user who can create presigned Studio URLs from any address, naming the statement and the fix', () => {
    // Act
    const result = only(contextOf(userWith(doc(allowDomainUrl()))));
    // Assess
    expect(result).toMatchObject({
      status: 'FAIL',
      resourceType: 'AWS::IAM::User',
      resourceId: `arn:aws:iam::${ACCOUNT}:user/alice`,
      message:
        'User alice can create presigned Studio URLs from 1.0.0.0 (outside the approved ranges) through policy p0 (inline), statement 0.',
      remediation: `For user alice, add a statement {"Effect":"Deny","Action":"sagemaker:CreatePresignedDomainUrl","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}} (aws iam put-user-policy --user-name alice --policy-name deny-presigned-domain-url-outside-approved-networks --policy-document file://deny.json), or remove the grant.`,
    });
    expect(result.evidence).toMatchObject({
      action: 'sagemaker:CreatePresignedDomainUrl',
      offendingAddress: '1.0.0.0',
    });
  });

  it('passes a user whose Deny limits presigned Studio URLs to the approved ranges', () => {
    // Act
    const result = only(contextOf(userWith(doc(allowDomainUrl(), domainGuardrail))));
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.message).toBe(
      'User alice can create presigned Studio URLs only from 203.0.113.0/24, 2001:db8::/32.',
    );
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        applied: true,
        reason: 'it applies at 1.0.0.0 and covers the Studio user profiles granted',
      }),
    ]);
  });

  it('fails where only the notebook action is guarded: that Deny does not restrict Studio URLs', () => {
    // Prepare
    const iam = userWith(doc({ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }, guardrail()));
    // Act
    const domain = only(contextOf(iam));
    const [notebook] = checkNotebookUrls(contextOf(iam)).results;
    // Assess
    expect(domain.status).toBe('FAIL');
    expect(domain.evidence.deniesConsidered).toEqual([]);
    expect(notebook?.status).toBe('PASS');
  });

  it('passes an Allow limited to one domain from an approved range, and judges user-profile ARNs segment by segment', () => {
    // Prepare
    const iam = userWith(
      doc(
        allowDomainUrl({
          Resource: `${PROFILES}/d-abc123/*`,
          Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
        }),
        allowDomainUrl({ Resource: `${PROFILES}/d-other/*` }),
        { ...domainGuardrail, Resource: `${PROFILES}/d-other/*` },
      ),
    );
    // Act
    const result = only(contextOf(iam));
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.message).toBe(
      'User alice can create presigned Studio URLs only from 203.0.113.0/24, 2001:db8::/32.',
    );
  });

  it('fails a Deny on one domain beside an Allow on every profile, naming the profiles left out', () => {
    // Prepare
    const iam = userWith(doc(allowDomainUrl(), { ...domainGuardrail, Resource: `${PROFILES}/d-prod/*` }));
    // Act
    const result = only(contextOf(iam));
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        applied: false,
        reason: `it applies at 1.0.0.0 but does not cover all the Studio user profiles granted (${PROFILES}/*/*)`,
      }),
    ]);
  });

  it.each([
    ['notebook instances only', `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/*`],
    ['apps only', `arn:aws:sagemaker:*:${ACCOUNT}:app/*`],
    ['another account’s profiles', 'arn:aws:sagemaker:*:444455556666:user-profile/*'],
    ['a name with more slashes than a profile ARN', `${PROFILES}/d-1/alice/extra`],
  ])('gives no result for a principal whose Allow reaches %s', (_name, resource) => {
    // Act
    const output = check(contextOf(userWith(doc(allowDomainUrl({ Resource: resource })))));
    // Assess
    expect(output.results).toEqual([]);
    expect(output.evaluated).toEqual({ principals: 1 });
  });

  it('gives ERROR, never PASS, for a document that does not parse', () => {
    // Act
    const result = only(contextOf(userWith('{"Statement": [')));
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toMatch(/^Could not judge user alice: policy p0 \(inline\): /);
  });

  it('gives one ERROR when the iam section is missing', () => {
    // Act
    const result = only(contextOf(undefined));
    // Assess
    expect(result).toMatchObject({ status: 'ERROR', resourceId: `${ACCOUNT}/iam` });
  });

  it('skips service-linked roles', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [
        role('AWSServiceRoleForX', { path: '/aws-service-role/', inline: { p: doc(allowDomainUrl()) } }),
      ],
    };
    // Act
    const output = check(contextOf(iam));
    // Assess
    expect(output.results).toEqual([]);
    expect(output.skipped).toEqual([
      expect.objectContaining({
        resourceId: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/AWSServiceRoleForX`,
      }),
    ]);
  });

  it('says in the evidence and message that Identity Center domains sign in through the portal, which the verdict does not govern', () => {
    // Prepare
    const context = withRegions(userWith(doc(allowDomainUrl(), domainGuardrail)), [
      {
        region: 'eu-west-1',
        endpointServices: SERVICES,
        sagemakerDomains: [
          { DomainId: 'd-sso1', DomainName: 'portal', AuthMode: 'SSO' },
          { DomainId: 'd-iam1', DomainName: 'iam', AuthMode: 'IAM' },
        ],
      },
    ]);
    // Act
    const result = only(context);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.message).toBe(
      'User alice can create presigned Studio URLs only from 203.0.113.0/24, 2001:db8::/32. Studio domain d-sso1 (eu-west-1) signs in through IAM Identity Center, which this IAM restriction does not govern.',
    );
    expect(result.evidence.identityCenterDomains).toEqual({
      domains: [{ domainId: 'd-sso1', domainName: 'portal', region: 'eu-west-1' }],
      note: 'CreatePresignedDomainUrl can only be called for domains in IAM auth mode: the IAM restriction on it does not govern sign-in through the IAM Identity Center portal, which opens these domains whatever this verdict says.',
    });
    expect(result.evidence.studioDomainsNotRead).toBeUndefined();
  });

  it('adds nothing when every domain is in IAM auth mode or SageMaker is not offered in a region', () => {
    // Prepare
    const context = withRegions(userWith(doc(allowDomainUrl())), [
      {
        region: 'eu-west-1',
        endpointServices: SERVICES,
        sagemakerDomains: [{ DomainId: 'd-iam1', AuthMode: 'IAM' }],
      },
      { region: 'me-central-1', endpointServices: [] },
    ]);
    // Act
    const result = only(context);
    // Assess
    expect(result.evidence.identityCenterDomains).toBeUndefined();
    expect(result.evidence.studioDomainsNotRead).toBeUndefined();
  });

  it('records the regions whose domains could not be read, quoting why', () => {
    // Prepare
    const context = withRegions(userWith(doc(allowDomainUrl())), [
      {
        region: 'eu-west-1',
        endpointServices: SERVICES,
        sections: ['sagemakerDomains'],
        collectionErrors: [{ section: 'sagemakerDomains', code: 'AccessDeniedException', message: 'no' }],
      },
    ]);
    // Act
    const result = only(context);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.studioDomainsNotRead).toEqual([
      {
        region: 'eu-west-1',
        reason: 'sagemakerDomains (AccessDeniedException: no), which could not be read',
      },
    ]);
  });

  it('declares the domain listing it reads beside the IAM data', () => {
    // Assess
    expect(meta.needs).toEqual(['iam', 'endpointServices', 'sagemakerDomains', 'organization']);
    expect(permissionsFor(meta.needs)).toEqual([
      'iam:GetAccountAuthorizationDetails',
      'ec2:DescribeVpcEndpointServices',
      'sagemaker:ListDomains',
      'sagemaker:DescribeDomain',
      'organizations:DescribeOrganization',
      'organizations:DescribePolicy',
      'organizations:ListParents',
      'organizations:ListPoliciesForTarget',
      'organizations:ListRoots',
    ]);
  });

  describe('with the service control policies of its Organization', () => {
    const level = (type: ScpLevel['type'], id: string, extra: Statement[] = []): ScpLevel => ({
      type,
      id,
      policies: [
        {
          id: 'p-FullAWSAccess',
          name: 'FullAWSAccess',
          awsManaged: true,
          content: JSON.stringify(doc({ Effect: 'Allow', Action: '*', Resource: '*' })),
        },
        ...(extra.length > 0
          ? [{ id: 'p-studiooutside1', name: 'studio-outside', content: JSON.stringify(doc(...extra)) }]
          : []),
      ],
    });
    const organization = (ouStatements: Statement[] = []): AccountOrganization => ({
      membership: 'member',
      organizationId: 'o-a1b2c3d4e5',
      managementAccountId: '999988887777',
      scpsEnabled: true,
      scpPath: [
        level('ROOT', 'r-ab12'),
        level('ORGANIZATIONAL_UNIT', 'ou-ab12-cd34ef56', ouStatements),
        level('ACCOUNT', ACCOUNT),
      ],
    });
    const judged = (org: AccountOrganization) =>
      only({
        inventory: inventoryOf(userWith(doc(allowDomainUrl())), { organization: org }),
        config: { allowedSourceCidrs: APPROVED, skipDefaultVpcs: false },
      });

    it('passes a principal whose CreatePresignedDomainUrl an SCP blocks outside the approved ranges, naming the SCP', () => {
      // Act
      const result = judged(organization([{ ...domainGuardrail, Sid: 'StudioOnlyFromOffice' }]));

      // Assess
      expect(result.status).toBe('PASS');
      expect(result.message).toBe(
        'User alice can create presigned Studio URLs only from 203.0.113.0/24, 2001:db8::/32 (the service control policies refuse it from elsewhere: policy studio-outside (service control policy at OU ou-ab12-cd34ef56), statement 0 (Sid StudioOnlyFromOffice)).',
      );
      expect(result.evidence).toMatchObject({ scpsEvaluated: true });
    });

    it('fails the same principal when the SCPs guard only presigned notebook URLs', () => {
      // Act
      const result = judged(organization([{ ...guardrail(), Sid: 'NotebooksOnlyFromOffice' }]));

      // Assess
      expect(result).toMatchObject({ status: 'FAIL', evidence: { scpsEvaluated: true } });
    });
  });
});
