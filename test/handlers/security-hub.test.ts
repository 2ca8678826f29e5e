import { Readable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AccessDeniedException,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  InvalidAccessException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadLambdaEnvironment } from '../../src/config/env.ts';
import { createScanHandler } from '../../src/handlers/scan-handler.ts';
import { parseSuppressions } from '../../src/suppress/suppressions.ts';

const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:sagemaker-findings`;
const ENV = { AWS_REGION: 'eu-west-1', FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' };
const plentyOfTime = { getRemainingTimeInMillis: () => 900_000 };

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const sns = mockClient(SNSClient);
const hub = mockClient(SecurityHubClient);
const s3 = mockClient(S3Client);
const iam = mockClient(IAMClient);

/** Everything Powertools wrote: log entries and EMF metric blobs, parsed. */
let output: Record<string, unknown>[] = [];
const logs = () => output.filter((entry) => 'level' in entry);
const metric = (name: string) =>
  output.filter((entry) => '_aws' in entry && name in entry).map((entry) => entry[name]);

function handlerWith(env: Record<string, string>, regions: string[] = []) {
  return createScanHandler({
    environment: loadLambdaEnvironment({ ...ENV, ...env }),
    logger: new Logger({ serviceName: 'test', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    sns: new SNSClient({ region: 'eu-west-1', maxAttempts: 1 }),
    securityHub: (region) => {
      regions.push(region);
      return new SecurityHubClient({ region, maxAttempts: 1 });
    },
  });
}

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  output = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((text: unknown) => {
      output.push(JSON.parse(String(text)));
    });
  }
  sts.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s/fn`,
    UserId: 'AROAEXAMPLE:fn',
  });
  ec2.on(DescribeVpcEndpointServicesCommand).resolves({
    ServiceNames: [
      'com.amazonaws.eu-west-1.s3',
      'com.amazonaws.eu-west-1.sagemaker.api',
      'com.amazonaws.eu-west-1.sagemaker.runtime',
    ],
  });
  ec2.on(DescribeVpcsCommand).resolves({
    Vpcs: [{ VpcId: 'vpc-0aaa00000000000a1', OwnerId: ACCOUNT, IsDefault: false, CidrBlock: '10.0.0.0/16' }],
  });
  ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
  iam.on(ListAccountAliasesCommand).resolves({ AccountAliases: [], IsTruncated: false });
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      {
        SubscriptionArn: `${TOPIC}:0b7c2a5e-2f43-4a0e-9d59-3d8f5f0c1e11`,
        Protocol: 'email',
        Endpoint: 'security@example.com',
        TopicArn: TOPIC,
      },
    ],
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  for (const mock of [ec2, sts, sns, hub, s3, iam]) mock.reset();
});

describe('scan handler with SECURITY_HUB', () => {
  it('imports a finding per result into the account’s Security Hub of the result’s region', async () => {
    // Prepare
    hub.on(BatchImportFindingsCommand).resolves({ SuccessCount: 1, FailedCount: 0, FailedFindings: [] });
    const regions: string[] = [];

    // Act
    const report = await handlerWith({ SECURITY_HUB: 'true' }, regions)({}, plentyOfTime);

    // Assess
    const [call] = hub.commandCalls(BatchImportFindingsCommand);
    expect(regions).toEqual(['eu-west-1']);
    expect(
      call?.args[0].input.Findings?.map((finding) => [finding.Id, finding.AwsAccountId, finding.ProductArn]),
    ).toEqual([
      [
        `sagemaker-compliance-scanner/${report.results[0]?.id}`,
        ACCOUNT,
        `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`,
      ],
    ]);
    expect(metric('SecurityHubImported')).toEqual([1]);
    expect(metric('SecurityHubFailed')).toEqual([0]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('puts a finding back to NEW with BatchUpdateFindings the night its accepted exception is gone', async () => {
    // Prepare
    const bucket = new Map<string, string>();
    s3.on(PutObjectCommand).callsFake((input) => {
      bucket.set(input.Key, String(input.Body));
      return {};
    });
    s3.on(GetObjectCommand).callsFake((input) => {
      const text = bucket.get(input.Key);
      if (text === undefined)
        throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      return { Body: sdkStreamMixin(Readable.from([Buffer.from(text)])) };
    });
    hub.on(BatchImportFindingsCommand).resolves({ SuccessCount: 1, FailedCount: 0, FailedFindings: [] });
    hub.on(BatchUpdateFindingsCommand).callsFake((input) => ({
      ProcessedFindings: input.FindingIdentifiers,
      UnprocessedFindings: [],
    }));
    const exception = parseSuppressions(
      {
        version: 1,
        suppressions: [
          {
            rule: 'vpc-sagemaker-endpoints',
            resources: ['vpc-0aaa*'],
            reason: 'sandbox',
            expires: '2099-01-01',
          },
        ],
      },
      'suppressions.json',
      { knownRuleIds: ['vpc-sagemaker-endpoints'], now: new Date(), horizonDays: 36_500 },
    );
    const nightly = (suppressions?: typeof exception) =>
      createScanHandler({
        environment: loadLambdaEnvironment({ ...ENV, SECURITY_HUB: 'true', REPORTS_BUCKET: 'reports' }),
        logger: new Logger({ serviceName: 'test', logLevel: 'DEBUG' }),
        metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
        sns: new SNSClient({ region: 'eu-west-1', maxAttempts: 1 }),
        s3: new S3Client({ region: 'eu-west-1', maxAttempts: 1 }),
        suppressions,
        securityHub: (region) => new SecurityHubClient({ region, maxAttempts: 1 }),
      });

    // Act
    await nightly(exception)({}, plentyOfTime);
    const muted = hub.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input);
    hub.resetHistory();
    const report = await nightly()({}, plentyOfTime);

    // Assess
    const finding = {
      Id: `sagemaker-compliance-scanner/${report.results[0]?.id}`,
      ProductArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`,
    };
    expect(muted.map((input) => [input.Workflow?.Status, input.FindingIdentifiers])).toEqual([
      ['SUPPRESSED', [finding]],
    ]);
    const updates = hub.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input);
    expect(updates.map((input) => [input.Workflow?.Status, input.FindingIdentifiers])).toEqual([
      ['NEW', [finding]],
    ]);
    expect(metric('SecurityHubWorkflowUpdated')).toEqual([1, 1]);
  });

  it('imports nothing without SECURITY_HUB, or on a dry run', async () => {
    // Act
    await handlerWith({})({}, plentyOfTime);
    await handlerWith({ SECURITY_HUB: 'true' })({ dryRun: true }, plentyOfTime);

    // Assess
    expect(hub.commandCalls(BatchImportFindingsCommand)).toHaveLength(0);
  });

  it('counts findings Security Hub refused in ScanErrors and logs each, and still publishes and returns the report', async () => {
    // Prepare
    hub
      .on(BatchImportFindingsCommand)
      .rejects(new AccessDeniedException({ message: 'denied', $metadata: {} }));

    // Act
    const report = await handlerWith({ SECURITY_HUB: 'true' })({}, plentyOfTime);

    // Assess
    expect(report.summary).toMatchObject({ fail: 1, error: 0 });
    expect(metric('SecurityHubFailed')).toEqual([1]);
    expect(metric('ScanErrors')).toEqual([1]);
    expect(logs().filter((entry) => entry.level === 'ERROR')).toMatchObject([
      {
        message: 'Security Hub did not import a finding',
        code: 'AccessDeniedException',
        region: 'eu-west-1',
      },
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('warns once when Security Hub is not enabled, and leaves ScanErrors to the scan', async () => {
    // Prepare
    hub
      .on(BatchImportFindingsCommand)
      .rejects(new InvalidAccessException({ message: 'not subscribed', $metadata: {} }));

    // Act
    await handlerWith({ SECURITY_HUB: 'true' })({}, plentyOfTime);

    // Assess
    expect(metric('ScanErrors')).toEqual([0]);
    expect(logs().filter((entry) => entry.level === 'WARN')).toMatchObject([
      {
        message: 'Security Hub is not enabled: findings not imported (the scan results are unaffected)',
        accountId: ACCOUNT,
        region: 'eu-west-1',
        findings: 1,
        reason: 'not subscribed',
      },
    ]);
  });

  it('refuses to start with SECURITY_HUB on and no Security Hub client', () => {
    // Act
    const create = () =>
      createScanHandler({
        environment: loadLambdaEnvironment({ ...ENV, SECURITY_HUB: 'true' }),
        logger: new Logger({ serviceName: 'test' }),
        metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
        sns: new SNSClient({ region: 'eu-west-1' }),
      });

    // Assess
    expect(create).toThrow('SECURITY_HUB is on but no Security Hub client was given to the scan handler');
  });

  it.each([
    ['true', true],
    ['false', false],
  ])('reads SECURITY_HUB=%s', (value, expected) => {
    // Act
    const environment = loadLambdaEnvironment({ ...ENV, SECURITY_HUB: value });

    // Assess
    expect(environment.securityHub).toBe(expected);
  });

  it('rejects a SECURITY_HUB that is not true or false, naming the variable', () => {
    // Act
    const load = () => loadLambdaEnvironment({ ...ENV, SECURITY_HUB: 'on' });

    // Assess
    expect(load).toThrow(/^environment variable SECURITY_HUB: "on" is not true or false/);
  });
});

describe('scan handler with CHAT_NOTIFICATIONS', () => {
  it('gives HTTPS subscribers the chat digest', async () => {
    // Act
    await handlerWith({ CHAT_NOTIFICATIONS: 'true' })({}, plentyOfTime);

    // Assess
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
    expect(JSON.parse(message.https)).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', description: expect.stringContaining('*Failing (1)*') },
    });
  });
});
