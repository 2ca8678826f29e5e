import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configureApp } from '../../infra/scanner-app.ts';
import { AwsClients } from '../../src/collect/clients.ts';
import { loadLambdaEnvironment } from '../../src/config/env.ts';
import { loadAggregateEnvironment, loadPlanEnvironment } from '../../src/config/organization-env.ts';
import { createAggregateHandler } from '../../src/handlers/org-aggregate-handler.ts';
import { createPlanHandler } from '../../src/handlers/org-plan-handler.ts';
import { createScanHandler } from '../../src/handlers/scan-handler.ts';
import {
  type AccountScanOutcome,
  accountScanOutcome,
  type PlanItem,
  type PlanOutput,
} from '../../src/model/organization-run.ts';
import type { Report } from '../../src/model/report.ts';
import type { OrganizationDigest } from '../../src/report/organization-digest.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, startMoto } from './moto.ts';
import {
  APPROVED,
  buildOrganization,
  MEMBER_ROLE,
  REGION,
  RULE,
  startStsProxy,
  type World,
} from './organization-world.ts';

const BUCKET = 'sagemaker-compliance-reports';
const EXECUTION_NAME = 'nightly-2026-03-01';
const MAP_RUN_ID = '0b3f6a1e-0000-4000-8000-00000000a001';
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

type Json = Record<string, unknown>;
interface Definition {
  States: Record<
    string,
    Json & { Parameters?: Json; ItemSelector?: Json; ItemReader?: Json; ResultWriter?: Json }
  >;
}

/** The state machine as `cdk synth -c organization=true` writes it, with `${ReportsBucket}` given its value. */
function synthesizedDefinition(): Definition {
  const stack = configureApp(
    new App({ context: { ...SKIP_BUNDLING, organization: 'true', alertEmails: 'secops@example.com' } }),
  );
  const [machine] = Object.values(
    Template.fromStack(stack as Stack).findResources('AWS::StepFunctions::StateMachine'),
  );
  const text = String(machine?.Properties.DefinitionString).replaceAll(`\${ReportsBucket}`, BUCKET);
  return JSON.parse(text) as Definition;
}

function walk(value: unknown, path: string): unknown {
  return path
    .split('.')
    .filter((key) => key !== '')
    .reduce<unknown>((at, key) => (at as Json | undefined)?.[key], value);
}

/**
 * The JSONPath subset the definition uses, evaluated as Step Functions does: `$.a.b` on the state's
 * input, `$$.a.b` on the context object, and `States.Format('…{}…', $.a)`.
 */
function evaluate(expression: string, input: unknown, context: unknown): unknown {
  const format = /^States\.Format\('([^']*)',\s*(\$[^)]*)\)$/.exec(expression);
  if (format)
    return (format[1] as string).replace('{}', String(evaluate(format[2] as string, input, context)));
  if (expression.startsWith('$$.')) return walk(context, expression.slice(3));
  if (expression.startsWith('$.')) return walk(input, expression.slice(2));
  throw new Error(`the test does not evaluate ${expression}`);
}

/** A payload template (`Parameters`, `ItemSelector`) applied to the state's input and context. */
function payload(template: Json, input: unknown, context: unknown): Json {
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$')
        ? [key.slice(0, -2), evaluate(String(value), input, context)]
        : [key, typeof value === 'object' && value !== null ? payload(value as Json, input, context) : value],
    ),
  );
}

async function text(s3: S3Client, key: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await answer.Body?.transformToString('utf8')) ?? '';
}

describe.runIf(motoAvailable())(
  'an Organization run against moto: plan, each account scan, aggregate',
  () => {
    let moto: Moto;
    let proxy: Awaited<ReturnType<typeof startStsProxy>>;
    let world: World;
    let definition: Definition;
    let plan: PlanOutput;
    let planned: PlanItem[];
    let outcomes: Map<string, AccountScanOutcome>;
    let digest: OrganizationDigest;
    let delivered: { Subject: string; Message: string }[];
    let scanEvents: Json[];

    beforeAll(async () => {
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
      definition = synthesizedDefinition();
      moto = await startMoto();
      proxy = await startStsProxy(moto);
      world = await buildOrganization(moto);
      const config = moto.clientConfig(REGION);
      const s3 = new S3Client({ ...config, forcePathStyle: true });
      const sns = new SNSClient(config);
      const sqs = new SQSClient(config);
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const topic = await sns.send(new CreateTopicCommand({ Name: 'sagemaker-findings' }));
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'digest-subscriber' }));
      const queueArn = (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
        )
      ).Attributes?.QueueArn;
      await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
      const logger = new Logger({ serviceName: 'organization-run-test', logLevel: 'SILENT' });
      const env = {
        AWS_REGION: REGION,
        REPORTS_BUCKET: BUCKET,
        FINDINGS_TOPIC_ARN: topic.TopicArn as string,
      };

      // The state machine's input is `{}`; its context names the execution.
      const execution = { Execution: { Name: EXECUTION_NAME } };
      let state: Json = {};
      const { Plan, ScanAccounts, Aggregate } = definition.States;

      const planHandler = createPlanHandler({
        environment: loadPlanEnvironment(env),
        logger,
        s3,
        organizations: new AwsClients({ overrides: config }).organizations(REGION),
      });
      plan = await planHandler(payload(Plan?.Parameters as Json, state, execution));
      state = { ...state, plan };

      const reader = payload(ScanAccounts?.ItemReader?.Parameters as Json, state, execution);
      expect(reader.Bucket).toBe(BUCKET);
      planned = JSON.parse(await text(s3, String(reader.Key))) as PlanItem[];

      const scanHandler = createScanHandler({
        environment: loadLambdaEnvironment({
          ...env,
          RULES: RULE,
          ALLOWED_SOURCE_CIDRS: APPROVED,
          MEMBER_ROLE_NAME: MEMBER_ROLE,
        }),
        logger,
        metrics: new Metrics({ namespace: 'Test', serviceName: 'organization-run-test' }),
        sns,
        s3,
        awsClients: () => new AwsClients({ overrides: config }),
        memberClients: (options) => new AwsClients({ ...options, overrides: { endpoint: moto.endpoint } }),
        memberStsConfig: { endpoint: proxy.endpoint, credentials: config.credentials },
      });
      scanEvents = [];
      outcomes = new Map();
      const records: Json[] = [];
      for (const [index, item] of planned.entries()) {
        const event = payload(ScanAccounts?.ItemSelector as Json, state, {
          Map: { Item: { Index: index, Value: item } },
        });
        scanEvents.push(event);
        // The contract: what the Map writes as the item's output is an AccountScanOutcome.
        const outcome = accountScanOutcome.parse(
          await scanHandler(event, { getRemainingTimeInMillis: () => 900_000 }),
        );
        outcomes.set(item.accountId, outcome);
        records.push({
          ExecutionArn: `arn:aws:states:${REGION}:${MOTO_ACCOUNT_ID}:execution:run/${MAP_RUN_ID}:${index}`,
          Input: JSON.stringify(event),
          InputDetails: { Included: true },
          Name: String(index),
          Output: JSON.stringify(outcome),
          OutputDetails: { Included: true },
          RedriveCount: 0,
          RedriveStatus: 'NOT_REDRIVABLE',
          RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
          StartDate: '2026-03-01T02:00:01.000Z',
          StateMachineArn: `arn:aws:states:${REGION}:${MOTO_ACCOUNT_ID}:stateMachine:run/${MAP_RUN_ID}`,
          Status: 'SUCCEEDED',
          StopDate: '2026-03-01T02:00:09.000Z',
        });
      }

      // What ResultWriter writes under its Prefix when the Map Run ends: a manifest and result files.
      const writer = payload(ScanAccounts?.ResultWriter?.Parameters as Json, state, execution);
      const folder = `${String(writer.Prefix)}/${MAP_RUN_ID}`;
      const succeeded = `${folder}/SUCCEEDED_0.json`;
      const manifest = `${folder}/manifest.json`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: succeeded, Body: JSON.stringify(records) }));
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: manifest,
          Body: JSON.stringify({
            DestinationBucket: BUCKET,
            MapRunArn: `arn:aws:states:${REGION}:${MOTO_ACCOUNT_ID}:mapRun:run/${MAP_RUN_ID}`,
            ResultFiles: {
              FAILED: [],
              PENDING: [],
              SUCCEEDED: [{ Key: succeeded, Size: JSON.stringify(records).length }],
            },
          }),
        }),
      );
      state = {
        ...state,
        map: {
          MapRunArn: `arn:aws:states:${REGION}:${MOTO_ACCOUNT_ID}:mapRun:run/${MAP_RUN_ID}`,
          ResultWriterDetails: { Bucket: BUCKET, Key: manifest },
        },
      };

      const aggregate = createAggregateHandler({
        environment: loadAggregateEnvironment(env),
        logger,
        s3,
        sns,
        now: () => new Date('2026-03-01T03:00:00.000Z'),
      });
      const aggregated = await aggregate(payload(Aggregate?.Parameters as Json, state, execution));
      digest = JSON.parse(await text(s3, aggregated.digestKey)) as OrganizationDigest;
      delivered = [];
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
    }, 240_000);

    afterAll(async () => {
      await proxy?.close();
      await moto?.stop();
    });

    it('plans every ACTIVE account with its SCP path, read once for the whole Organization', () => {
      // Assess
      const all = [MOTO_ACCOUNT_ID, ...Object.values(world.accounts)].sort();
      expect(plan).toEqual({
        runId: EXECUTION_NAME,
        bucket: BUCKET,
        key: `organization/runs/${EXECUTION_NAME}/plan.json`,
        accountCount: all.length,
        managementAccountId: MOTO_ACCOUNT_ID,
      });
      expect(planned.map((item) => item.accountId)).toEqual(all);
      expect(planned.find((item) => item.accountId === world.accounts.prodA)?.accountName).toBe('prod-a');
      const prodA = planned.find((item) => item.accountId === world.accounts.prodA)?.organization;
      expect(prodA?.membership === 'member' && prodA.scpPath.map((level) => [level.type, level.id])).toEqual([
        ['ROOT', expect.stringMatching(/^r-/)],
        ['ORGANIZATIONAL_UNIT', world.prodOu],
        ['ACCOUNT', world.accounts.prodA],
      ]);
    });

    it('gives each scan the event the ItemSelector makes of its plan item', () => {
      // Assess
      expect(scanEvents[0]).toEqual({
        kind: 'organization-account',
        runId: EXECUTION_NAME,
        account: planned[0],
      });
    });

    it('judges each account with its SCPs: PASS under the OU deny, FAIL without, the management account unaffected, ERROR without the member role', () => {
      // Assess
      const { accounts } = world;
      const verdicts = Object.fromEntries(
        [...outcomes].map(([id, outcome]) => [id, `${outcome.status} ${JSON.stringify(outcome.summary)}`]),
      );
      const pass = 'scanned {"pass":1,"fail":0,"error":0,"muted":0}';
      const fail = 'scanned {"pass":0,"fail":1,"error":0,"muted":0}';
      expect(verdicts).toEqual({
        [MOTO_ACCOUNT_ID]: fail,
        [accounts.prodA]: pass,
        [accounts.prodB]: pass,
        [accounts.allowList]: pass,
        [accounts.noRole]: 'unreadable {"pass":0,"fail":0,"error":1,"muted":0}',
        [accounts.open]: fail,
      });
    });

    it('stores each account report and latest.json under reports/<accountId>/', async () => {
      // Assess
      const s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });
      const prodA = outcomes.get(world.accounts.prodA) as AccountScanOutcome;
      expect(prodA.reportKey).toMatch(
        new RegExp(`^reports/${world.accounts.prodA}/\\d{4}/\\d{2}/\\d{2}/[0-9a-f-]+\\.json$`),
      );
      const report = JSON.parse(await text(s3, prodA.reportKey as string)) as Report;
      expect(report.scope.accounts).toEqual([world.accounts.prodA]);
      const latest = JSON.parse(await text(s3, `reports/${world.accounts.prodA}/latest.json`)) as Report;
      expect(latest.scanId).toBe(report.scanId);
    });

    it('names the account without the member role in the digest, and lists the failing ones with their resource and fix', () => {
      // Assess
      const { accounts } = world;
      expect(digest.errored.map((account) => account.accountId)).toEqual([accounts.noRole]);
      expect(digest.errored[0]?.reason).toContain(
        `could not assume role arn:aws:iam::${accounts.noRole}:role/${MEMBER_ROLE}`,
      );
      expect(digest.changed.map((account) => account.accountId).sort()).toEqual(
        [MOTO_ACCOUNT_ID, accounts.open].sort(),
      );
      expect(
        digest.changed.flatMap((account) => account.findings.map((finding) => finding.resourceId)),
      ).toEqual(
        [
          `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/data-scientist`,
          `arn:aws:iam::${accounts.open}:user/data-scientist`,
        ].sort(),
      );
      expect(digest.managementAccount).toEqual({ accountId: MOTO_ACCOUNT_ID, covered: 'scanned' });
      expect(digest.accounts.find((account) => account.accountId === accounts.noRole)?.status).toBe(
        'role not assumed',
      );
      expect(digest.totals).toMatchObject({ accounts: 6, pass: 3, fail: 2, error: 1, accountsErrored: 1 });
    });

    it('publishes one digest message, and no account scan publishes anything', () => {
      // Assess
      expect(delivered).toHaveLength(1);
      expect(delivered[0]?.Subject).toBe(
        '[FAIL] SageMaker compliance, Organization: 2 new or regressed findings in 2 accounts, 2 failing',
      );
      const machine = JSON.parse(delivered[0]?.Message ?? '{}') as OrganizationDigest;
      expect(machine.runId).toBe(EXECUTION_NAME);
    });
  },
);
