import { Readable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadLambdaEnvironment } from '../../src/config/env.ts';
import { createScanHandler } from '../../src/handlers/scan-handler.ts';
import type { AccountOrganization } from '../../src/model/inventory.ts';
import type { OrganizationAccountEvent } from '../../src/model/organization-run.ts';
import type { Report } from '../../src/model/report.ts';
import { healthy, WIRE_ACCOUNT_ID, WIRE_REGION, wireClients } from '../faults/wire-world.ts';
import {
  type FakeAws,
  fastClientOverrides,
  queryXml,
  STS_XMLNS,
  startFakeAws,
  type WireCall,
} from '../support/aws-faults.ts';

const MANAGEMENT = '999988887777';
const TOPIC = `arn:aws:sns:${WIRE_REGION}:${MANAGEMENT}:sagemaker-findings`;
const BUCKET = 'compliance-reports';
const RULE = 'iam-principal-presigned-url-source-ip';
const APPROVED = '203.0.113.0/24';
const ROLE = 'SageMakerComplianceMember';
const ROLE_ARN = `arn:aws:iam::${WIRE_ACCOUNT_ID}:role/${ROLE}`;

const assumed = queryXml(
  'AssumeRole',
  STS_XMLNS,
  `<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::${WIRE_ACCOUNT_ID}:assumed-role/${ROLE}/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>`,
);
const denied = `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>`;

const FULL_AWS_ACCESS = {
  id: 'p-FullAWSAccess',
  name: 'FullAWSAccess',
  content: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};
const DENY_OUTSIDE = {
  id: 'p-denyoutside1',
  name: 'deny-presign-outside-approved',
  content: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: 'sagemaker:CreatePresignedNotebookInstanceUrl',
        Resource: '*',
        Condition: { NotIpAddress: { 'aws:SourceIp': [APPROVED] } },
      },
    ],
  },
};

function section(ouPolicies: object[]): AccountOrganization {
  return {
    membership: 'member',
    organizationId: 'o-exampleorg1',
    managementAccountId: MANAGEMENT,
    scpsEnabled: true,
    scpPath: [
      { type: 'ROOT', id: 'r-ab12', policies: [FULL_AWS_ACCESS] },
      { type: 'ORGANIZATIONAL_UNIT', id: 'ou-ab12-prod0001', policies: [FULL_AWS_ACCESS, ...ouPolicies] },
      { type: 'ACCOUNT', id: WIRE_ACCOUNT_ID, policies: [FULL_AWS_ACCESS] },
    ],
  } as AccountOrganization;
}

function accountEvent(organization: AccountOrganization): OrganizationAccountEvent {
  return {
    kind: 'organization-account',
    runId: 'nightly-2026-03-01',
    account: { accountId: WIRE_ACCOUNT_ID, accountName: 'prod-a', organization },
  };
}

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const hub = mockClient(SecurityHubClient);
/** The credentials each Security Hub client was made with (undefined: the function's own). */
let hubCredentials: unknown[] = [];
let bucket = new Map<string, string>();
let aws: FakeAws | undefined;
let output: Record<string, unknown>[] = [];
const plentyOfTime = { getRemainingTimeInMillis: () => 900_000 };

async function handlerWith(env: Record<string, string>, refuseRole = false) {
  aws = await startFakeAws((call: WireCall) => {
    if (call.action !== 'AssumeRole') return healthy(call);
    return refuseRole ? { status: 403, body: denied } : { body: assumed };
  });
  const endpoint = aws.endpoint;
  return createScanHandler({
    environment: loadLambdaEnvironment({
      AWS_REGION: WIRE_REGION,
      FINDINGS_TOPIC_ARN: TOPIC,
      REPORTS_BUCKET: BUCKET,
      RULES: RULE,
      ALLOWED_SOURCE_CIDRS: APPROVED,
      NOTIFY: 'always',
      ...env,
    }),
    logger: new Logger({ serviceName: 'test', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    sns: new SNSClient({ region: WIRE_REGION, maxAttempts: 1 }),
    s3: new S3Client({ region: WIRE_REGION, maxAttempts: 1 }),
    awsClients: () => wireClients(endpoint),
    memberClients: (options) => wireClients(endpoint, options),
    memberStsConfig: { endpoint, ...fastClientOverrides(2) },
    securityHub: (region, credentials) => {
      hubCredentials.push(credentials);
      return new SecurityHubClient({ region, credentials, maxAttempts: 1 });
    },
  });
}

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  output = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((text: unknown) => {
      output.push(JSON.parse(String(text)));
    });
  }
  bucket = new Map();
  s3.on(PutObjectCommand).callsFake((input) => {
    bucket.set(input.Key, String(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input) => {
    const text = bucket.get(input.Key);
    if (text === undefined)
      throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    return { Body: sdkStreamMixin(Readable.from([Buffer.from(text)])), ETag: '"v1"' };
  });
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
  hub.on(BatchImportFindingsCommand).resolves({ SuccessCount: 1, FailedCount: 0, FailedFindings: [] });
  hubCredentials = [];
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  s3.reset();
  sns.reset();
  hub.reset();
  await aws?.close();
  aws = undefined;
});

describe('scan handler with an organization-account event', () => {
  it('assumes the member role, judges with the SCP path of the event, stores the report and baseline, publishes nothing', async () => {
    // Prepare
    const handler = await handlerWith({ MEMBER_ROLE_NAME: ROLE });

    // Act
    const outcome = await handler(accountEvent(section([DENY_OUTSIDE])), plentyOfTime);

    // Assess
    const reportKey = [...bucket.keys()].find((key) =>
      /^reports\/111122223333\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.json$/.test(key),
    );
    expect(outcome).toEqual({
      accountId: WIRE_ACCOUNT_ID,
      status: 'scanned',
      reportKey,
      complete: true,
      summary: { pass: 1, fail: 0, error: 0, muted: 0 },
    });
    const assumeRole = aws?.calls.find((call) => call.action === 'AssumeRole');
    expect(assumeRole?.params.get('RoleArn')).toBe(ROLE_ARN);
    const organizationCalls = [
      'DescribeOrganization',
      'ListRoots',
      'ListParents',
      'ListPoliciesForTarget',
      'DescribePolicy',
    ];
    expect(aws?.calls.filter((call) => organizationCalls.includes(call.action))).toEqual([]);
    const report = JSON.parse(bucket.get(reportKey as string) as string) as Report;
    expect(report.results.map((result) => `${result.accountId} ${result.ruleId} ${result.status}`)).toEqual([
      `${WIRE_ACCOUNT_ID} ${RULE} PASS`,
    ]);
    expect(report.results[0]?.evidence.scpsEvaluated).toBe(true);
    expect(bucket.has(`reports/${WIRE_ACCOUNT_ID}/latest.json`)).toBe(true);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand)).toHaveLength(0);
  });

  it('FAILs the same principal when the SCP path of the event has no deny', async () => {
    // Prepare
    const handler = await handlerWith({ MEMBER_ROLE_NAME: ROLE });

    // Act
    const outcome = await handler(accountEvent(section([])), plentyOfTime);

    // Assess
    expect(outcome.summary).toEqual({ pass: 0, fail: 1, error: 0, muted: 0 });
  });

  it('answers an account whose member role STS refuses as unreadable, with its one ERROR stored, and keeps its baseline', async () => {
    // Prepare
    const handler = await handlerWith({ MEMBER_ROLE_NAME: ROLE }, true);

    // Act
    const outcome = await handler(accountEvent(section([])), plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({
      accountId: WIRE_ACCOUNT_ID,
      status: 'unreadable',
      complete: true,
      summary: { pass: 0, fail: 0, error: 1, muted: 0 },
    });
    const report = JSON.parse(bucket.get(outcome.reportKey as string) as string) as Report;
    expect(report.results[0]?.message).toBe(
      `Could not scan account ${WIRE_ACCOUNT_ID}: could not assume role ${ROLE_ARN} (sts:AssumeRole): not authorized to perform: sts:AssumeRole (HTTP 403) (AccessDenied); no rule judged it.`,
    );
    expect(bucket.has(`reports/${WIRE_ACCOUNT_ID}/latest.json`)).toBe(false);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('imports into the account own Security Hub with the member role the scan assumed (once), and not for an unreadable account', async () => {
    // Prepare
    const readable = await handlerWith({ MEMBER_ROLE_NAME: ROLE, SECURITY_HUB: 'true' });

    // Act
    await readable(accountEvent(section([])), plentyOfTime);
    const credentials = hubCredentials[0] as () => Promise<{ accessKeyId: string }>;
    const resolved = await credentials();
    const assumed = aws?.calls
      .filter((call) => call.action === 'AssumeRole')
      .map((call) => call.params.get('RoleArn'));
    await aws?.close();
    const unreadable = await handlerWith({ MEMBER_ROLE_NAME: ROLE, SECURITY_HUB: 'true' }, true);
    hubCredentials = [];
    await unreadable(accountEvent(section([])), plentyOfTime);

    // Assess
    expect(resolved.accessKeyId).toBe('ASIAEXAMPLE');
    expect(assumed).toEqual([ROLE_ARN]);
    const [call] = hub.commandCalls(BatchImportFindingsCommand);
    expect(call?.args[0].input.Findings?.map((finding) => finding.AwsAccountId)).toEqual([WIRE_ACCOUNT_ID]);
    expect(hub.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
    expect(hubCredentials).toEqual([]);
  });

  it('refuses the event when MEMBER_ROLE_NAME is not set, naming the variable', async () => {
    // Prepare
    const handler = await handlerWith({});

    // Act
    const scan = handler(accountEvent(section([])), plentyOfTime);

    // Assess
    await expect(scan).rejects.toThrow(
      'environment variable MEMBER_ROLE_NAME is not set: an organization-account event is scanned through the member role it names',
    );
  });

  it('refuses an event whose account is malformed, naming the field', async () => {
    // Prepare
    const handler = await handlerWith({ MEMBER_ROLE_NAME: ROLE });
    const event = accountEvent(section([]));

    // Act
    const scan = handler({ ...event, account: { ...event.account, accountId: '1234' } }, plentyOfTime);

    // Assess
    await expect(scan).rejects.toThrow(
      'organization-account event: $.account.accountId: expected a 12-digit account id',
    );
  });
});
