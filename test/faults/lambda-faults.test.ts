import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { IAMServiceException } from '@aws-sdk/client-iam';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadLambdaEnvironment } from '../../src/config/env.ts';
import { createScanHandler } from '../../src/handlers/scan-handler.ts';
import type { Report } from '../../src/model/report.ts';
import {
  AttemptLog,
  awsError,
  type FakeAws,
  failFirst,
  fastClientOverrides,
  fastClients,
  hangs,
  pagesOf,
  type Responder,
  serveFromResponders,
  startFakeAws,
} from '../support/aws-faults.ts';
import { vpc } from '../support/inventory.ts';
import { healthy, WIRE_REGION, wireClients } from './wire-world.ts';
import {
  ACCOUNT_ID,
  compliantRegions,
  EC2_RULE_IDS,
  type Faults,
  HOME_REGION,
  IAM_RULE_IDS,
  OPT_IN_REGION,
  REGIONS,
  serveWorld,
} from './world.ts';

const TOPIC = `arn:aws:sns:${HOME_REGION}:${ACCOUNT_ID}:sagemaker-findings`;
const plentyOfTime = { getRemainingTimeInMillis: () => 900_000 };

/** Everything Powertools wrote (log entries and EMF blobs), parsed. */
let output: Record<string, unknown>[] = [];
const logs = () => output.filter((entry) => 'level' in entry);

interface Published {
  subject: string;
  email: string;
  attributes: Record<string, { StringValue?: string }>;
}

/**
 * A real SNS client whose Publish answers come from `publish` beneath the retry middleware, so
 * that the SDK's retries run; `delivered` lists each message SNS accepted, in order.
 */
function snsClient(publish: (healthy: Responder) => Responder = (healthy) => healthy) {
  const client = new SNSClient({ region: HOME_REGION, ...fastClientOverrides(4) });
  const delivered: Published[] = [];
  let messages = 0;
  const accept: Responder = (input) => {
    const message = JSON.parse(input.Message as string) as { email: string };
    delivered.push({
      subject: input.Subject as string,
      email: message.email,
      attributes: input.MessageAttributes as Published['attributes'],
    });
    messages += 1;
    return { MessageId: `message-${messages}` };
  };
  const log = serveFromResponders(client, { Publish: publish(accept) }, new AttemptLog());
  return { client, delivered, log };
}

/** A real S3 client over an empty bucket: every key PutObject wrote, in order. */
function s3Bucket() {
  const client = new S3Client({ region: HOME_REGION, ...fastClientOverrides(2) });
  const written: string[] = [];
  serveFromResponders(client, {
    GetObject: () => {
      throw awsError(S3ServiceException, 'NoSuchKey', 404, 'The specified key does not exist.');
    },
    PutObject: (input) => {
      written.push(input.Key as string);
      return { ETag: '"0"' };
    },
  });
  return { client, written };
}

/** The scan handler with its AWS reads sent to `endpoint` (a {@link startFakeAws} server), storing into `s3`. */
function handlerOverWire(endpoint: string, sns: SNSClient, s3: S3Client, env: Record<string, string> = {}) {
  return createScanHandler({
    environment: loadLambdaEnvironment({
      AWS_REGION: WIRE_REGION,
      FINDINGS_TOPIC_ARN: TOPIC,
      REPORTS_BUCKET: 'compliance-reports',
      NOTIFY: 'always',
      ...env,
    }),
    logger: new Logger({ serviceName: 'faults', logLevel: 'INFO' }),
    metrics: new Metrics({ namespace: 'Faults', serviceName: 'faults' }),
    sns,
    s3,
    awsClients: () => wireClients(endpoint),
  });
}

function handlerWith(env: Record<string, string>, faults: Faults, sns: SNSClient) {
  return createScanHandler({
    environment: loadLambdaEnvironment({
      AWS_REGION: HOME_REGION,
      FINDINGS_TOPIC_ARN: TOPIC,
      SCAN_REGIONS: REGIONS.join(','),
      ...env,
    }),
    logger: new Logger({ serviceName: 'faults', logLevel: 'INFO' }),
    metrics: new Metrics({ namespace: 'Faults', serviceName: 'faults' }),
    sns,
    awsClients: () => {
      const clients = fastClients(3);
      serveWorld(clients, faults);
      return clients;
    },
  });
}

const forever = (makeError: () => Error) => (healthy: Responder) =>
  failFirst(Number.POSITIVE_INFINITY, makeError, healthy);

/** The compliant world, except that every VPC of the home region lacks both endpoints: many FAIL results. */
function manyFailingVpcs(count: number): Faults {
  const vpcs = Array.from({ length: count }, (_, index) => vpc(`vpc-0f${String(index).padStart(15, '0')}`));
  return {
    ec2: {
      ...compliantRegions(),
      [HOME_REGION]: { DescribeVpcs: () => pagesOf('Vpcs', vpcs) },
    },
  };
}

const partOf = (input: Record<string, unknown>) => /\(part (\d+)\/\d+\)$/.exec(String(input.Subject))?.[1];

beforeEach(() => {
  // POWERTOOLS_DEV routes Logger and Metrics through the console, where they are captured.
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  output = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((text: unknown) => {
      output.push(JSON.parse(String(text)));
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('the Lambda alert when AWS reads fail', () => {
  it('succeeds and publishes "[ERROR] … 2 errors" naming AuthFailure under could-not-check when an opt-in region is disabled', async () => {
    // Prepare
    const sns = snsClient();
    const faults: Faults = {
      ec2: {
        ...compliantRegions(),
        [OPT_IN_REGION]: {
          DescribeVpcEndpointServices: forever(() => awsError(EC2ServiceException, 'AuthFailure', 401)),
        },
      },
    };
    const handler = handlerWith({ RULES: EC2_RULE_IDS.join(',') }, faults, sns.client);

    // Act
    const response = await handler({}, plentyOfTime);

    // Assess
    expect(response.summary).toMatchObject({ pass: 6, fail: 0, error: 2 });
    expect(sns.delivered).toHaveLength(1);
    const [alert] = sns.delivered;
    expect(alert?.subject).toBe(`[ERROR] SageMaker compliance ${ACCOUNT_ID}: 2 errors, nothing failing`);
    expect(alert?.attributes.errorCount?.StringValue).toBe('2');
    const couldNotCheck = alert?.email.split('COULD NOT CHECK')[1] ?? '';
    expect(couldNotCheck).toContain('me-south-1');
    expect(couldNotCheck).toContain('AuthFailure');
  });

  it('succeeds and alerts with the IAM rules under could-not-check, quoting AccessDenied, when IAM refuses the scanner', async () => {
    // Prepare
    const sns = snsClient();
    const faults: Faults = {
      iam: {
        GetAccountAuthorizationDetails: forever(() => awsError(IAMServiceException, 'AccessDenied', 403)),
      },
    };
    const handler = handlerWith({ RULES: IAM_RULE_IDS.join(',') }, faults, sns.client);

    // Act
    const response = await handler({}, plentyOfTime);

    // Assess
    expect(response.summary).toMatchObject({ pass: 0, fail: 0, error: 2 });
    const [alert] = sns.delivered;
    expect(alert?.subject).toMatch(/^\[ERROR\] SageMaker compliance 111122223333: 2 errors/);
    const couldNotCheck = alert?.email.split('COULD NOT CHECK')[1] ?? '';
    for (const ruleId of IAM_RULE_IDS) expect(couldNotCheck).toContain(ruleId);
    expect(couldNotCheck).toContain('AccessDenied');
  });
});

describe('the Lambda when AWS answers HTTP 200 with nothing useful', () => {
  let aws: FakeAws | undefined;

  afterEach(async () => {
    await aws?.close();
    aws = undefined;
  });

  it("stores the dated report as the baseline of the next scan when every answer is AWS's", async () => {
    // Prepare
    aws = await startFakeAws(healthy);
    const sns = snsClient();
    const s3 = s3Bucket();

    // Act
    const response = await handlerOverWire(aws.endpoint, sns.client, s3.client)({}, plentyOfTime);

    // Assess
    expect(response.summary.error).toBe(0);
    expect(s3.written).toEqual([
      expect.stringMatching(/^reports\/111122223333\/\d{4}\/\d\d\/\d\d\/[0-9a-f-]{36}\.json$/),
      expect.stringMatching(/^reports\/111122223333\/\d{4}\/\d\d\/\d\d\/[0-9a-f-]{36}\.html$/),
      'reports/111122223333/latest.json',
    ]);
  });

  it.each([
    [
      'GetAccountAuthorizationDetails',
      5,
      '[ERROR] SageMaker compliance 111122223333: 5 errors, nothing failing',
    ],
    // The two VPC rules and sagemaker-private-path read the VPCs.
    ['DescribeVpcs', 3, '[FAIL] SageMaker compliance 111122223333: 2 new, 2 failing (1 high), 3 errors'],
    // Every rule but the IAM ones needs the endpoint services; the Studio URL rules read them only
    // for the Identity Center note of their evidence.
    [
      'DescribeVpcEndpointServices',
      6,
      '[FAIL] SageMaker compliance 111122223333: 2 new, 2 failing (1 high), 6 errors',
    ],
  ])(
    'publishes errors, never "[OK]", and keeps latest.json when %s answers an empty HTTP 200',
    async (action, errors, subject) => {
      // Prepare
      aws = await startFakeAws((call) => (call.action === action ? { body: '' } : healthy(call)));
      const sns = snsClient();
      const s3 = s3Bucket();

      // Act
      const response = await handlerOverWire(aws.endpoint, sns.client, s3.client)({}, plentyOfTime);

      // Assess
      expect(response.summary.error).toBe(errors);
      const [alert] = sns.delivered;
      expect(alert?.subject).toBe(subject);
      expect(alert?.attributes.errorCount?.StringValue).toBe(String(errors));
      expect(alert?.email.split('COULD NOT CHECK')[1]).toContain(`IncompleteResponse: ${action} answered`);
      expect(s3.written).toHaveLength(2);
      expect(s3.written.every((key) => /^reports\/111122223333\/\d{4}\//.test(key))).toBe(true);
      expect(
        logs().some((entry) => entry.level === 'WARN' && String(entry.message).includes('latest.json')),
      ).toBe(true);
    },
  );

  it('at the deadline stores and publishes the partial report, marked incomplete, and keeps latest.json', async () => {
    // Prepare
    aws = await startFakeAws((call) => (call.action === 'DescribeVpcs' ? 'silent' : healthy(call)));
    const sns = snsClient();
    const s3 = s3Bucket();
    // Half a second before the 60 s margin: the silent DescribeVpcs is still waiting then.
    const context = { getRemainingTimeInMillis: () => 60_500 };

    // Act
    const response = await handlerOverWire(aws.endpoint, sns.client, s3.client)({}, context);

    // Assess
    expect(response.complete).toBe(false);
    const vpcRules = response.results.filter((result) => result.ruleId.startsWith('vpc-'));
    expect(vpcRules.map((result) => result.status)).toEqual(['ERROR', 'ERROR']);
    expect(vpcRules[0]?.message).toContain('vpcs (DeadlineExceeded: not finished before the scan deadline)');
    expect(sns.delivered[0]?.subject).toMatch(/\(incomplete\)$/);
    expect(s3.written).toHaveLength(2);
    expect(s3.written).not.toContain('reports/111122223333/latest.json');
  });
});

describe('SNS faults', () => {
  it('delivers every part exactly once when SNS throttles part 2 twice (ThrottledException) and then accepts it', async () => {
    // Prepare
    const sns = snsClient((healthy) =>
      failFirst(
        2,
        () => awsError(SNSServiceException, 'ThrottledException', 429, 'Rate exceeded'),
        healthy,
        (input) => partOf(input) === '2',
      ),
    );
    const handler = handlerWith({ RULES: 'vpc-sagemaker-endpoints' }, manyFailingVpcs(400), sns.client);

    // Act
    const response = await handler({}, plentyOfTime);

    // Assess
    const parts = sns.delivered.map((message) => /\(part (\d+)\/(\d+)\)$/.exec(message.subject)?.slice(1));
    const count = Number(parts[0]?.[1]);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(parts).toEqual(Array.from({ length: count }, (_, index) => [String(index + 1), String(count)]));
    expect(sns.log.count('Publish')).toBe(count + 2);
    expect(response.summary.fail).toBe(400);
    const published = logs().filter((entry) => entry.message === 'Notification published');
    expect(published.map((entry) => entry.part)).toEqual(parts.map((part) => Number(part?.[0])));
  });

  it('rejects the invocation and logs the delivered parts when part 2 fails for good (AuthorizationErrorException)', async () => {
    // Prepare
    const sns = snsClient((healthy) =>
      failFirst(
        Number.POSITIVE_INFINITY,
        () => awsError(SNSServiceException, 'AuthorizationErrorException', 403, 'not authorized to publish'),
        healthy,
        (input) => partOf(input) === '2',
      ),
    );
    const handler = handlerWith({ RULES: 'vpc-sagemaker-endpoints' }, manyFailingVpcs(400), sns.client);

    // Act
    const invocation = handler({}, plentyOfTime);

    // Assess
    await expect(invocation).rejects.toThrow(
      /^SNS publish of part 2\/\d+ failed \(AuthorizationErrorException: not authorized to publish\); delivered parts: 1$/,
    );
    expect(sns.delivered).toHaveLength(1);
    expect(sns.log.count('Publish')).toBe(2);
    const failure = logs().find((entry) => entry.message === 'Publishing the findings failed');
    expect(failure).toMatchObject({ level: 'ERROR', deliveredParts: [1], failedPart: 2 });
  });

  it.each([
    ['KMSAccessDeniedException', 'User is not authorized to perform kms:GenerateDataKey on the topic key'],
    ['KMSDisabledException', 'The KMS key of the topic is disabled'],
  ])(
    'rejects the invocation with %s in the error when the topic key cannot be used, having delivered nothing',
    async (code, message) => {
      // Prepare
      const sns = snsClient(forever(() => awsError(SNSServiceException, code, 400, message)));
      const handler = handlerWith({ RULES: EC2_RULE_IDS.join(',') }, {}, sns.client);

      // Act
      const invocation = handler({}, plentyOfTime);

      // Assess
      await expect(invocation).rejects.toThrow(`(${code}: ${message}); delivered parts: none`);
      expect(sns.delivered).toHaveLength(0);
      expect(sns.log.count('Publish')).toBe(1);
    },
  );
});

describe('the Lambda deadline', () => {
  it('at the deadline publishes an incomplete report: ERROR (DeadlineExceeded) for the region in flight and the regions not started', async () => {
    // Prepare
    const sns = snsClient();
    const ec2 = compliantRegions();
    ec2['us-east-1'] = { ...ec2['us-east-1'], DescribeVpcs: () => () => hangs };
    const handler = handlerWith(
      { RULES: EC2_RULE_IDS.join(','), REGION_CONCURRENCY: '1', DEADLINE_MARGIN_SECONDS: '60' },
      { ec2 },
      sns.client,
    );
    // One second before the margin: the home region is read, us-east-1 never answers.
    const context = { getRemainingTimeInMillis: () => 61_000 };

    // Act
    const response = await handler({}, context);

    // Assess
    expect(response.complete).toBe(false);
    const byRegion = (report: Pick<Report, 'results'>, region: string) =>
      report.results.filter((result) => result.region === region);
    expect(byRegion(response, HOME_REGION).map((result) => result.status)).toEqual(['PASS', 'PASS', 'PASS']);
    expect(byRegion(response, 'us-east-1').map((result) => result.status)).toEqual(['ERROR', 'ERROR']);
    expect(byRegion(response, 'us-east-1')[0]?.message).toContain(
      'vpcs (DeadlineExceeded: not finished before the scan deadline)',
    );
    expect(byRegion(response, OPT_IN_REGION)[0]?.message).toContain(
      'DeadlineExceeded: not reached before the scan deadline',
    );
    const [alert] = sns.delivered;
    expect(alert?.subject).toBe(
      `[ERROR] SageMaker compliance ${ACCOUNT_ID}: 4 errors, nothing failing (incomplete)`,
    );
    expect(alert?.email).toContain('The scan is INCOMPLETE');
    expect(
      logs().some((entry) => entry.level === 'WARN' && String(entry.message).includes('incomplete')),
    ).toBe(true);
  });
});
