import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DEADLINE_MARGIN_SECONDS, loadLambdaEnvironment } from '../../src/config/env.ts';
import { UserInputError } from '../../src/model/errors.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:sagemaker-findings';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('loadLambdaEnvironment', () => {
  it('defaults to the function region, every rule, on-findings and INFO', () => {
    // Act
    const environment = loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', FINDINGS_TOPIC_ARN: TOPIC });

    // Assess
    expect(environment).toEqual({
      findingsTopicArn: TOPIC,
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      ruleIds: undefined,
      allowedSourceCidrs: [],
      skipDefaultVpcs: false,
      notify: 'on-findings',
      regionConcurrency: 4,
      logLevel: 'INFO',
      deadlineMarginMs: DEFAULT_DEADLINE_MARGIN_SECONDS * 1000,
    });
  });

  it('reads every variable, treating empty ones as unset', () => {
    // Act
    const environment = loadLambdaEnvironment({
      AWS_REGION: 'eu-west-1',
      SCAN_REGIONS: 'eu-west-1, us-east-1',
      RULES: 'vpc-sagemaker-endpoints',
      ALLOWED_SOURCE_CIDRS: '198.51.100.0/24',
      SKIP_DEFAULT_VPCS: 'true',
      NOTIFY: 'always',
      REGION_CONCURRENCY: '8',
      LOG_LEVEL: 'debug',
      DEADLINE_MARGIN_SECONDS: '120',
      FINDINGS_TOPIC_ARN: '',
    });

    // Assess
    expect(environment).toMatchObject({
      findingsTopicArn: undefined,
      regions: ['eu-west-1', 'us-east-1'],
      ruleIds: ['vpc-sagemaker-endpoints'],
      allowedSourceCidrs: ['198.51.100.0/24'],
      skipDefaultVpcs: true,
      notify: 'always',
      regionConcurrency: 8,
      logLevel: 'DEBUG',
      deadlineMarginMs: 120_000,
    });
  });

  it('accepts SCAN_REGIONS=all', () => {
    // Act
    const environment = loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', SCAN_REGIONS: 'ALL' });

    // Assess
    expect(environment.regions).toBe('all');
  });

  it.each([
    [{}, /^environment variable AWS_REGION is not set/],
    [
      { AWS_REGION: 'eu-west-1', FINDINGS_TOPIC_ARN: 'sagemaker-findings' },
      /^environment variable FINDINGS_TOPIC_ARN is not an SNS topic ARN/,
    ],
    [
      { AWS_REGION: 'eu-west-1', SCAN_REGIONS: 'eu-west-1,mars-1' },
      /^environment variable SCAN_REGIONS: "mars-1"/,
    ],
    [
      { AWS_REGION: 'eu-west-1', RULES: 'no-such-rule' },
      /^environment variable RULES: unknown rule id "no-such-rule"/,
    ],
    [
      { AWS_REGION: 'eu-west-1', ALLOWED_SOURCE_CIDRS: '10.0.0.0/8,banana' },
      /^environment variable ALLOWED_SOURCE_CIDRS: "banana"/,
    ],
    [
      { AWS_REGION: 'eu-west-1', SKIP_DEFAULT_VPCS: 'maybe' },
      /^environment variable SKIP_DEFAULT_VPCS: "maybe" is not true or false/,
    ],
    [
      { AWS_REGION: 'eu-west-1', NOTIFY: 'changes-only' },
      /^environment variable NOTIFY must be one of on-findings, always, never/,
    ],
    [
      { AWS_REGION: 'eu-west-1', REGION_CONCURRENCY: '0' },
      /^environment variable REGION_CONCURRENCY: "0" is not a whole number/,
    ],
    [
      { AWS_REGION: 'eu-west-1', LOG_LEVEL: 'verbose' },
      /^environment variable LOG_LEVEL must be one of TRACE, DEBUG/,
    ],
  ])('rejects %o with one error that names the variable', (env, message) => {
    // Act
    const load = () => loadLambdaEnvironment(env);

    // Assess
    expect(load).toThrow(UserInputError);
    expect(load).toThrow(message);
  });

  it('fails the cold start of the handler module when a variable is malformed', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('NOTIFY', 'loudly');

    // Act
    const load = import('../../src/handlers/scan.ts');

    // Assess
    await expect(load).rejects.toThrow(/^environment variable NOTIFY must be one of/);
  });
});
