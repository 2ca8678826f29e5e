import { Readable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Vpc,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
  SNSServiceException,
} from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LambdaEnvironment, loadLambdaEnvironment } from '../../src/config/env.ts';
import { createScanHandler } from '../../src/handlers/scan-handler.ts';
import type { Report } from '../../src/model/report.ts';
import type { Result } from '../../src/model/result.ts';
import type { Suppression } from '../../src/suppress/suppressions.ts';
import { parseSuppressions } from '../../src/suppress/suppressions.ts';

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
const s3 = mockClient(S3Client);
const BUCKET = 'compliance-reports';
const LATEST = `reports/${ACCOUNT}/latest.json`;

/** The bucket as the scans leave it: key → body. */
let bucket = new Map<string, string>();

/** Everything Powertools wrote: log entries and EMF metric blobs, parsed. */
let output: Record<string, unknown>[] = [];

function vpc(VpcId: string, IsDefault = false): Vpc {
  return { VpcId, OwnerId: ACCOUNT, IsDefault, CidrBlock: '10.0.0.0/16', State: 'available' };
}

function handlerWith(env: Record<string, string>, suppressions?: Suppression[]) {
  const environment: LambdaEnvironment = loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', ...env });
  return createScanHandler({
    environment,
    logger: new Logger({ serviceName: 'test', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    sns: new SNSClient({ region: 'eu-west-1', maxAttempts: 1 }),
    s3: new S3Client({ region: 'eu-west-1', maxAttempts: 1 }),
    suppressions,
  });
}

const HISTORY = { FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints', REPORTS_BUCKET: BUCKET };

function datedKey(report: Report): string {
  return `reports/${ACCOUNT}/${report.startedAt.slice(0, 10).replaceAll('-', '/')}/${report.scanId}.json`;
}

const publishedInputs = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
const emailOf = (input: { Message?: string } | undefined) =>
  JSON.parse(input?.Message ?? '{}').email as string;

/** EC2 sends endpoint states in lower case; the SDK's `State` enum is capitalised. */
const AVAILABLE = 'available' as unknown as VpcEndpoint['State'];

function endpoint(VpcId: string, service: string): VpcEndpoint {
  return {
    VpcEndpointId: `vpce-${VpcId.slice(4)}-${service}`,
    VpcId,
    OwnerId: ACCOUNT,
    VpcEndpointType: 'Interface',
    ServiceName: `com.amazonaws.eu-west-1.sagemaker.${service}`,
    State: AVAILABLE,
    PrivateDnsEnabled: true,
  };
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
      `com.amazonaws.${region}.s3`,
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
  bucket = new Map();
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
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  ec2.reset();
  sts.reset();
  iam.reset();
  sns.reset();
  s3.reset();
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
    expect(scanBlob).toMatchObject({ ScanErrors: 0, ResultsPublished: 2, ConfirmedSubscriptions: 1 });
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

  it.each([
    [{}, 'FAIL'],
    [{ APPROVED_VPCES: 'vpce-0ffee0000000000f1' }, 'PASS'],
  ])('judges aws:SourceVpce values against the deployed APPROVED_VPCES (%o): %s', async (env, status) => {
    // Prepare
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({
      UserDetailList: [
        {
          UserName: 'ben',
          Arn: `arn:aws:iam::${ACCOUNT}:user/ben`,
          UserPolicyList: [
            {
              PolicyName: 'through-shared-services',
              PolicyDocument: encodeURIComponent(
                JSON.stringify({
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: 'sagemaker:CreatePresignedNotebookInstanceUrl',
                      Resource: '*',
                      Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0ffee0000000000f1' } },
                    },
                  ],
                }),
              ),
            },
          ],
        },
      ],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
      IsTruncated: false,
    });
    const handler = handlerWith(env);

    // Act
    const report = await handler(
      { dryRun: true, rules: ['iam-presigned-url-approved-endpoints'] },
      plentyOfTime,
    );

    // Assess
    expect(report.results.map((result) => [result.resourceId, result.status])).toEqual([
      [`arn:aws:iam::${ACCOUNT}:user/ben`, status],
    ]);
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

  it('rejects a scheduled event that carries options, and neither scans nor publishes nor stores', async () => {
    // Prepare
    const handler = handlerWith(HISTORY);

    // Act
    const invocation = handler({ ...SCHEDULED_EVENT, dryRun: true, notify: 'never' }, plentyOfTime);

    // Assess
    await expect(invocation).rejects.toThrow(
      /^payload: "dryRun", "notify" cannot be combined with an EventBridge scheduled event/,
    );
    expect(sts.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('reuses the scan id when Lambda retries the same request, so subscribers can drop repeated parts', async () => {
    // Prepare
    const vpcs = Array.from({ length: 700 }, (_, index) => vpc(`vpc-${String(index).padStart(17, '0')}`));
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: vpcs });
    sns
      .on(PublishCommand)
      .resolvesOnce({ MessageId: 'message-1' })
      .rejectsOnce(Object.assign(new Error('Internal error'), { name: 'InternalErrorException' }))
      .resolves({ MessageId: 'message-2' });
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' });
    const attempt = { ...plentyOfTime, awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' };
    const otherRequest = { ...plentyOfTime, awsRequestId: '5d7b9a3c-0c1f-4f3e-8a55-3f2a1b0c9d8e' };

    // Act
    await expect(handler(SCHEDULED_EVENT, attempt)).rejects.toThrow(/part 2\/\d+ failed/);
    const retried = await handler(SCHEDULED_EVENT, attempt);
    const other = await handler(SCHEDULED_EVENT, otherRequest);

    // Assess
    const scanIds = publishedInputs().map((input) => input.MessageAttributes?.scanId?.StringValue);
    const parts = publishedInputs().map((input) => input.MessageAttributes?.part?.StringValue);
    const partCount = Number(publishedInputs()[0]?.MessageAttributes?.partCount?.StringValue);
    expect(partCount).toBeGreaterThan(1);
    expect(scanIds.slice(0, 2 + partCount)).toEqual(Array(2 + partCount).fill(retried.scanId));
    expect(parts.slice(0, 2)).toEqual(['1', '2']);
    expect(retried.scanId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(other.scanId).not.toBe(retried.scanId);
    expect(new Set(scanIds.slice(2 + partCount))).toEqual(new Set([other.scanId]));
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
      `[OK] SageMaker compliance ${ACCOUNT}: no resource in scope to check`,
    );
  });

  it('stops at the deadline, reports the region in flight and the regions not started as ERROR and says the scan is incomplete', async () => {
    // Prepare
    const handler = handlerWith({
      FINDINGS_TOPIC_ARN: TOPIC,
      SCAN_REGIONS: REGIONS.join(','),
      REGION_CONCURRENCY: '1',
      RULES: 'vpc-sagemaker-endpoints',
    });
    ec2.on(DescribeVpcsCommand).callsFake((_input, getClient) => {
      const region = getClient().config.region();
      return region.then((name: string) =>
        name === 'us-east-1' ? new Promise(() => {}) : { Vpcs: [vpc('vpc-0aaa00000000000a1')] },
      );
    });
    // The default margin is 60 s: the deadline is one second away, and us-east-1 (second) never answers.
    const context = { getRemainingTimeInMillis: () => 61_000 };

    // Act
    const report = await handler({}, context);

    // Assess
    expect(report.complete).toBe(false);
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(2);
    const unreached = report.results.filter((result: Result) => result.region !== 'eu-west-1');
    expect(unreached.map((result) => [result.region, result.status])).toEqual([
      ['eu-central-1', 'ERROR'],
      ['us-east-1', 'ERROR'],
    ]);
    expect(unreached[0]?.message).toContain('DeadlineExceeded: not reached before the scan deadline');
    expect(unreached[1]?.message).toContain('DeadlineExceeded: not finished before the scan deadline');
    const [publish] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(publish?.Subject).toMatch(/\(incomplete\)$/);
    expect(JSON.parse(publish?.Message ?? '{}').email).toContain('The scan is INCOMPLETE');
  });

  it('gives up a region whose calls cannot finish before the deadline at the paced rate, says so in the log, and reports it as ERROR', async () => {
    // Prepare: 600 VPCs with a SageMaker endpoint are 1,200 DescribeVpcAttribute calls: (1,200 − 50) / 10
    // per second (half of EC2's rate) = 115 s, and 150 s remain less the 60 s margin.
    const handler = handlerWith({
      FINDINGS_TOPIC_ARN: TOPIC,
      SCAN_REGIONS: 'eu-west-1',
      RULES: 'vpc-sagemaker-private-dns',
    });
    const vpcs = Array.from({ length: 600 }, (_, index) => vpc(`vpc-${String(index).padStart(17, '0')}`));
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: vpcs });
    ec2
      .on(DescribeVpcEndpointsCommand)
      .resolves({ VpcEndpoints: vpcs.map((each) => endpoint(each.VpcId as string, 'api')) });

    // Act
    const report = await handler({}, { getRemainingTimeInMillis: () => 150_000 });

    // Assess
    const estimate = 'the estimated 1,200 calls need about 115 s at the paced rate, more than the 90 s left';
    expect(report.complete).toBe(false);
    expect(report.results.map((result: Result) => [result.region, result.status])).toEqual([
      ['eu-west-1', 'ERROR'],
    ]);
    expect(report.results[0]?.message).toBe(
      `Could not judge region eu-west-1: it was not scanned (NotScanned), because ${estimate}.`,
    );
    expect(ec2.commandCalls(DescribeVpcAttributeCommand)).toHaveLength(0);
    expect(
      logs()
        .filter((entry) => entry.level === 'WARN')
        .map((entry) => entry.message),
    ).toEqual([
      `Region eu-west-1 of account ${ACCOUNT} not scanned: ${estimate}`,
      'Scan incomplete: what was not read before the deadline is ERROR',
    ]);
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

describe('scan handler with a reports bucket', () => {
  it('stores the report and its HTML page under the dated key and the report as latest.json, and links the email to both', async () => {
    // Prepare
    const handler = handlerWith(HISTORY);

    // Act
    const report = await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    const key = datedKey(report);
    const htmlKey = key.replace(/\.json$/, '.html');
    expect(report.storedAt).toBe(`s3://${BUCKET}/${key}`);
    expect(report.storedHtmlAt).toBe(`s3://${BUCKET}/${htmlKey}`);
    expect([...bucket.keys()].sort()).toEqual([key, htmlKey, LATEST].sort());
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map(({ Key, ContentType, IfNoneMatch }) => ({ Key, ContentType, IfNoneMatch }))).toEqual([
      { Key: key, ContentType: 'application/json', IfNoneMatch: '*' },
      { Key: htmlKey, ContentType: 'text/html; charset=utf-8', IfNoneMatch: '*' },
      { Key: LATEST, ContentType: 'application/json', IfNoneMatch: '*' },
    ]);
    expect(bucket.get(htmlKey)).toContain(`stored at <code>s3://${BUCKET}/${key}</code>`);
    expect(JSON.parse(bucket.get(key) ?? '{}')).toMatchObject({
      scanId: report.scanId,
      storedAt: report.storedAt,
    });
    expect(JSON.parse(bucket.get(LATEST) ?? '{}').scanId).toBe(report.scanId);
    expect(report.results.map((result) => result.delta?.change)).toEqual(['new', 'new']);
    expect(report.baseline).toEqual({ firstScan: true, source: `s3://compliance-reports/${LATEST}` });
    const email = emailOf(publishedInputs()[0]);
    expect(email).toContain('No previous report to compare with: every problem is new.');
    expect(email).toContain(
      `  HTML, to read: https://console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=${htmlKey}\n` +
        `  JSON, for machines: https://console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=${key}\n` +
        `  From a terminal: aws s3 cp s3://${BUCKET}/${htmlKey} .`,
    );
  });

  it('still publishes, with the JSON report linked, when the HTML page cannot be stored, and counts it', async () => {
    // Prepare
    s3.on(PutObjectCommand, { ContentType: 'text/html; charset=utf-8' }).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );
    const handler = handlerWith(HISTORY);

    // Act
    const report = await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    expect(report.storedAt).toBe(`s3://${BUCKET}/${datedKey(report)}`);
    expect(report.storedHtmlAt).toBeUndefined();
    expect([...bucket.keys()].sort()).toEqual([datedKey(report), LATEST].sort());
    const email = emailOf(publishedInputs()[0]);
    expect(email.split('\n')[0]).toBe(
      'The HTML page of this report could not be stored in S3: AccessDenied: Access Denied',
    );
    expect(email).not.toContain('HTML, to read');
    expect(email).toContain(`  JSON, for machines: https://console.aws.amazon.com/s3/object/${BUCKET}?`);
    expect(
      logs()
        .filter((entry) => entry.level === 'ERROR')
        .map((entry) => entry.message),
    ).toEqual(['Storing the HTML report failed']);
    expect(metricBlobs().find((blob) => 'ScanDurationMs' in blob)).toMatchObject({ ScanErrors: 1 });
  });

  it.each([
    { name: 'a dry run', payload: { dryRun: true } },
    { name: 'a one-region audit', payload: { regions: ['eu-west-1'] } },
    { name: 'a rule selection', payload: { rules: ['vpc-sagemaker-endpoints'] } },
    { name: 'other allowed CIDRs', payload: { allowedSourceCidrs: ['198.51.100.0/24'] } },
    { name: 'a default-VPC override', payload: { skipDefaultVpcs: true } },
  ])('stores $name but does not make it the next baseline', async ({ payload }) => {
    // Prepare
    const handler = handlerWith(HISTORY);

    // Act
    const report = await handler(payload, plentyOfTime);

    // Assess
    const key = datedKey(report);
    expect([...bucket.keys()]).toEqual([key, key.replace(/\.json$/, '.html')]);
  });

  it('compares with latest.json: a problem seen before persists and keeps its first-seen date', async () => {
    // Prepare
    const handler = handlerWith(HISTORY);
    const first = await handler(SCHEDULED_EVENT, plentyOfTime);
    sns.resetHistory();

    // Act
    const second = await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    expect(second.baseline).toEqual({
      scanId: first.scanId,
      startedAt: first.startedAt,
      source: `s3://${BUCKET}/${LATEST}`,
    });
    expect(second.results.map((result) => result.delta)).toEqual([
      { change: 'persisting', firstSeen: first.startedAt, previousStatus: 'FAIL' },
      { change: 'persisting', firstSeen: first.startedAt, previousStatus: 'FAIL' },
    ]);
    const [publish] = publishedInputs();
    expect(publish?.Subject).toBe(`[FAIL] SageMaker compliance ${ACCOUNT}: 0 new, 2 failing (2 high)`);
    expect(emailOf(publish)).toContain(
      `2 failures persist (first seen ${first.startedAt.slice(0, 10)}), each listed in the stored report (REPORT, below)`,
    );
  });

  it('still publishes, with every problem new and the reason in the report, when latest.json is unreadable', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: LATEST }] });
    const handler = handlerWith(HISTORY);

    // Act
    const report = await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    expect(report.baseline).toEqual({
      error: `cannot read s3://${BUCKET}/${LATEST} (AccessDenied: Access Denied); it exists, so the scan role may not read it`,
    });
    expect(report.results.map((result) => result.delta?.change)).toEqual(['new', 'new']);
    const [publish] = publishedInputs();
    expect(publish?.Subject).toBe(`[FAIL] SageMaker compliance ${ACCOUNT}: 2 new, 2 failing (2 high)`);
    expect(emailOf(publish)).toContain(
      'The previous report could not be read, so every problem is treated as new: cannot read',
    );
  });

  it('still publishes and succeeds when the report cannot be stored, and says so first in the email', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );
    const handler = handlerWith(HISTORY);

    // Act
    const report = await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    expect(report.storedAt).toBeUndefined();
    const email = emailOf(publishedInputs()[0]);
    expect(email.split('\n')[0]).toBe('This report could not be stored in S3: AccessDenied: Access Denied');
    expect(email).toContain('Full report: the JSON variant of this notification');
    expect(
      logs()
        .filter((entry) => entry.level === 'ERROR')
        .map((entry) => entry.message),
    ).toEqual(['Storing the report failed', 'Updating the baseline (latest.json) failed']);
    expect(metricBlobs().find((blob) => 'ScanDurationMs' in blob)).toMatchObject({ ScanErrors: 2 });
  });

  it('does not move the baseline when publishing fails, so the retry still reports the problems as new', async () => {
    // Prepare
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    const handler = handlerWith({ ...HISTORY, NOTIFY: 'changes' });

    // Act
    const invocation = handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    await expect(invocation).rejects.toThrow(/NotFoundException/);
    expect([...bucket.keys()].filter((key) => key !== LATEST)).toHaveLength(2);
    expect(bucket.has(LATEST)).toBe(false);
  });

  it('with NOTIFY=changes publishes new problems, stays quiet while nothing changes, then reports what was resolved', async () => {
    // Prepare
    const handler = handlerWith({ ...HISTORY, NOTIFY: 'changes' });
    const scan = async () => {
      sns.resetHistory();
      const report = await handler(SCHEDULED_EVENT, plentyOfTime);
      return { report, publishes: publishedInputs() };
    };

    // Act
    const first = await scan();
    const second = await scan();
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [endpoint('vpc-0aaa00000000000a1', 'api'), endpoint('vpc-0aaa00000000000a1', 'runtime')],
    });
    const third = await scan();
    const fourth = await scan();

    // Assess
    expect(first.publishes.map((input) => input.Subject)).toEqual([
      `[FAIL] SageMaker compliance ${ACCOUNT}: 2 new, 2 failing (2 high)`,
    ]);
    expect(second.publishes).toEqual([]);
    expect(third.report.resolved).toEqual([
      expect.objectContaining({ resourceId: 'vpc-0aaa00000000000a1', previousStatus: 'FAIL', now: 'PASS' }),
    ]);
    expect(third.publishes.map((input) => input.Subject)).toEqual([
      `[FAIL] SageMaker compliance ${ACCOUNT}: 0 new, 1 failing (1 high)`,
    ]);
    expect(emailOf(third.publishes[0])).toMatch(
      /RESOLVED SINCE THE PREVIOUS SCAN\n\n {2}eu-west-1 {2}vpc-0aaa00000000000a1 {2}.*: now passes\n/,
    );
    expect(fourth.publishes).toEqual([]);
    expect(
      fourth.report.results.find((result) => result.resourceId === 'vpc-0aaa00000000000a1')?.delta,
    ).toEqual({
      change: 'unchanged',
      previousStatus: 'PASS',
    });
  });

  it('with NOTIFY=changes publishes a regression and any ERROR even when nothing else changed', async () => {
    // Prepare
    const handler = handlerWith({ ...HISTORY, NOTIFY: 'changes' });
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [endpoint('vpc-0aaa00000000000a1', 'api'), endpoint('vpc-0aaa00000000000a1', 'runtime')],
    });
    await handler(SCHEDULED_EVENT, plentyOfTime);
    await handler(SCHEDULED_EVENT, plentyOfTime);
    sns.resetHistory();
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });

    // Act
    const regressed = await handler(SCHEDULED_EVENT, plentyOfTime);
    const afterRegression = publishedInputs();
    sns.resetHistory();
    ec2.on(DescribeVpcEndpointsCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
        $fault: 'client',
      }),
    );
    await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    expect(
      regressed.results.find((result) => result.resourceId === 'vpc-0aaa00000000000a1')?.delta?.change,
    ).toBe('regressed');
    expect(afterRegression).toHaveLength(1);
    expect(emailOf(afterRegression[0])).toContain('(regressed: passed in the previous scan)');
    expect(publishedInputs().map((input) => input.Subject)).toEqual([expect.stringMatching(/^\[ERROR\]/)]);
  });

  it('refuses notify "changes" in a payload when there is no reports bucket', async () => {
    // Prepare
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC });

    // Act
    const invocation = handler({ notify: 'changes' }, plentyOfTime);

    // Assess
    await expect(invocation).rejects.toThrow(/^notify: "changes" needs the report history/);
    expect(sts.calls()).toHaveLength(0);
  });
});

describe('scan handler with accepted exceptions', () => {
  const suppressions = (resources: string[]) =>
    parseSuppressions(
      {
        version: 1,
        suppressions: [
          {
            rule: 'vpc-sagemaker-endpoints',
            resources,
            reason: 'default VPC, no workloads',
            expires: '2099-01-01',
          },
          { rule: 'vpc-sagemaker-endpoints', resources: ['vpc-gone'], reason: 'old', expires: '2099-01-01' },
        ],
      },
      'suppressions.json',
      { knownRuleIds: ['vpc-sagemaker-endpoints'], now: new Date(), horizonDays: 36_500 },
    );

  it('mutes covered FAILs: they keep their status but do not count in the subject or the failing list', async () => {
    // Prepare
    const handler = handlerWith(
      { FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' },
      suppressions(['vpc-0def*']),
    );

    // Act
    const report = await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    const muted = report.results.find((result) => result.resourceId === 'vpc-0def00000000000d1');
    expect(muted).toMatchObject({ status: 'FAIL', muted: { entry: 0, reason: 'default VPC, no workloads' } });
    expect(report.unusedSuppressions?.map((entry) => entry.entry)).toEqual([1]);
    const [publish] = publishedInputs();
    expect(publish?.Subject).toBe(`[FAIL] SageMaker compliance ${ACCOUNT}: 1 failing (1 high)`);
    expect(publish?.MessageAttributes).toMatchObject({
      failCount: { StringValue: '1' },
      mutedCount: { StringValue: '1' },
    });
    const email = emailOf(publish);
    expect(email).not.toContain('vpc-0def00000000000d1');
    expect(email).toContain('1 accepted exception muted (see the report).');
    expect(email).toContain('1 suppression matched nothing');
    const machine = JSON.parse(JSON.parse(publish?.Message ?? '{}').default);
    expect(
      machine.results.find((result: Result) => result.resourceId === 'vpc-0def00000000000d1').muted,
    ).toEqual(muted?.muted);
  });

  it('does not publish under on-findings when every FAIL is muted', async () => {
    // Prepare
    const handler = handlerWith(
      { FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' },
      suppressions(['*']),
    );

    // Act
    const report = await handler(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    expect(report.summary).toMatchObject({ fail: 2, muted: 2 });
    expect(publishedInputs()).toEqual([]);
  });

  it('mutes by resource tag only when TAG_SUPPRESSIONS is on', async () => {
    // Prepare
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const tagged = {
      ...vpc('vpc-0def00000000000d1', true),
      Tags: [
        { Key: 'sagemaker-compliance:suppress', Value: `vpc-sagemaker-endpoints until ${expires}: lab VPC` },
      ],
    };
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [vpc('vpc-0aaa00000000000a1'), tagged] });
    const env = {
      FINDINGS_TOPIC_ARN: TOPIC,
      RULES: 'vpc-sagemaker-endpoints',
      SUPPRESSION_HORIZON_DAYS: '3650',
    };

    // Act
    const off = await handlerWith(env)(SCHEDULED_EVENT, plentyOfTime);
    const on = await handlerWith({ ...env, TAG_SUPPRESSIONS: 'true' })(SCHEDULED_EVENT, plentyOfTime);

    // Assess
    expect(off.summary.muted).toBe(0);
    expect(on.summary.muted).toBe(1);
    expect(on.results.find((result) => result.resourceId === 'vpc-0def00000000000d1')?.muted).toMatchObject({
      entry: 'tag',
      reason: 'lab VPC',
    });
  });
});

describe('scan handler: whether the findings topic reaches anyone', () => {
  const pendingOnly = {
    Subscriptions: [
      {
        SubscriptionArn: 'PendingConfirmation',
        Protocol: 'email',
        Endpoint: 'a@example.com',
        TopicArn: TOPIC,
      },
    ],
  };

  it('warns in the report, the log and the metric when no subscription is confirmed, and still publishes', async () => {
    // Prepare
    sns.on(ListSubscriptionsByTopicCommand).resolves(pendingOnly);
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' });

    // Act
    const report = await handler({}, plentyOfTime);

    // Assess
    const warning = `no confirmed subscription (1 pending confirmation): findings and alarms published to ${TOPIC} reach nobody`;
    expect(report.topicReach).toEqual({ topicArn: TOPIC, confirmed: 0, pending: 1, warning });
    expect(
      logs()
        .filter((entry) => entry.level === 'WARN')
        .map((entry) => entry.message),
    ).toEqual([warning]);
    expect(metricBlobs().find((blob) => 'ScanDurationMs' in blob)).toMatchObject({
      ConfirmedSubscriptions: 0,
      ScanErrors: 0,
    });
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand).map((call) => call.args[0].input)).toEqual([
      { TopicArn: TOPIC },
    ]);
    expect(publishedInputs()).toHaveLength(1);
  });

  it('records the confirmed subscriptions on every page, and no warning', async () => {
    // Prepare
    sns
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: undefined })
      .resolves({ ...pendingOnly, NextToken: 'page-2' })
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: 'page-2' })
      .resolves({ Subscriptions: [{ SubscriptionArn: `${TOPIC}:1f2e`, Protocol: 'sqs', TopicArn: TOPIC }] });
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' });

    // Act
    const report = await handler({ dryRun: true }, plentyOfTime);

    // Assess
    expect(report.topicReach).toEqual({ topicArn: TOPIC, confirmed: 1, pending: 1 });
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand)).toHaveLength(2);
    expect(metricBlobs().find((blob) => 'ScanDurationMs' in blob)).toMatchObject({
      ConfirmedSubscriptions: 1,
    });
  });

  it('counts a check it could not make in ScanErrors and leaves the metric out, so its alarm never guesses', async () => {
    // Prepare
    sns.on(ListSubscriptionsByTopicCommand).rejects(
      new SNSServiceException({
        name: 'AuthorizationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'not authorized to perform: SNS:ListSubscriptionsByTopic',
      }),
    );
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: TOPIC, RULES: 'vpc-sagemaker-endpoints' });

    // Act
    const report = await handler({}, plentyOfTime);

    // Assess
    expect(report.topicReach).toEqual({
      topicArn: TOPIC,
      error: `cannot list the subscriptions of ${TOPIC} (AuthorizationError: not authorized to perform: SNS:ListSubscriptionsByTopic)`,
    });
    const scanBlob = metricBlobs().find((blob) => 'ScanDurationMs' in blob);
    expect(scanBlob).toMatchObject({ ScanErrors: 1 });
    expect(scanBlob).not.toHaveProperty('ConfirmedSubscriptions');
    expect(
      logs()
        .filter((entry) => entry.level === 'ERROR')
        .map((entry) => entry.message),
    ).toEqual(['Checking the findings topic subscriptions failed']);
    expect(publishedInputs()).toHaveLength(1);
  });

  it('does not check without a topic', async () => {
    // Prepare
    const handler = handlerWith({});

    // Act
    const report = await handler({ dryRun: true, rules: ['vpc-sagemaker-endpoints'] }, plentyOfTime);

    // Assess
    expect(report.topicReach).toBeUndefined();
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand)).toHaveLength(0);
  });
});
