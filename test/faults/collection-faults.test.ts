import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { IAMServiceException } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import {
  accessDenied,
  afterMarker,
  afterToken,
  awsError,
  failFirst,
  networkError,
  throttlingError,
  timeoutError,
} from '../support/aws-faults.ts';
import {
  EC2_RULE_IDS,
  type Fault,
  type Faults,
  IAM_RULE_IDS,
  OPT_IN_REGION,
  REGIONS,
  scanWorld,
  untouched,
  verdicts,
} from './world.ts';

const MAX_ATTEMPTS = 4;
/** Fails the test instead of hanging it when a collector follows a token loop without end. */
const RUNAWAY_PAGES = 50;

const forever = (makeError: () => Error, when?: (input: Record<string, unknown>) => boolean): Fault => {
  return (healthy) => failFirst(Number.POSITIVE_INFINITY, makeError, healthy, when);
};

/** The fault-free run every faulty run is compared with. */
let baseline: Report;

beforeAll(async () => {
  ({ report: baseline } = await scanWorld({}, MAX_ATTEMPTS));
});

describe('throttling bursts that the retries ride out', () => {
  it('reports exactly the fault-free results (ids, statuses, messages) after RequestLimitExceeded on page 2 of every EC2 listing and Throttling on page 2 of the IAM details', async () => {
    // Prepare
    const burst = (makeError: () => Error, when: (input: Record<string, unknown>) => boolean): Fault => {
      return (healthy) => failFirst(MAX_ATTEMPTS - 1, makeError, healthy, when);
    };
    const ec2Burst = burst(() => throttlingError(EC2ServiceException), afterToken('page-1'));
    const faults: Faults = {
      ec2: Object.fromEntries(
        REGIONS.map((region) => [region, { DescribeVpcs: ec2Burst, DescribeVpcEndpoints: ec2Burst }]),
      ),
      iam: {
        GetAccountAuthorizationDetails: burst(
          () => throttlingError(IAMServiceException, 'Throttling', 400),
          afterMarker('marker-1'),
        ),
      },
    };

    // Act
    const { report, logs } = await scanWorld(faults, MAX_ATTEMPTS);

    // Assess
    expect(verdicts(report.results)).toEqual(verdicts(baseline.results));
    expect(report.summary).toEqual(baseline.summary);
    expect(report.complete).toBe(true);
    expect(report.summary.error).toBe(0);
    // Every page was read, the throttled ones after three refusals each; retries are not counted as calls.
    for (const region of REGIONS) {
      expect(logs.ec2[region]?.count('DescribeVpcs')).toBe(3 + (MAX_ATTEMPTS - 1));
      expect(logs.ec2[region]?.count('DescribeVpcEndpoints')).toBe(3 + (MAX_ATTEMPTS - 1));
    }
    expect(logs.iam.count('GetAccountAuthorizationDetails')).toBe(4 + (MAX_ATTEMPTS - 1));
    expect(report.stats.apiCalls).toEqual(baseline.stats.apiCalls);
  });
});

interface FailureCase {
  what: string;
  faults: Faults;
  /** The AWS (or Node) error code the ERROR results quote. */
  code: string;
  /** Where ERROR replaces every verdict: regions (`global` for IAM) and rules. */
  regions: readonly string[];
  rules: readonly string[];
  /** ERROR results expected in that scope. */
  errors: number;
  /** Attempts of the failing operation that the fake served, retries included. */
  attempts?: { region: string; operation: string; count: number };
}

const failures: FailureCase[] = [
  {
    what: 'EC2 throttling that outlasts the retries on page 2 of DescribeVpcs',
    faults: {
      ec2: {
        'us-east-1': {
          DescribeVpcs: forever(() => throttlingError(EC2ServiceException), afterToken('page-1')),
        },
      },
    },
    code: 'RequestLimitExceeded',
    regions: ['us-east-1'],
    rules: EC2_RULE_IDS,
    errors: 2,
    attempts: { region: 'us-east-1', operation: 'DescribeVpcs', count: 1 + MAX_ATTEMPTS },
  },
  {
    what: 'EC2 access denied (UnauthorizedOperation) on DescribeVpcEndpoints',
    faults: {
      ec2: { 'us-east-1': { DescribeVpcEndpoints: forever(() => accessDenied(EC2ServiceException)) } },
    },
    code: 'UnauthorizedOperation',
    regions: ['us-east-1'],
    rules: EC2_RULE_IDS,
    errors: 2,
    attempts: { region: 'us-east-1', operation: 'DescribeVpcEndpoints', count: 1 },
  },
  {
    what: 'an opt-in region that is not enabled (AuthFailure on every call there)',
    faults: {
      ec2: {
        [OPT_IN_REGION]: Object.fromEntries(
          ['DescribeVpcEndpointServices', 'DescribeVpcs', 'DescribeVpcEndpoints'].map((operation) => [
            operation,
            forever(() =>
              awsError(
                EC2ServiceException,
                'AuthFailure',
                401,
                'AWS was not able to validate the provided access credentials',
              ),
            ),
          ]),
        ),
      },
    },
    code: 'AuthFailure',
    regions: [OPT_IN_REGION],
    rules: EC2_RULE_IDS,
    errors: 2,
  },
  {
    what: 'a connection reset (ECONNRESET) on every DescribeVpcs attempt',
    faults: { ec2: { 'us-east-1': { DescribeVpcs: forever(() => networkError('ECONNRESET')) } } },
    code: 'ECONNRESET',
    regions: ['us-east-1'],
    rules: EC2_RULE_IDS,
    errors: 2,
    attempts: { region: 'us-east-1', operation: 'DescribeVpcs', count: MAX_ATTEMPTS },
  },
  {
    what: 'a request timeout (TimeoutError) on every DescribeVpcAttribute attempt',
    faults: { ec2: { 'eu-west-1': { DescribeVpcAttribute: forever(timeoutError) } } },
    code: 'TimeoutError',
    regions: ['eu-west-1'],
    rules: ['vpc-sagemaker-private-dns'],
    errors: 1,
  },
  {
    what: 'an EC2 server error (InternalError, HTTP 500) on DescribeVpcEndpointServices',
    faults: {
      ec2: {
        'us-east-1': {
          DescribeVpcEndpointServices: forever(() =>
            awsError(EC2ServiceException, 'InternalError', 500, 'An internal error has occurred'),
          ),
        },
      },
    },
    code: 'InternalError',
    regions: ['us-east-1'],
    rules: EC2_RULE_IDS,
    errors: 2,
    attempts: { region: 'us-east-1', operation: 'DescribeVpcEndpointServices', count: MAX_ATTEMPTS },
  },
  {
    what: 'IAM access denied (AccessDenied) on GetAccountAuthorizationDetails',
    faults: {
      iam: {
        GetAccountAuthorizationDetails: forever(() =>
          awsError(
            IAMServiceException,
            'AccessDenied',
            403,
            'User: arn:aws:sts::111122223333:assumed-role/scanner/session is not authorized to perform: iam:GetAccountAuthorizationDetails',
          ),
        ),
      },
    },
    code: 'AccessDenied',
    regions: ['global'],
    rules: IAM_RULE_IDS,
    errors: 2,
  },
  {
    what: 'IAM unavailable (ServiceUnavailable, HTTP 503) on page 3 of GetAccountAuthorizationDetails',
    faults: {
      iam: {
        GetAccountAuthorizationDetails: forever(
          () => awsError(IAMServiceException, 'ServiceUnavailable', 503, 'Service is unavailable'),
          afterMarker('marker-2'),
        ),
      },
    },
    code: 'ServiceUnavailable',
    regions: ['global'],
    rules: IAM_RULE_IDS,
    errors: 2,
  },
  {
    what: 'IAM throttling (Throttling) that outlasts the retries on page 2',
    faults: {
      iam: {
        GetAccountAuthorizationDetails: forever(
          () => throttlingError(IAMServiceException, 'Throttling', 400),
          afterMarker('marker-1'),
        ),
      },
    },
    code: 'Throttling',
    regions: ['global'],
    rules: IAM_RULE_IDS,
    errors: 2,
  },
];

describe('failures that outlast the retries', () => {
  it.each(failures)(
    '$what: the affected rules there are ERROR quoting $code, every other result is as without the fault',
    async (failure) => {
      // Prepare
      const scope = { regions: failure.regions, rules: failure.rules };

      // Act
      const { report, logs } = await scanWorld(failure.faults, MAX_ATTEMPTS);

      // Assess
      const affected = report.results.filter((result) => !untouched([result], scope).length);
      expect(affected).toHaveLength(failure.errors);
      for (const result of affected) {
        expect(result.status).toBe('ERROR');
        expect(result.message).toMatch(/^Could not judge /);
        expect(result.message).toContain(failure.code);
      }
      expect(verdicts(untouched(report.results, scope))).toEqual(
        verdicts(untouched(baseline.results, scope)),
      );
      expect(report.summary.error).toBe(failure.errors);
      expect(report.summary.pass).toBeLessThan(baseline.summary.pass);
      if (failure.attempts) {
        const { region, operation, count } = failure.attempts;
        expect(logs.ec2[region]?.count(operation)).toBe(count);
      }
    },
  );
});

describe('pages that do not chain up', () => {
  it('turns a NextToken whose next page fails (InvalidPaginationToken) into ERROR for the region, never a PASS on the first page', async () => {
    // Prepare
    const faults: Faults = {
      ec2: {
        'eu-west-1': {
          DescribeVpcEndpoints: forever(
            () => awsError(EC2ServiceException, 'InvalidPaginationToken', 400, 'The token page-1 is invalid'),
            afterToken('page-1'),
          ),
        },
      },
    };

    // Act
    const { report } = await scanWorld(faults, MAX_ATTEMPTS);

    // Assess
    const inRegion = report.results.filter(
      (result) => result.region === 'eu-west-1' && result.ruleId.startsWith('vpc-'),
    );
    expect(inRegion.map((result) => [result.ruleId, result.resourceId, result.status])).toEqual([
      ['vpc-sagemaker-endpoints', 'eu-west-1', 'ERROR'],
      ['vpc-sagemaker-private-dns', 'eu-west-1', 'ERROR'],
    ]);
    expect(inRegion[0]?.message).toContain('vpcEndpoints (InvalidPaginationToken');
  });

  it('turns a DescribeVpcs NextToken that comes back again into ERROR (InconsistentPagination) instead of looping or passing on part of the VPCs', async () => {
    // Prepare
    const faults: Faults = {
      ec2: {
        'us-east-1': {
          DescribeVpcs: (healthy) => (input, attempt) => {
            if (attempt > RUNAWAY_PAGES)
              throw new Error('the collector followed a repeated NextToken forever');
            const page = healthy(input, attempt) as Record<string, unknown>;
            return input.NextToken === 'page-1' ? { ...page, NextToken: 'page-1' } : page;
          },
        },
      },
    };

    // Act
    const { report, logs } = await scanWorld(faults, MAX_ATTEMPTS);

    // Assess
    const inRegion = report.results.filter((result) => result.region === 'us-east-1');
    expect(inRegion.map((result) => [result.ruleId, result.status])).toEqual([
      ['vpc-sagemaker-endpoints', 'ERROR'],
      ['vpc-sagemaker-private-dns', 'ERROR'],
    ]);
    expect(inRegion[0]?.message).toContain(
      'vpcs (InconsistentPagination: DescribeVpcs returned the continuation token page-1 twice)',
    );
    expect(logs.ec2['us-east-1']?.count('DescribeVpcs')).toBe(2);
    const scope = { regions: ['us-east-1'], rules: EC2_RULE_IDS };
    expect(verdicts(untouched(report.results, scope))).toEqual(verdicts(untouched(baseline.results, scope)));
  });

  it('turns IAM pages that cycle back to an earlier Marker into ERROR for the IAM rules', async () => {
    // Prepare
    const faults: Faults = {
      iam: {
        GetAccountAuthorizationDetails: (healthy) => (input, attempt) => {
          if (attempt > RUNAWAY_PAGES) throw new Error('the collector followed a Marker cycle forever');
          const page = healthy(input, attempt) as Record<string, unknown>;
          return input.Marker === 'marker-2' ? { ...page, IsTruncated: true, Marker: 'marker-1' } : page;
        },
      },
    };

    // Act
    const { report } = await scanWorld(faults, MAX_ATTEMPTS);

    // Assess
    const iam = report.results.filter((result) => IAM_RULE_IDS.includes(result.ruleId));
    expect(iam.map((result) => [result.ruleId, result.status])).toEqual([
      ['iam-policy-presigned-url-source-ip', 'ERROR'],
      ['iam-principal-presigned-url-source-ip', 'ERROR'],
    ]);
    expect(iam[0]?.message).toContain(
      'InconsistentPagination: GetAccountAuthorizationDetails returned the continuation token marker-1 twice',
    );
  });

  it('turns an IAM page marked IsTruncated without a Marker into ERROR, not a verdict on the principals read so far', async () => {
    // Prepare
    const faults: Faults = {
      iam: {
        GetAccountAuthorizationDetails: (healthy) => (input, attempt) => {
          const page = healthy(input, attempt) as Record<string, unknown>;
          if (input.Marker !== 'marker-1') return page;
          const { Marker: _dropped, ...truncated } = page;
          return truncated;
        },
      },
    };

    // Act
    const { report } = await scanWorld(faults, MAX_ATTEMPTS);

    // Assess
    const iam = report.results.filter((result) => IAM_RULE_IDS.includes(result.ruleId));
    expect(iam.map((result) => result.status)).toEqual(['ERROR', 'ERROR']);
    expect(iam[0]?.message).toContain(
      'InconsistentPagination: GetAccountAuthorizationDetails returned a truncated page without a Marker',
    );
  });
});

describe('a page served again under a new continuation token', () => {
  /** The answer to page 2's request is page 1 again, pointing on to page 3: same items, new token. */
  const repeatFirstPage =
    (tokenKey: 'NextToken' | 'Marker', second: string, third: string): Fault =>
    (healthy) =>
    (input, attempt) => {
      if (input[tokenKey] !== second) return healthy(input, attempt);
      const { [tokenKey]: _second, ...first } = input;
      return { ...(healthy(first, attempt) as Record<string, unknown>), [tokenKey]: third };
    };

  it.each([
    {
      operation: 'DescribeVpcs',
      faults: { ec2: { 'us-east-1': { DescribeVpcs: repeatFirstPage('NextToken', 'page-1', 'page-2') } } },
      rules: EC2_RULE_IDS,
      regions: ['us-east-1'],
      repeated: 'vpc-01000000000000001',
    },
    {
      operation: 'DescribeVpcEndpoints',
      faults: {
        ec2: { 'us-east-1': { DescribeVpcEndpoints: repeatFirstPage('NextToken', 'page-1', 'page-2') } },
      },
      rules: EC2_RULE_IDS,
      regions: ['us-east-1'],
      repeated: 'vpce-01000000000000001a',
    },
    {
      operation: 'GetAccountAuthorizationDetails',
      faults: {
        iam: { GetAccountAuthorizationDetails: repeatFirstPage('Marker', 'marker-1', 'marker-2') },
      },
      rules: IAM_RULE_IDS,
      regions: ['global'],
      repeated: 'arn:aws:iam::111122223333:user/alice',
    },
  ])(
    '$operation: ERROR (InconsistentPagination) naming the resource listed twice, never duplicate results',
    async ({ operation, faults, rules, regions, repeated }) => {
      // Act
      const { report } = await scanWorld(faults as Faults, MAX_ATTEMPTS);

      // Assess
      const scope = { regions, rules };
      const affected = report.results.filter((result) => !untouched([result], scope).length);
      expect(affected.map((result) => [result.ruleId, result.status])).toEqual(
        rules.map((ruleId) => [ruleId, 'ERROR']),
      );
      expect(affected[0]?.message).toContain(
        `InconsistentPagination: ${operation} listed ${repeated} twice (a page repeated under a new continuation token?)`,
      );
      expect(verdicts(untouched(report.results, scope))).toEqual(
        verdicts(untouched(baseline.results, scope)),
      );
      const ids = report.results.map((result) => result.id);
      expect(new Set(ids).size).toBe(ids.length);
    },
  );
});
