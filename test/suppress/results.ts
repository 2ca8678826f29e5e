import { type Result, resultId, type Status } from '../../src/model/result.ts';

/** A complete result for the change-tracking tests; only what the test cares about varies. */
export function aResult(overrides: Partial<Result> & { status: Status; resourceId: string }): Result {
  const ruleId = overrides.ruleId ?? 'vpc-sagemaker-endpoints';
  const accountId = overrides.accountId ?? '111122223333';
  const region = overrides.region ?? 'eu-west-1';
  return {
    id: resultId(ruleId, accountId, region, overrides.resourceId),
    ruleId,
    severity: 'high',
    title: 'VPC has available interface endpoints for sagemaker.api and sagemaker.runtime',
    accountId,
    region,
    resourceType: 'AWS::EC2::VPC',
    message: `${overrides.resourceId} is ${overrides.status}`,
    remediation: 'fix it',
    evidence: {},
    ...overrides,
  };
}
