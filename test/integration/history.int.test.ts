import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateVpcCommand, CreateVpcEndpointCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../src/collect/clients.ts';
import { loadLambdaEnvironment } from '../../src/config/env.ts';
import { createScanHandler } from '../../src/handlers/scan-handler.ts';
import { ReportStore } from '../../src/history/store.ts';
import type { Report } from '../../src/model/report.ts';
import { report as reportOf } from '../support/report.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, scheduledEvent, startMoto } from './moto.ts';

const REGION = 'eu-west-1';
const BUCKET = 'sagemaker-compliance-reports';
const SCHEDULED_EVENT = scheduledEvent(REGION);

interface Scan {
  report: Report;
  /** The Publish requests as sent (the email variant is only visible there). */
  publishes: PublishCommandInput[];
  /** What the SQS subscriber received: the `default` variant, as AWS delivers it. */
  delivered: { Subject: string; Message: string }[];
}

describe.runIf(motoAvailable())('scan history against moto: new, persisting, resolved', () => {
  let moto: Moto;
  const scans: Scan[] = [];
  let keys: string[] = [];
  let latest: Report;
  let bareVpc: string;

  beforeAll(async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    moto = await startMoto();
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });
    const sns = new SNSClient(moto.clientConfig(REGION));
    const sqs = new SQSClient(moto.clientConfig(REGION));

    await s3.send(
      new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    bareVpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc?.VpcId as string;
    const topic = await sns.send(new CreateTopicCommand({ Name: 'sagemaker-findings' }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'findings-subscriber' }));
    const queueArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: queueArn }));

    const publishes: PublishCommandInput[] = [];
    sns.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === PublishCommand.name) publishes.push(args.input as PublishCommandInput);
        return next(args);
      },
      { step: 'initialize', name: 'recordPublishes' },
    );
    const handler = createScanHandler({
      environment: loadLambdaEnvironment({
        AWS_REGION: REGION,
        FINDINGS_TOPIC_ARN: topic.TopicArn,
        RULES: 'vpc-sagemaker-endpoints',
        REPORTS_BUCKET: BUCKET,
        NOTIFY: 'always',
      }),
      logger: new Logger({ serviceName: 'history-test', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'history-test' }),
      sns,
      s3,
      awsClients: () =>
        new AwsClients({
          overrides: { endpoint: moto.endpoint, credentials: moto.clientConfig(REGION).credentials },
        }),
    });
    const scan = async (): Promise<Scan> => {
      publishes.length = 0;
      const report = await handler(SCHEDULED_EVENT, { getRemainingTimeInMillis: () => 900_000 });
      const delivered: Scan['delivered'] = [];
      for (;;) {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.QueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        if (!received.Messages?.length) break;
        delivered.push(...received.Messages.map((message) => JSON.parse(message.Body ?? '{}')));
      }
      return { report, publishes: [...publishes], delivered };
    };

    scans.push(await scan());
    scans.push(await scan());
    for (const service of ['sagemaker.api', 'sagemaker.runtime']) {
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: bareVpc,
          VpcEndpointType: 'Interface',
          ServiceName: `com.amazonaws.${REGION}.${service}`,
          PrivateDnsEnabled: true,
        }),
      );
    }
    scans.push(await scan());

    keys = ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map(
      (object) => object.Key as string,
    );
    const latestObject = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `reports/${MOTO_ACCOUNT_ID}/latest.json` }),
    );
    latest = JSON.parse((await latestObject.Body?.transformToString()) ?? '{}');
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await moto?.stop();
  });

  const email = (scan: Scan | undefined) => JSON.parse(scan?.publishes[0]?.Message ?? '{}').email as string;
  const changeOf = (scan: Scan | undefined, vpcId: string) =>
    scan?.report.results.find((result) => result.resourceId === vpcId)?.delta?.change;

  it('stores each report and its HTML page under the dated key and keeps the last report as latest.json', () => {
    // Assess
    const dated = scans.map(
      ({ report }) =>
        `reports/${MOTO_ACCOUNT_ID}/${report.startedAt.slice(0, 10).replaceAll('-', '/')}/${report.scanId}.json`,
    );
    const pages = dated.map((key) => key.replace(/\.json$/, '.html'));
    expect(keys.sort()).toEqual([...dated, ...pages, `reports/${MOTO_ACCOUNT_ID}/latest.json`].sort());
    expect(scans.map(({ report }) => report.storedAt)).toEqual(dated.map((key) => `s3://${BUCKET}/${key}`));
    expect(scans.map(({ report }) => report.storedHtmlAt)).toEqual(
      pages.map((key) => `s3://${BUCKET}/${key}`),
    );
    expect(latest.scanId).toBe(scans[2]?.report.scanId);
  });

  it('first reports every problem as new, with no baseline error', () => {
    // Assess
    const [first] = scans;
    const failing = first?.report.results.filter((result) => result.status === 'FAIL') ?? [];
    expect(failing.length).toBeGreaterThanOrEqual(2);
    expect(failing.map((result) => result.delta?.change)).toEqual(failing.map(() => 'new'));
    expect(first?.report.baseline).toMatchObject({ firstScan: true });
    expect(first?.delivered[0]?.Subject).toMatch(
      new RegExp(
        `^\\[FAIL\\] SageMaker compliance ${MOTO_ACCOUNT_ID}: ${failing.length} new, ${failing.length} failing`,
      ),
    );
    expect(email(first)).toContain('NEW AND REGRESSED FAILURES');
    expect(email(first)).toContain(`  ${REGION}  ${bareVpc}  `);
  });

  it('then sees the same problems persisting, with their first-seen time', () => {
    // Assess
    const [first, second] = scans;
    expect(second?.report.baseline).toMatchObject({ scanId: first?.report.scanId });
    expect(changeOf(second, bareVpc)).toBe('persisting');
    expect(second?.report.results.find((result) => result.resourceId === bareVpc)?.delta?.firstSeen).toBe(
      first?.report.startedAt,
    );
    expect(email(second)).not.toContain('NEW AND REGRESSED FAILURES');
    expect(email(second)).toMatch(
      /\n\d+ failures persist \(first seen \d{4}-\d{2}-\d{2}\), each listed in the stored report \(REPORT, below\)\n/,
    );
    expect(email(second)).toContain(
      `  HTML, to read: https://console.aws.amazon.com/s3/object/${BUCKET}?region=${REGION}&prefix=${second?.report.storedHtmlAt?.replace(`s3://${BUCKET}/`, '')}\n`,
    );
  });

  it('and reports the fixed VPC as resolved, in the report, the email and the delivered message', () => {
    // Assess
    const third = scans[2];
    expect(changeOf(third, bareVpc)).toBe('resolved');
    expect(third?.report.resolved).toEqual([
      expect.objectContaining({ resourceId: bareVpc, previousStatus: 'FAIL', now: 'PASS' }),
    ]);
    expect(email(third)).toMatch(
      new RegExp(`RESOLVED SINCE THE PREVIOUS SCAN\\n\\n {2}${REGION} {2}${bareVpc} .*: now passes`),
    );
    const machine = JSON.parse(third?.delivered[0]?.Message ?? '{}');
    expect(machine.resolved.map((entry: { resourceId: string }) => entry.resourceId)).toEqual([bareVpc]);
  });
});

/**
 * moto 5.2 implements S3's conditional writes for PutObject: 412 PreconditionFailed for `If-Match`
 * on another ETag and for `If-None-Match: *` on an existing key, 404 for `If-Match` on a missing
 * key. It never answers 409 ConditionalRequestConflict; test/history/store-wire.test.ts serves that
 * one from a local server in front of the real SDK.
 */
describe.runIf(motoAvailable())('overlapping scans against moto: history is never rewritten', () => {
  const OVERLAP_BUCKET = 'overlapping-scan-reports';
  const LATEST = `reports/${MOTO_ACCOUNT_ID}/latest.json`;
  const SOURCE = `s3://${OVERLAP_BUCKET}/${LATEST}`;
  let moto: Moto;
  let s3: S3Client;

  const readLatest = async (): Promise<Report> => {
    const object = await s3.send(new GetObjectCommand({ Bucket: OVERLAP_BUCKET, Key: LATEST }));
    return JSON.parse((await object.Body?.transformToString()) ?? '{}');
  };
  const storedKeys = async () =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: OVERLAP_BUCKET }))).Contents ?? [])
      .map((object) => object.Key as string)
      .sort();
  const handlerWith = (client: S3Client) =>
    createScanHandler({
      environment: loadLambdaEnvironment({
        AWS_REGION: REGION,
        RULES: 'vpc-sagemaker-endpoints',
        REPORTS_BUCKET: OVERLAP_BUCKET,
        NOTIFY: 'never',
      }),
      logger: new Logger({ serviceName: 'overlap-test', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'overlap-test' }),
      sns: new SNSClient(moto.clientConfig(REGION)),
      s3: client,
      awsClients: () =>
        new AwsClients({
          overrides: { endpoint: moto.endpoint, credentials: moto.clientConfig(REGION).credentials },
        }),
    });
  const context = { getRemainingTimeInMillis: () => 900_000 };

  beforeAll(async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    moto = await startMoto();
    s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });
    await s3.send(
      new CreateBucketCommand({
        Bucket: OVERLAP_BUCKET,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: OVERLAP_BUCKET,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    await new EC2Client(moto.clientConfig(REGION)).send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }));
  }, 60_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await moto?.stop();
  });

  it('keeps the baseline of a scan that started later when the scan that started first finishes last', async () => {
    // Prepare
    await handlerWith(s3)(SCHEDULED_EVENT, context);
    let reachGate: () => void = () => undefined;
    const reachedGate = new Promise<void>((resolve) => {
      reachGate = resolve;
    });
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const slow = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });
    slow.middlewareStack.add(
      (next, middlewareContext) => async (args) => {
        const input = args.input as { Key?: string };
        if (middlewareContext.commandName === 'PutObjectCommand' && input.Key === LATEST) {
          reachGate();
          await gate;
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdBaselineWrite' },
    );

    // Act
    const first = handlerWith(slow)(SCHEDULED_EVENT, context);
    await reachedGate;
    const second = await handlerWith(s3)(SCHEDULED_EVENT, context);
    openGate();
    const firstReport = await first;

    // Assess
    expect(Date.parse(firstReport.startedAt)).toBeLessThan(Date.parse(second.startedAt));
    expect(second.baselineUpdate).toEqual({ outcome: 'moved', source: SOURCE });
    expect(firstReport.baselineUpdate).toEqual({
      outcome: 'kept',
      source: SOURCE,
      reason: 'it holds a scan that started later than this one',
      heldBy: { scanId: second.scanId, startedAt: second.startedAt },
    });
    expect((await readLatest()).scanId).toBe(second.scanId);
    expect(await storedKeys()).toEqual(
      expect.arrayContaining(
        [firstReport, second].map((scan) => scan.storedAt?.replace(`s3://${OVERLAP_BUCKET}/`, '')),
      ),
    );
  });

  it('replaces a baseline that a scan which started earlier wrote while this one ran', async () => {
    // Prepare
    const store = new ReportStore(s3, OVERLAP_BUCKET);
    const readByBoth = await store.readPrevious(MOTO_ACCOUNT_ID);
    const earlier = reportOf([], { scanId: 'scan-earlier', startedAt: '2026-12-01T02:00:00.000Z' });
    const later = reportOf([], { scanId: 'scan-later', startedAt: '2026-12-01T02:00:05.000Z' });

    // Act
    const earlierUpdate = await store.updateLatest(earlier, MOTO_ACCOUNT_ID, readByBoth);
    const laterUpdate = await store.updateLatest(later, MOTO_ACCOUNT_ID, readByBoth);

    // Assess
    expect(readByBoth.kind).toBe('found');
    expect(earlierUpdate).toEqual({ outcome: 'moved', source: SOURCE });
    expect(laterUpdate).toEqual({ outcome: 'moved', source: SOURCE });
    expect((await readLatest()).scanId).toBe('scan-later');
  });

  it('lets only one of two first scans create latest.json, then keeps the later one', async () => {
    // Prepare
    const store = new ReportStore(s3, OVERLAP_BUCKET);
    const account = '210987654321';
    const firstRead = await store.readPrevious(account);
    const later = reportOf([], { scanId: 'first-later', startedAt: '2026-12-01T02:00:05.000Z' });
    const earlier = reportOf([], { scanId: 'first-earlier', startedAt: '2026-12-01T02:00:00.000Z' });

    // Act
    const laterUpdate = await store.updateLatest(later, account, firstRead);
    const earlierUpdate = await store.updateLatest(earlier, account, firstRead);

    // Assess
    expect(firstRead).toEqual({
      kind: 'none',
      source: `s3://${OVERLAP_BUCKET}/reports/${account}/latest.json`,
    });
    expect(laterUpdate.outcome).toBe('moved');
    expect(earlierUpdate).toMatchObject({ outcome: 'kept', heldBy: { scanId: 'first-later' } });
  });

  it('never replaces a dated report that is already stored: a retried attempt goes beside it, a third write fails', async () => {
    // Prepare
    const store = new ReportStore(s3, OVERLAP_BUCKET);
    const dated = reportOf([], { scanId: 'scan-stored-once', startedAt: '2026-12-01T03:00:00.000Z' });
    await store.store(dated, MOTO_ACCOUNT_ID);

    // Act
    const retried = await store.store({ ...dated, complete: false }, MOTO_ACCOUNT_ID);
    const again = store.store({ ...dated, complete: false }, MOTO_ACCOUNT_ID);

    // Assess
    expect(retried.storedAt).toBe(
      `s3://${OVERLAP_BUCKET}/reports/${MOTO_ACCOUNT_ID}/2026/12/01/scan-stored-once.attempt-20261201T030000000Z.json`,
    );
    await expect(again).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: OVERLAP_BUCKET,
        Key: `reports/${MOTO_ACCOUNT_ID}/2026/12/01/scan-stored-once.json`,
      }),
    );
    expect(JSON.parse((await object.Body?.transformToString()) ?? '{}').complete).toBe(true);
  });
});

describe.runIf(motoAvailable())('the first night against moto: a denied read of latest.json', () => {
  let moto: Moto;
  let s3: S3Client;
  const FIRST_NIGHT_BUCKET = 'first-night-reports';

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });
    await s3.send(
      new CreateBucketCommand({
        Bucket: FIRST_NIGHT_BUCKET,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    // moto does not evaluate the scan role's policy: GetObject is refused here as S3 refuses a caller
    // without s3:ListBucket on the key, and the listing goes to moto over the real wire.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === GetObjectCommand.name) {
          throw new S3ServiceException({
            name: 'AccessDenied',
            $fault: 'client',
            $metadata: { httpStatusCode: 403 },
            message: 'Access Denied',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'denyGetObject' },
    );
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('is the first scan when the one-key listing finds no latest.json, even beside a longer key', async () => {
    // Prepare
    const account = '210987654321';
    await s3.send(
      new PutObjectCommand({
        Bucket: FIRST_NIGHT_BUCKET,
        Key: `reports/${account}/latest.json.bak`,
        Body: '{}',
      }),
    );

    // Act
    const previous = await new ReportStore(s3, FIRST_NIGHT_BUCKET).readPrevious(account);

    // Assess
    expect(previous).toEqual({
      kind: 'none',
      source: `s3://${FIRST_NIGHT_BUCKET}/reports/${account}/latest.json`,
    });
  });

  it('is a permission problem when the listing finds latest.json', async () => {
    // Prepare
    const account = '109876543210';
    const store = new ReportStore(s3, FIRST_NIGHT_BUCKET);
    await store.updateLatest(reportOf([]), account, { kind: 'none', source: 'first' });

    // Act
    const previous = await store.readPrevious(account);

    // Assess
    expect(previous).toEqual({
      kind: 'unreadable',
      error: `cannot read s3://${FIRST_NIGHT_BUCKET}/reports/${account}/latest.json (AccessDenied: Access Denied); it exists, so the scan role may not read it`,
    });
  });
});
