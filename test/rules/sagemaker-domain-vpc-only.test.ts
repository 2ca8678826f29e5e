import { describe, expect, it } from 'vitest';
import type { SageMakerDomain } from '../../src/model/inventory.ts';
import { resultId } from '../../src/model/result.ts';
import { rule } from '../../src/rules/sagemaker-domain-vpc-only.ts';
import { ACCOUNT_ID, domain, inventory, region, runRule } from '../support/inventory.ts';

const REGION = 'eu-west-1';
const VPC_ID = 'vpc-0studio';

function judgeOne(item: SageMakerDomain) {
  const { results, skipped } = runRule(rule, inventory([region(REGION, { domains: [item] })]));
  expect(skipped).toEqual([]);
  expect(results).toHaveLength(1);
  return results[0];
}

describe('sagemaker-domain-vpc-only', () => {
  it('passes a VpcOnly domain, naming it by name and id', () => {
    // Act
    const result = judgeOne(domain('d-abc123', 'ml-team', VPC_ID, ['subnet-a']));

    // Assess
    expect(result).toMatchObject({
      status: 'PASS',
      id: resultId('sagemaker-domain-vpc-only', ACCOUNT_ID, REGION, 'd-abc123'),
      resourceType: 'AWS::SageMaker::Domain',
      resourceId: 'd-abc123',
      resourceArn: `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:domain/d-abc123`,
      evidence: { domainName: 'ml-team', appNetworkAccessType: 'VpcOnly', vpcId: VPC_ID },
    });
    expect(result?.message).toBe(
      `Studio domain ml-team (d-abc123) is VpcOnly: its traffic goes through VPC ${VPC_ID}.`,
    );
  });

  it.each([
    { case: 'PublicInternetOnly', value: 'PublicInternetOnly', says: 'is PublicInternetOnly' },
    {
      case: 'no AppNetworkAccessType (AWS default)',
      value: undefined,
      says: "AWS's default, PublicInternetOnly",
    },
  ])('fails a domain with $case', ({ value, says }) => {
    // Prepare
    const item = domain('d-abc123', 'ml-team', VPC_ID, ['subnet-a']);
    if (value === undefined) delete item.AppNetworkAccessType;
    else item.AppNetworkAccessType = value as 'PublicInternetOnly';

    // Act
    const result = judgeOne(item);

    // Assess
    expect(result?.status).toBe('FAIL');
    expect(result?.message).toContain('Studio domain ml-team (d-abc123)');
    expect(result?.message).toContain(says);
    expect(result?.remediation).toBe(
      `Once VPC ${VPC_ID} has the endpoints Studio needs without internet (see sagemaker-private-path) and the domain's subnets are private, and while no app of the domain is InService, Pending or Deleting: aws sagemaker update-domain --region eu-west-1 --domain-id d-abc123 --app-network-access-type VpcOnly`,
    );
  });

  it('names a domain without a name by its id', () => {
    // Prepare
    const item = domain('d-abc123', 'unused', VPC_ID, [], { AppNetworkAccessType: 'PublicInternetOnly' });
    delete item.DomainName;

    // Act
    const result = judgeOne(item);

    // Assess
    expect(result?.message).toMatch(/^Studio domain d-abc123 is PublicInternetOnly/);
  });

  it('returns ERROR, not PASS or FAIL, for an AppNetworkAccessType it does not know', () => {
    // Act
    const result = judgeOne(
      domain('d-abc123', 'ml-team', VPC_ID, [], { AppNetworkAccessType: 'Hybrid' as 'VpcOnly' }),
    );

    // Assess
    expect(result?.status).toBe('ERROR');
    expect(result?.message).toContain('"Hybrid", neither VpcOnly nor PublicInternetOnly');
  });

  it.each(['Deleting', 'Failed'])('lists a domain in state %s under scope.skipped', (state) => {
    // Prepare
    const items = [
      domain('d-gone', 'old', VPC_ID, [], {
        Status: state as 'Failed',
        AppNetworkAccessType: 'PublicInternetOnly',
      }),
      domain('d-abc123', 'ml-team', VPC_ID, []),
    ];

    // Act
    const { results, skipped } = runRule(rule, inventory([region(REGION, { domains: items })]));

    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([['d-abc123', 'PASS']]);
    expect(skipped).toEqual([
      {
        ruleId: 'sagemaker-domain-vpc-only',
        accountId: ACCOUNT_ID,
        region: REGION,
        resourceId: 'd-gone',
        reason: `Studio domain old (d-gone) is ${state}: not judged`,
      },
    ]);
  });

  it('judges a domain whose update failed: it still exists', () => {
    // Act
    const result = judgeOne(
      domain('d-abc123', 'ml-team', VPC_ID, [], {
        Status: 'Update_Failed',
        AppNetworkAccessType: 'PublicInternetOnly',
      }),
    );

    // Assess
    expect(result?.status).toBe('FAIL');
  });

  it('returns ERROR for a region whose domains could not be read or were not collected', () => {
    // Prepare
    const unreadable = {
      ...region('eu-west-1'),
      collectionErrors: [
        { section: 'sagemakerDomains' as const, code: 'AccessDeniedException', message: 'denied' },
      ],
    };
    const notCollected = { ...region('us-east-1'), sections: [] };

    // Act
    const { results } = runRule(rule, inventory([unreadable, notCollected]));

    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([
      ['eu-west-1', 'ERROR'],
      ['us-east-1', 'ERROR'],
    ]);
    expect(results[0]?.message).toContain(
      'sagemakerDomains (AccessDeniedException: denied), which could not be read',
    );
    expect(results[1]?.message).toContain(
      'sagemakerDomains, not collected: the snapshot was taken for other rules (it holds no region sections)',
    );
  });
});

describe('sagemaker-domain-vpc-only where SageMaker is not offered', () => {
  it('judges nothing and lists the region as skipped, although the SageMaker sections were not read', () => {
    // Prepare
    const unoffered = region(REGION, { services: [] });

    // Act
    const { results, skipped } = runRule(rule, inventory([unoffered]));

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([
      {
        ruleId: 'sagemaker-domain-vpc-only',
        accountId: ACCOUNT_ID,
        region: REGION,
        reason:
          'com.amazonaws.eu-west-1.sagemaker.api is not offered in eu-west-1 (DescribeVpcEndpointServices does not list it)',
      },
    ]);
  });

  it('is ERROR when the endpoint services could not be read, naming them', () => {
    // Prepare
    const unread = {
      ...region(REGION, { notebooks: [], domains: [], subnets: [] }),
      endpointServices: undefined,
    };

    // Act
    const { results } = runRule(rule, inventory([unread]));

    // Assess
    expect(results.map((result) => result.status)).toEqual(['ERROR']);
    expect(results[0]?.message).toContain('missing endpointServices, not collected');
  });
});
