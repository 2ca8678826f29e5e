import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.ts';
import type { Report } from '../../src/model/report.ts';
import {
  accessDenied,
  afterToken,
  awsError,
  type FakeAws,
  failFirst,
  fastClientOverrides,
  networkError,
  type Responder,
  STS_XMLNS,
  startFakeAws,
  throttlingError,
  type WireAnswer,
  type WireCall,
} from '../support/aws-faults.ts';
import { fakeIo } from '../support/cli-io.ts';
import { healthy, WIRE_REGION } from './wire-world.ts';
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

describe('CLI over the wire', () => {
  let aws: FakeAws | undefined;

  afterEach(async () => {
    await aws?.close();
    aws = undefined;
  });

  async function scanOverWire(answer: (call: WireCall) => WireAnswer, extra: string[] = []) {
    aws = await startFakeAws(answer);
    const io = fakeIo({
      env: { AWS_REGION: WIRE_REGION },
      clientOverrides: { endpoint: aws.endpoint, ...fastClientOverrides(2) },
    });
    const exitCode = await main(['scan', '--format', 'json', ...extra], io);
    return { exitCode, io };
  }

  const STS_UNAVAILABLE: WireAnswer = {
    status: 503,
    body: `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>Service is unavailable</Message></Error><RequestId>0</RequestId></ErrorResponse>`,
  };

  it('exits 2, not 1 (findings), naming GetCallerIdentity when STS answers 503 past the retries', async () => {
    // Act
    const { exitCode, io } = await scanOverWire((call) =>
      call.action === 'GetCallerIdentity' ? STS_UNAVAILABLE : healthy(call),
    );

    // Assess
    expect(exitCode).toBe(2);
    expect(aws?.count('GetCallerIdentity')).toBe(2);
    expect(io.err()).toBe(
      'error: Could not identify the AWS account (GetCallerIdentity failed: ServiceUnavailable: Service is unavailable (HTTP 503)), so nothing was scanned\n',
    );
    expect(io.out()).toBe('');
  });

  it('still exits 2 naming the credentials when STS rejects them (InvalidClientTokenId)', async () => {
    // Prepare
    const invalidToken: WireAnswer = {
      status: 403,
      body: `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>0</RequestId></ErrorResponse>`,
    };

    // Act
    const { exitCode, io } = await scanOverWire((call) =>
      call.action === 'GetCallerIdentity' ? invalidToken : healthy(call),
    );

    // Assess
    expect(exitCode).toBe(2);
    expect(io.err()).toMatch(
      /^error: Could not identify the AWS account \(InvalidClientTokenId: .*AWS_PROFILE/,
    );
  });

  it('exits 1 with the IAM rules ERROR when GetAccountAuthorizationDetails answers an empty HTTP 200, never 0 with no results', async () => {
    // Act
    const { exitCode, io } = await scanOverWire(
      (call) => (call.action === 'GetAccountAuthorizationDetails' ? { body: '' } : healthy(call)),
      ['--rules', 'iam-policy-presigned-url-source-ip,iam-principal-presigned-url-source-ip'],
    );

    // Assess
    expect(exitCode).toBe(1);
    const report = JSON.parse(io.out()) as Report;
    expect(report.results.map((result) => [result.ruleId, result.status])).toEqual([
      ['iam-policy-presigned-url-source-ip', 'ERROR'],
      ['iam-principal-presigned-url-source-ip', 'ERROR'],
    ]);
    expect(report.results[0]?.message).toContain(
      'IncompleteResponse: GetAccountAuthorizationDetails answered without',
    );
  });

  it('--timeout ends a scan held by a silent server: exit 1, ERROR (DeadlineExceeded), "complete": false', async () => {
    // Act
    const { exitCode, io } = await scanOverWire(
      (call) => (call.action === 'DescribeVpcs' ? 'silent' : healthy(call)),
      ['--rules', EC2_RULE_IDS.join(','), '--timeout', '1'],
    );

    // Assess
    expect(exitCode).toBe(1);
    const report = JSON.parse(io.out()) as Report;
    expect(report.complete).toBe(false);
    expect(report.results.map((result) => [result.ruleId, result.status])).toEqual([
      ['vpc-sagemaker-endpoints', 'ERROR'],
      ['vpc-sagemaker-private-dns', 'ERROR'],
    ]);
    expect(report.results[0]?.message).toContain(
      'vpcs (DeadlineExceeded: not finished before the scan deadline)',
    );
  });

  it.each(['0', '1.5', 'soon'])('rejects --timeout %s as bad usage naming the option', async (value) => {
    // Act
    const { exitCode, io } = await scanOverWire(healthy, ['--timeout', value]);

    // Assess
    expect(exitCode).toBe(2);
    expect(io.err()).toBe(`error: --timeout: "${value}" is not a whole number from 1 to 86400\n`);
  });
});
