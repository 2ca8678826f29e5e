import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LambdaEnvironment, loadLambdaEnvironment } from '../../src/config/env.ts';
import { createScanHandler } from '../../src/handlers/scan-handler.ts';
import type { Result } from '../../src/model/result.ts';

const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:sagemaker-findings`;
const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1'];
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: '2025-03-04T02:00:00Z',
  region: 'eu-west-1',
  resources: [`arn:aws:events:eu-west-1:${ACCOUNT}:rule/nightly-sagemaker-scan`],
  detail: {},
};

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);

/** Everything Powertools wrote: log entries and EMF metric blobs, parsed. */
let output: Record<string, unknown>[] = [];

function vpc(VpcId: string, IsDefault = false): Vpc {
  return { VpcId, OwnerId: ACCOUNT, IsDefault, CidrBlock: '10.0.0.0/16', State: 'available' };
}

function handlerWith(env: Record<string, string>) {
  const environment: LambdaEnvironment = loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', ...env });
  return createScanHandler({
    environment,
    logger: new Logger({ serviceName: 'test', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    sns: new SNSClient({ region: 'eu-west-1', maxAttempts: 1 }),
  });
}

const plentyOfTime = { getRemainingTimeInMillis: () => 900_000 };
const logs = () => output.filter((entry) => 'level' in entry);
const metricBlobs = () => output.filter((entry) => '_aws' in entry);

beforeEach(() => {
  // POWERTOOLS_DEV sends Logger and Metrics output through the global console, where it is captured;
  // it would also turn metrics off, unless they are explicitly enabled.
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  output = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((text: unknown) => {
      output.push(JSON.parse(String(text)));
    });
  }
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/scanner/fn` });
  ec2.on(DescribeVpcEndpointServicesCommand).resolves({
    ServiceNames: REGIONS.flatMap((region) => [
      `com.amazonaws.${region}.sagemaker.api`,
      `com.amazonaws.${region}.sagemaker.runtime`,
    ]),
  });
  ec2
    .on(DescribeVpcsCommand)
    .resolves({ Vpcs: [vpc('vpc-0aaa00000000000a1'), vpc('vpc-0def00000000000d1', true)] });
  ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
  iam.on(GetAccountAuthorizationDetailsCommand).resolves({
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [],
    IsTruncated: false,
  });
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  ec2.reset();
  sts.reset();
  iam.reset();
  sns.reset();
});

describe('scan handler', () => {
  it('runs a scheduled scan with the deployed configuration and publishes the findings', async () => {
    // Prepare
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' });

    // Act
    const report = await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    expect(report.scope).toMatchObject({
      accounts: [ACCOUNT],
      regions: ['eu-west-1'],
      rules: ['vpc-sagemaker-endpoints'],
    });
    expect(report.results.map((result) => [result.status, result.resourceId])).toEqual([
      ['FAIL', 'vpc-0aaa00000000000a1'],
      ['FAIL', 'vpc-0def00000000000d1'],
    ]);
    const publishes = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(publishes).toHaveLength(1);
    expect(publishes[0]).toMatchObject({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Subject: `[FAIL] SageMaker compliance ${ACCOUNT}: 2 failing (2 high)`,
      MessageAttributes: { scanId: { DataType: 'String', StringValue: report.scanId } },
    });
  });

  it('puts the scan id on every log line and emits the scan metrics as EMF', async () => {
    // Prepare
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' });

    // Act
    const report = await handler({}, plentyOfTime);

    // Assess
    expect(logs().length).toBeGreaterThan(2);
    for (const entry of logs()) expect(entry.scanId).toBe(report.scanId);
    const perRule = metricBlobs().filter((blob) => blob.ruleId === 'vpc-sagemaker-endpoints');
    expect(perRule.map((blob) => [blob.status, blob.Results])).toEqual([
      ['PASS', 0],
      ['FAIL', 2],
      ['ERROR', 0],
    ]);
    const scanBlob = metricBlobs().find((blob) => 'ScanDurationMs' in blob);
    expect(scanBlob).toMatchObject({ ScanErrors: 0, ResultsPublished: 2 });
  });

  it('scans without publishing on a dry run, even with no topic configured', async () => {
    // Prepare
    const handler = handlerWith({});

    // Act
    const report = await handler({ dryRun: true, rules: ['vpc-sagemaker-endpoints'] }, plentyOfTime);

    // Assess
    expect(report.summary.fail).toBe(2);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('publishes nothing when the invocation says notify "never"', async () => {
    // Prepare
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC });

    // Act
    await handler({ notify: 'never', rules: ['vpc-sagemaker-endpoints'] }, plentyOfTime);

    // Assess
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('refuses a publishing scan when FINDINGS_TOPIC_ARN is missing, before calling AWS', async () => {
    // Prepare
    const handler = handlerWith({});

    // Act
    const invocation = handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    await expect(invocation).rejects.toThrow(/^environment variable FINDINGS_TOPIC_ARN is not set/);
    expect(sts.calls()).toHaveLength(0);
  });

  it('rejects a bad payload with the field at fault and calls no AWS API', async () => {
    // Prepare
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC });

    // Act
    const invocation = handler({ regions: ['eu-west-1'], dryrun: true }, plentyOfTime);

    // Assess
    await expect(invocation).rejects.toThrow(/^payload: unknown field "dryrun"/);
    expect(sts.calls()).toHaveLength(0);
    expect(logs().find((entry) => entry.level === 'ERROR')?.message).toMatch(/unknown field "dryrun"/);
  });

  it('sends the all-clear only when NOTIFY is always', async () => {
    // Prepare
    const payload = { rules: ['vpc-sagemaker-endpoints'], skipDefaultVpcs: true };
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [vpc('vpc-0def00000000000d1', true)] });

    // Act
    await handlerWith({ FINDINGS_TOPIC_ARN: TOPIC })(payload, plentyOfTime);
    const quiet = sns.commandCalls(PublishCommand).length;
    await handlerWith({ FINDINGS_TOPIC_ARN: TOPIC, NOTIFY: 'always' })(payload, plentyOfTime);

    // Assess
    expect(quiet).toBe(0);
    const publishes = sns.commandCalls(PublishCommand);
    expect(publishes).toHaveLength(1);
    expect(publishes[0]?.args[0].input.Subject).toBe(
      `[OK] SageMaker compliance ${ACCOUNT}: all 0 checks pass`,
    );
  });

  it('stops starting regions near the deadline, reports them as ERROR and says the scan is incomplete', async () => {
    // Prepare
    const handler = handlerWith({
      FINDINGS_TOPIC_ARN: TOPIC,
      SCAN_REGIONS: REGIONS.join(','),
      REGION_CONCURRENCY: '1',
      RULES: 'vpc-sagemaker-endpoints',
    });
    const remaining = [900_000, 45_000, 44_000];
    const context = { getRemainingTimeInMillis: () => remaining.shift() ?? 1_000 };

    // Act
    const report = await handler({}, context);

    // Assess
    expect(report.complete).toBe(false);
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(1);
    const unreached = report.results.filter((result: Result) => result.region !== 'eu-west-1');
    expect(unreached.map((result) => [result.region, result.status])).toEqual([
      ['eu-central-1', 'ERROR'],
      ['us-east-1', 'ERROR'],
    ]);
    for (const result of unreached) expect(result.message).toMatch(/deadline/);
    const [publish] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(publish?.Subject).toMatch(/\(incomplete\)$/);
    expect(JSON.parse(publish?.Message ?? '{}').email).toContain('The scan is INCOMPLETE');
  });

  it('fails the invocation after logging the delivered parts when a publish fails', async () => {
    // Prepare
    const vpcs = Array.from({ length: 700 }, (_, index) => vpc(`vpc-${String(index).padStart(17, '0')}`));
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: vpcs });
    sns
      .on(PublishCommand)
      .resolvesOnce({ MessageId: 'message-1' })
      .rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' });

    // Act
    const invocation = handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    await expect(invocation).rejects.toThrow(
      /part 2\/\d+ failed \(NotFoundException: Topic does not exist\); delivered parts: 1$/,
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    expect(logs().find((entry) => entry.level === 'ERROR')).toMatchObject({
      message: 'Publishing the findings failed',
      deliveredParts: [1],
      failedPart: 2,
    });
  });
});
