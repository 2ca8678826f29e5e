import { describe, expect, it } from 'vitest';
import { nameResults } from '../../src/engine/names.ts';
import type { Result } from '../../src/model/result.ts';
import { ACCOUNT_ID, domain, endpoint, inventory, region, vpc } from '../support/inventory.ts';
import { result } from '../support/report.ts';

const world = inventory([
  region('eu-west-1', {
    vpcs: [
      vpc('vpc-named', { Tags: [{ Key: 'Name', Value: 'ml-prod' }] }),
      vpc('vpc-default', { IsDefault: true }),
      vpc('vpc-blank', {
        Tags: [
          { Key: 'Name', Value: '  ' },
          { Key: 'team', Value: 'x' },
        ],
      }),
    ],
    endpoints: [
      endpoint('vpce-named', 'vpc-named', 'sagemaker.api', { Tags: [{ Key: 'Name', Value: 'api' }] }),
    ],
    domains: [domain('d-1', 'ml-platform', 'vpc-named', [])],
  }),
  region('us-east-1', { vpcs: [vpc('vpc-named', { Tags: [{ Key: 'Name', Value: 'other-region' }] })] }),
]);

function named(...results: Result[]): Pick<Result, 'resourceId' | 'resourceName' | 'defaultVpc'>[] {
  return nameResults(world, results).map(({ resourceId, resourceName, defaultVpc }) => ({
    resourceId,
    ...(resourceName !== undefined ? { resourceName } : {}),
    ...(defaultVpc ? { defaultVpc } : {}),
  }));
}

describe('nameResults', () => {
  it('names a VPC and an endpoint by their Name tag, in their own region', () => {
    // Act
    const names = named(
      result('FAIL', 'vpc-named', 'm'),
      result('FAIL', 'vpc-named', 'm', { region: 'us-east-1' }),
      result('FAIL', 'vpce-named', 'm', { resourceType: 'AWS::EC2::VPCEndpoint' }),
    );

    // Assess
    expect(names).toEqual([
      { resourceId: 'vpc-named', resourceName: 'ml-prod' },
      { resourceId: 'vpc-named', resourceName: 'other-region' },
      { resourceId: 'vpce-named', resourceName: 'api' },
    ]);
  });

  it('marks the default VPC, and gives no name where there is no Name tag or only a blank one', () => {
    // Act
    const names = named(result('FAIL', 'vpc-default', 'm'), result('FAIL', 'vpc-blank', 'm'));

    // Assess
    expect(names).toEqual([{ resourceId: 'vpc-default', defaultVpc: true }, { resourceId: 'vpc-blank' }]);
  });

  it('names IAM principals and policies from their ARN, and a Studio domain by its name', () => {
    // Act
    const names = named(
      result('FAIL', `arn:aws:iam::${ACCOUNT_ID}:role/service-role/exec-role`, 'm', {
        region: 'global',
        resourceType: 'AWS::IAM::Role',
      }),
      result('FAIL', `arn:aws:iam::${ACCOUNT_ID}:user/sam/inline/open`, 'm', {
        region: 'global',
        resourceType: 'AWS::IAM::Policy',
      }),
      result('FAIL', 'd-1', 'm', { resourceType: 'AWS::SageMaker::Domain' }),
    );

    // Assess
    expect(names.map((entry) => entry.resourceName)).toEqual(['exec-role', 'open', 'ml-platform']);
  });

  it('does not lend a VPC name to another kind of resource with the same id', () => {
    // Act
    const names = named(
      result('FAIL', 'vpc-named', 'm', { resourceType: 'AWS::SageMaker::NotebookInstance' }),
      result('FAIL', 'vpc-named', 'm', { accountId: '999988887777' }),
    );

    // Assess
    expect(names).toEqual([{ resourceId: 'vpc-named' }, { resourceId: 'vpc-named' }]);
  });
});
