import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.ts';
import type { Report } from '../../src/model/report.ts';
import {
  accessDenied,
  afterToken,
  awsError,
  failFirst,
  fastClientOverrides,
  networkError,
  type Responder,
  throttlingError,
} from '../support/aws-faults.ts';
import { fakeIo } from '../support/cli-io.ts';
import {
  compliantRegions,
  EC2_RULE_IDS,
  type Faults,
  HOME_REGION,
  OPT_IN_REGION,
  REGIONS,
  serveWorldToNewClients,
} from './world.ts';

const MAX_ATTEMPTS = 3;
const ARGS = ['scan', '--regions', REGIONS.join(','), '--rules', EC2_RULE_IDS.join(',')];

/** Runs the CLI against the world with `faults` on top of {@link compliantRegions}, as a user would. */
async function scanCli(faults: Faults['ec2'] = {}, format: 'json' | 'table' = 'json') {
  const ec2: NonNullable<Faults['ec2']> = compliantRegions();
  for (const [region, operations] of Object.entries(faults)) ec2[region] = { ...ec2[region], ...operations };
  const logs = serveWorldToNewClients({ ec2 });
  const io = fakeIo({
    env: { AWS_REGION: HOME_REGION },
    clientOverrides: fastClientOverrides(MAX_ATTEMPTS),
  });
  const exitCode = await main([...ARGS, '--format', format], io);
  return { exitCode, io, logs };
}

const always = (makeError: () => Error, when?: (input: Record<string, unknown>) => boolean) => {
  return (healthy: Responder) => failFirst(Number.POSITIVE_INFINITY, makeError, healthy, when);
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('CLI exit code and output under AWS faults', () => {
  it('exits 0 with every result PASS when the account is compliant and AWS behaves', async () => {
    // Act
    const { exitCode, io } = await scanCli();

    // Assess
    expect(exitCode).toBe(0);
    const report = JSON.parse(io.out()) as Report;
    expect(report.summary).toMatchObject({ pass: 9, fail: 0, error: 0 });
  });

  it('still exits 0 with every result PASS after a RequestLimitExceeded burst on page 2 of DescribeVpcEndpoints', async () => {
    // Prepare
    const burst = (healthy: Responder) =>
      failFirst(MAX_ATTEMPTS - 1, () => throttlingError(EC2ServiceException), healthy, afterToken('page-1'));

    // Act
    const { exitCode, io, logs } = await scanCli({ 'us-east-1': { DescribeVpcEndpoints: burst } });

    // Assess
    expect(exitCode).toBe(0);
    expect(logs[0]?.ec2['us-east-1']?.count('DescribeVpcEndpoints')).toBe(3 + (MAX_ATTEMPTS - 1));
    expect((JSON.parse(io.out()) as Report).summary).toMatchObject({ pass: 9, fail: 0, error: 0 });
  });

  it.each([
    {
      what: 'throttling past the retries',
      region: 'us-east-1',
      operation: 'DescribeVpcEndpoints',
      error: () => throttlingError(EC2ServiceException),
      code: 'RequestLimitExceeded',
    },
    {
      what: 'access denied',
      region: 'us-east-1',
      operation: 'DescribeVpcs',
      error: () => accessDenied(EC2ServiceException),
      code: 'UnauthorizedOperation',
    },
    {
      what: 'a disabled opt-in region',
      region: OPT_IN_REGION,
      operation: 'DescribeVpcEndpointServices',
      error: () =>
        awsError(EC2ServiceException, 'AuthFailure', 401, 'AWS was not able to validate the credentials'),
      code: 'AuthFailure',
    },
    {
      what: 'a reset connection',
      region: 'us-east-1',
      operation: 'DescribeVpcs',
      error: () => networkError('ECONNRESET'),
      code: 'ECONNRESET',
    },
    {
      what: 'an EC2 5xx',
      region: 'us-east-1',
      operation: 'DescribeVpcs',
      error: () => awsError(EC2ServiceException, 'Unavailable', 503, 'The server is overloaded'),
      code: 'Unavailable',
    },
  ])('exits 1 on $what ($code): ERROR for $region quoting the code, PASS elsewhere', async (failure) => {
    // Act
    const { exitCode, io } = await scanCli({
      [failure.region]: { [failure.operation]: always(failure.error) },
    });

    // Assess
    expect(exitCode).toBe(1);
    const report = JSON.parse(io.out()) as Report;
    const errors = report.results.filter((result) => result.status === 'ERROR');
    expect(errors.map((result) => [result.ruleId, result.region])).toEqual(
      EC2_RULE_IDS.map((ruleId) => [ruleId, failure.region]),
    );
    for (const result of errors) expect(result.message).toContain(failure.code);
    expect(report.results.filter((result) => result.status === 'PASS')).toHaveLength(6);
    expect(report.summary).toMatchObject({ pass: 6, fail: 0, error: 2 });
  });

  it('prints the ERROR rows with the AWS error code in the table and exits 1', async () => {
    // Act
    const { exitCode, io } = await scanCli(
      { [OPT_IN_REGION]: { DescribeVpcs: always(() => awsError(EC2ServiceException, 'AuthFailure', 401)) } },
      'table',
    );

    // Assess
    expect(exitCode).toBe(1);
    expect(io.out()).toMatch(
      /^ERROR .*me-south-1 .*Could not judge region me-south-1: missing vpcs \(AuthFailure/m,
    );
    expect(io.out()).toContain('8 results: 6 PASS, 0 FAIL, 2 ERROR');
  });
});
