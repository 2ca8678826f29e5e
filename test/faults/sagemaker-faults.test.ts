import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { SageMakerServiceException } from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { accessDenied, afterToken, failFirst, throttlingError } from '../support/aws-faults.ts';
import {
  EC2_RULE_IDS,
  type Fault,
  type Faults,
  REGIONS,
  SAGEMAKER_RULE_IDS,
  scanWorld,
  untouched,
  verdicts,
} from './world.ts';

const MAX_ATTEMPTS = 4;
const RULE_IDS = [...EC2_RULE_IDS, ...SAGEMAKER_RULE_IDS];
const sageMakerThrottling = () => throttlingError(SageMakerServiceException, 'ThrottlingException', 400);

const scan = (faults: Faults = {}) => scanWorld(faults, MAX_ATTEMPTS, RULE_IDS);

let baseline: Report;

beforeAll(async () => {
  ({ report: baseline } = await scan());
});

describe('the fault world with notebooks, domains and subnets', () => {
  it('gives every SageMaker rule PASS and FAIL in every region, and no ERROR', () => {
    // Assess
    expect(baseline.summary.error).toBe(0);
    for (const region of REGIONS) {
      for (const ruleId of SAGEMAKER_RULE_IDS) {
        const statuses = baseline.results
          .filter((result) => result.region === region && result.ruleId === ruleId)
          .map((result) => result.status);
        expect(new Set(statuses)).toEqual(new Set(['PASS', 'FAIL']));
      }
    }
  });

  it('reads each notebook and domain once per region, in pages', () => {
    // Assess
    const calls = baseline.stats.apiCalls;
    expect(calls['sagemaker:ListNotebookInstances']).toBe(2 * REGIONS.length);
    expect(calls['sagemaker:DescribeNotebookInstance']).toBe(3 * REGIONS.length);
    expect(calls['sagemaker:ListDomains']).toBe(2 * REGIONS.length);
    expect(calls['sagemaker:DescribeDomain']).toBe(2 * REGIONS.length);
    expect(calls['ec2:DescribeSubnets']).toBe(REGIONS.length);
  });
});

describe('SageMaker throttling bursts that the retries ride out', () => {
  it('reports exactly the fault-free results after ThrottlingException on page 2 of both listings, a Describe and DescribeSubnets', async () => {
    // Prepare
    const burst = (makeError: () => Error, when?: (input: Record<string, unknown>) => boolean): Fault => {
      return (healthy) => failFirst(MAX_ATTEMPTS - 1, makeError, healthy, when);
    };
    const faults: Faults = {
      sagemaker: Object.fromEntries(
        REGIONS.map((region) => [
          region,
          {
            ListNotebookInstances: burst(sageMakerThrottling, afterToken('page-1')),
            ListDomains: burst(sageMakerThrottling, afterToken('page-1')),
            DescribeNotebookInstance: burst(
              sageMakerThrottling,
              (input) => input.NotebookInstanceName === 'nb-2',
            ),
          },
        ]),
      ),
      ec2: Object.fromEntries(
        REGIONS.map((region) => [
          region,
          { DescribeSubnets: burst(() => throttlingError(EC2ServiceException)) },
        ]),
      ),
    };

    // Act
    const { report, logs } = await scan(faults);

    // Assess
    expect(verdicts(report.results)).toEqual(verdicts(baseline.results));
    expect(report.stats.apiCalls).toEqual(baseline.stats.apiCalls);
    for (const region of REGIONS) {
      expect(logs.sagemaker[region]?.count('ListNotebookInstances')).toBe(2 + (MAX_ATTEMPTS - 1));
      expect(logs.sagemaker[region]?.count('DescribeNotebookInstance')).toBe(3 + (MAX_ATTEMPTS - 1));
    }
  });
});

describe('SageMaker failures that outlast the retries', () => {
  it('makes ListDomains throttled on page 2 in one region ERROR for the domain rules there, and leaves the rest alone', async () => {
    // Prepare
    const faults: Faults = {
      sagemaker: {
        'us-east-1': {
          ListDomains: (healthy) =>
            failFirst(Number.POSITIVE_INFINITY, sageMakerThrottling, healthy, afterToken('page-1')),
        },
      },
    };
    const scope = { regions: ['us-east-1'], rules: ['sagemaker-domain-vpc-only', 'sagemaker-private-path'] };

    // Act
    const { report, logs } = await scan(faults);

    // Assess
    const hit = report.results.filter((result) => untouched([result], scope).length === 0);
    expect(hit.map((result) => [result.ruleId, result.status])).toEqual([
      ['sagemaker-domain-vpc-only', 'ERROR'],
      ['sagemaker-private-path', 'ERROR'],
    ]);
    for (const result of hit) expect(result.message).toContain('sagemakerDomains (ThrottlingException:');
    expect(verdicts(untouched(report.results, scope))).toEqual(verdicts(untouched(baseline.results, scope)));
    expect(logs.sagemaker['us-east-1']?.count('ListDomains')).toBe(1 + MAX_ATTEMPTS);
    expect(logs.sagemaker['us-east-1']?.count('DescribeDomain')).toBe(0);
  });

  it('makes a ListNotebookInstances page served again under a new token InconsistentPagination, never a shorter listing', async () => {
    // Prepare
    const faults: Faults = {
      sagemaker: {
        'eu-west-1': {
          ListNotebookInstances: (healthy) => (input, attempt) =>
            input.NextToken === 'page-1'
              ? { ...(healthy({}, attempt) as object), NextToken: 'page-x' }
              : healthy(input, attempt),
        },
      },
    };
    const scope = {
      regions: ['eu-west-1'],
      rules: SAGEMAKER_RULE_IDS.filter((id) => id !== 'sagemaker-domain-vpc-only'),
    };

    // Act
    const { report } = await scan(faults);

    // Assess
    const hit = report.results.filter((result) => untouched([result], scope).length === 0);
    expect(hit.map((result) => result.status)).toEqual(['ERROR', 'ERROR', 'ERROR']);
    expect(hit[0]?.message).toContain('InconsistentPagination: ListNotebookInstances listed nb-1 twice');
    expect(verdicts(untouched(report.results, scope))).toEqual(verdicts(untouched(baseline.results, scope)));
  });

  it('makes a denied DescribeSubnets ERROR for sagemaker-private-path in that region only', async () => {
    // Prepare
    const faults: Faults = {
      ec2: {
        'me-south-1': { DescribeSubnets: () => () => Promise.reject(accessDenied(EC2ServiceException)) },
      },
    };
    const scope = { regions: ['me-south-1'], rules: ['sagemaker-private-path'] };

    // Act
    const { report } = await scan(faults);

    // Assess
    const hit = report.results.filter((result) => untouched([result], scope).length === 0);
    expect(hit.map((result) => result.status)).toEqual(['ERROR']);
    expect(hit[0]?.message).toContain('subnets (UnauthorizedOperation:');
    expect(verdicts(untouched(report.results, scope))).toEqual(verdicts(untouched(baseline.results, scope)));
  });
});
