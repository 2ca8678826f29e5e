import type { Report } from '../../src/model/report.ts';
import type { Result, Status } from '../../src/model/result.ts';

/** A result of the endpoints rule, with the fields a formatter shows. */
export function result(
  status: Status,
  resourceId: string,
  message: string,
  extra: Partial<Result> = {},
): Result {
  return {
    id: `${resourceId}-id`,
    ruleId: 'vpc-sagemaker-endpoints',
    status,
    severity: 'high',
    accountId: '111122223333',
    region: 'eu-west-1',
    resourceType: 'AWS::EC2::VPC',
    resourceId,
    title: 'VPC has available interface endpoints',
    message,
    remediation: `fix ${resourceId}`,
    evidence: {},
    ...extra,
  };
}

/** A report holding `results`, its summary counted from them. */
export function report(results: Result[], extra: Partial<Report> = {}): Report {
  const count = (status: Status) => results.filter((item) => item.status === status).length;
  const counts = { pass: count('PASS'), fail: count('FAIL'), error: count('ERROR') };
  return {
    schemaVersion: 1,
    tool: { name: 'sagemaker-compliance-scanner', version: '0.1.0' },
    scanId: 'scan-1',
    startedAt: '2026-03-01T02:00:00.000Z',
    finishedAt: '2026-03-01T02:00:01.000Z',
    complete: true,
    scope: {
      accounts: ['111122223333'],
      regions: ['eu-west-1'],
      rules: ['vpc-sagemaker-endpoints'],
      skipped: [],
    },
    summary: {
      ...counts,
      byRule: { 'vpc-sagemaker-endpoints': counts },
      bySeverity: { high: counts },
      evaluated: {},
      muted: 0,
    },
    results,
    stats: { apiCalls: {} },
    ...extra,
  };
}
