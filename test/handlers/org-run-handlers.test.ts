import { Readable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
  ParentNotFoundException,
} from '@aws-sdk/client-organizations';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAggregateEnvironment, loadPlanEnvironment } from '../../src/config/organization-env.ts';
import { createAggregateHandler } from '../../src/handlers/org-aggregate-handler.ts';
import { createPlanHandler } from '../../src/handlers/org-plan-handler.ts';
import { UserInputError } from '../../src/model/errors.ts';
import type { PlanItem } from '../../src/model/organization-run.ts';
import type { OrganizationDigest } from '../../src/report/organization-digest.ts';
import { aReport, aResult } from '../fixtures/email/report.ts';

const BUCKET = 'compliance-reports';
const TOPIC = 'arn:aws:sns:eu-west-1:999988887777:sagemaker-findings';
const RUN_ID = 'nightly-2026-03-01';
const ENV = { AWS_REGION: 'eu-west-1', REPORTS_BUCKET: BUCKET, FINDINGS_TOPIC_ARN: TOPIC };
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const organizations = mockClient(OrganizationsClient);
let bucket = new Map<string, string>();

beforeEach(() => {
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
  sns.on(PublishCommand).resolves({ MessageId: 'digest-1' });
});

afterEach(() => {
  s3.reset();
  sns.reset();
  organizations.reset();
});

describe('plan handler', () => {
  const plan = (env: Record<string, string> = {}) =>
    createPlanHandler({
      environment: loadPlanEnvironment({ ...ENV, ...env }),
      logger,
      s3: new S3Client({ region: 'eu-west-1' }),
      organizations: new OrganizationsClient({ region: 'eu-west-1' }),
    });

  it('writes the ACTIVE accounts with their names and SCP paths, less EXCLUDE_ACCOUNTS, and answers where', async () => {
    // Prepare
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111111111111', Name: 'prod-a', State: 'ACTIVE' },
        { Id: '222222222222', Name: 'gone', State: 'SUSPENDED' },
        { Id: '333333333333', Name: 'excluded', State: 'ACTIVE' },
        { Id: '999988887777', Name: 'management', Status: 'ACTIVE' },
      ],
    });
    organizations
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: 'o-exampleorg1', MasterAccountId: '999988887777' } });
    organizations.on(ListRootsCommand).resolves({
      Roots: [{ Id: 'r-ab12', PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] }],
    });
    organizations.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
    organizations.on(ListPoliciesForTargetCommand).resolves({ Policies: [] });

    // Act
    const output = await plan({ EXCLUDE_ACCOUNTS: '333333333333' })({ runId: RUN_ID });

    // Assess
    expect(output).toEqual({
      runId: RUN_ID,
      bucket: BUCKET,
      key: `organization/runs/${RUN_ID}/plan.json`,
      accountCount: 2,
      managementAccountId: '999988887777',
    });
    const items = JSON.parse(bucket.get(output.key) as string) as PlanItem[];
    expect(items.map((item) => [item.accountId, item.accountName])).toEqual([
      ['111111111111', 'prod-a'],
      ['999988887777', 'management'],
    ]);
    expect(items[0]?.organization).toEqual({
      membership: 'member',
      organizationId: 'o-exampleorg1',
      managementAccountId: '999988887777',
      scpsEnabled: true,
      scpPath: [
        { type: 'ROOT', id: 'r-ab12', policies: [] },
        { type: 'ACCOUNT', id: '111111111111', policies: [] },
      ],
    });
  });

  it('names ORGANIZATION_OUS when an OU it gives is not in the Organization', async () => {
    // Prepare
    organizations
      .on(ListAccountsForParentCommand)
      .rejects(
        new ParentNotFoundException({ message: "You specified a parent that doesn't exist.", $metadata: {} }),
      );
    organizations.on(ListChildrenCommand).resolves({ Children: [] });

    // Act
    const run = plan({ ORGANIZATION_OUS: 'ou-zz99-zzzzzzzz' })({ runId: RUN_ID });

    // Assess
    await expect(run).rejects.toThrow(
      new UserInputError(
        "environment variable ORGANIZATION_OUS: ou-zz99-zzzzzzzz is not an OU of the Organization (You specified a parent that doesn't exist.)",
      ),
    );
    expect(bucket.size).toBe(0);
  });

  it('fails the run when an account SCP path cannot be read, naming the account', async () => {
    // Prepare
    organizations
      .on(ListAccountsCommand)
      .resolves({ Accounts: [{ Id: '111111111111', Name: 'a', State: 'ACTIVE' }] });
    organizations
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: 'o-exampleorg1', MasterAccountId: '999988887777' } });
    organizations
      .on(ListRootsCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));

    // Act
    const run = plan()({ runId: RUN_ID });

    // Assess
    await expect(run).rejects.toThrow(
      'plan: could not read the SCPs on the path of account 111111111111 (AccessDeniedException: no); no account is scanned without its SCPs',
    );
    expect(bucket.size).toBe(0);
  });

  it('refuses an input without a run id, and a bad ORGANIZATION_OUS, naming them', async () => {
    // Act
    const run = plan()({});
    const load = () => loadPlanEnvironment({ ...ENV, ORGANIZATION_OUS: 'ou-prod' });

    // Assess
    await expect(run).rejects.toThrow('plan input: $.runId:');
    expect(load).toThrow(
      'environment variable ORGANIZATION_OUS: "ou-prod" is not an OU id (ou-ab12-cd34ef56) or root id (r-ab12)',
    );
  });
});

describe('aggregate handler', () => {
  const planItem = (accountId: string, accountName: string): PlanItem => ({
    accountId,
    accountName,
    organization: { membership: 'none' },
  });
  const items = [
    planItem('111111111111', 'prod-a'),
    planItem('222222222222', 'failed'),
    planItem('333333333333', 'pending'),
    planItem('444444444444', 'no report'),
    planItem('555555555555', 'no result'),
  ];
  const planOutput = {
    runId: RUN_ID,
    bucket: BUCKET,
    key: `organization/runs/${RUN_ID}/plan.json`,
    accountCount: 5,
  };
  const event = (account: PlanItem) =>
    JSON.stringify({ kind: 'organization-account', runId: RUN_ID, account });
  const outcome = (accountId: string, reportKey: string) => ({
    accountId,
    status: 'scanned',
    reportKey,
    complete: true,
    summary: { pass: 0, fail: 1, error: 0, muted: 0 },
  });
  const results = `organization/runs/${RUN_ID}/results/map-run-1`;

  function writeRun(manifest: object = {}): void {
    bucket.set(planOutput.key, JSON.stringify(items));
    const report = aReport(
      [{ ...aResult({ resourceId: 'vpc-0a1' }), delta: { change: 'new', firstSeen: 'x' } }],
      {
        scope: {
          accounts: ['111111111111'],
          regions: ['eu-west-1'],
          rules: ['vpc-sagemaker-endpoints'],
          skipped: [],
        },
        resolved: [],
      },
    );
    bucket.set('reports/111111111111/2026/03/01/a.json', JSON.stringify(report));
    bucket.set(
      `${results}/SUCCEEDED_0.json`,
      JSON.stringify([
        {
          Status: 'SUCCEEDED',
          Input: event(items[0] as PlanItem),
          Output: JSON.stringify(outcome('111111111111', 'reports/111111111111/2026/03/01/a.json')),
        },
        {
          Status: 'SUCCEEDED',
          Input: event(items[3] as PlanItem),
          Output: JSON.stringify(outcome('444444444444', 'reports/444444444444/2026/03/01/b.json')),
        },
      ]),
    );
    bucket.set(
      `${results}/FAILED_0.json`,
      JSON.stringify([
        {
          Status: 'FAILED',
          Input: event(items[1] as PlanItem),
          Error: 'Lambda.TooManyRequestsException',
          Cause: 'Rate exceeded',
        },
      ]),
    );
    bucket.set(
      `${results}/PENDING_0.json`,
      JSON.stringify([{ Status: 'PENDING', Input: event(items[2] as PlanItem) }]),
    );
    bucket.set(
      `${results}/manifest.json`,
      JSON.stringify({
        DestinationBucket: BUCKET,
        MapRunArn: 'arn:aws:states:eu-west-1:999988887777:mapRun:run/map-run-1',
        ResultFiles: {
          SUCCEEDED: [{ Key: `${results}/SUCCEEDED_0.json`, Size: 1 }],
          FAILED: [{ Key: `${results}/FAILED_0.json`, Size: 1 }],
          PENDING: [{ Key: `${results}/PENDING_0.json`, Size: 1 }],
        },
        ...manifest,
      }),
    );
  }

  const aggregate = () =>
    createAggregateHandler({
      environment: loadAggregateEnvironment(ENV),
      logger,
      s3: new S3Client({ region: 'eu-west-1' }),
      sns: new SNSClient({ region: 'eu-west-1' }),
      now: () => new Date('2026-03-01T03:00:00.000Z'),
    });
  const input = {
    runId: RUN_ID,
    plan: planOutput,
    results: { Bucket: BUCKET, Key: `${results}/manifest.json` },
  };

  it('names every planned account without a usable report: Map item failed, never ran, report missing, no result', async () => {
    // Prepare
    writeRun();

    // Act
    const output = await aggregate()(input);

    // Assess
    expect(output.digestKey).toBe(`reports/organization/2026/03/01/${RUN_ID}.json`);
    const digest = JSON.parse(bucket.get(output.digestKey) as string) as OrganizationDigest;
    expect(digest.errored.map((account) => [account.accountId, account.reason])).toEqual([
      ['222222222222', 'its scan failed (Map item FAILED: Lambda.TooManyRequestsException: Rate exceeded)'],
      ['333333333333', 'its scan never ran: the Map Run ended before it started'],
      ['444444444444', 'its report could not be read: NoSuchKey: The specified key does not exist.'],
      ['555555555555', 'the Map Run has no result for it'],
    ]);
    expect(digest.changed.map((account) => account.accountId)).toEqual(['111111111111']);
    expect(bucket.get(output.digestKey.replace(/\.json$/, '.txt'))).toContain(
      'ACCOUNTS NOT FULLY SCANNED (4',
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it("shows a failed scan's Lambda error as its type and message, and keeps the whole Cause in the stored digest only", async () => {
    // Prepare: the result file as Step Functions writes it for a Node.js function error
    writeRun();
    const message =
      'environment variable MEMBER_ROLE_NAME is not set: an organization-account event is scanned through the member role it names';
    const cause = JSON.stringify({
      errorType: 'UserInputError',
      errorMessage: message,
      trace: [`UserInputError: ${message}`, '    at memberSettings (file:///var/task/index.mjs:12:3456)'],
    });
    bucket.set(
      `${results}/FAILED_0.json`,
      JSON.stringify([
        {
          ExecutionArn: 'arn:aws:states:eu-west-1:999988887777:execution:run/map-run-1:0a1b2c3d',
          Status: 'FAILED',
          Input: event(items[1] as PlanItem),
          Error: 'UserInputError',
          Cause: cause,
        },
      ]),
    );

    // Act
    const output = await aggregate()(input);

    // Assess
    const digest = JSON.parse(bucket.get(output.digestKey) as string) as OrganizationDigest;
    expect(digest.errored.find((account) => account.accountId === '222222222222')).toEqual({
      accountId: '222222222222',
      accountName: 'failed',
      reason: `its scan failed (Map item FAILED: UserInputError: ${message})`,
      mapItem: { status: 'FAILED', error: 'UserInputError', cause },
    });
    const email = bucket.get(output.digestKey.replace(/\.json$/, '.txt')) as string;
    expect(email).toContain('its scan failed (Map item FAILED: UserInputError: environment variable');
    expect(email).not.toContain('index.mjs');
    expect(email).not.toContain('errorType');
    const published = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message as string);
    const machine = JSON.parse(published.default) as OrganizationDigest;
    expect(machine.errored.find((account) => account.accountId === '222222222222')).toEqual({
      accountId: '222222222222',
      accountName: 'failed',
      reason: `its scan failed (Map item FAILED: UserInputError: ${message})`,
    });
    expect(published.email).not.toContain('index.mjs');
  });

  it('fails on a manifest that is not a ResultWriter manifest, naming the object and field', async () => {
    // Prepare
    writeRun({ ResultFiles: 'none' });

    // Act
    const run = aggregate()(input);

    // Assess
    await expect(run).rejects.toThrow(
      `the Map Run manifest s3://${BUCKET}/${results}/manifest.json: $.ResultFiles:`,
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  /** The text cut after its last comma: what a write that stopped short leaves. */
  const truncate = (key: string): string => {
    const text = bucket.get(key) as string;
    const cut = text.slice(0, text.lastIndexOf(',') + 1);
    bucket.set(key, cut);
    return cut;
  };
  const spoil = (key: string, how: 'truncated' | 'empty'): string => {
    if (how === 'empty') {
      bucket.set(key, '');
      return `s3://${BUCKET}/${key} is empty`;
    }
    return `s3://${BUCKET}/${key} is not valid JSON: it ends at position ${truncate(key).length} before its value is complete (`;
  };

  it.each([
    { kind: 'the Map Run manifest', key: `${results}/manifest.json`, how: 'truncated' },
    { kind: 'the Map Run manifest', key: `${results}/manifest.json`, how: 'empty' },
    { kind: 'the Map Run result file', key: `${results}/SUCCEEDED_0.json`, how: 'truncated' },
    { kind: 'the Map Run result file', key: `${results}/FAILED_0.json`, how: 'empty' },
    { kind: 'the plan', key: planOutput.key, how: 'truncated' },
    { kind: 'the plan', key: planOutput.key, how: 'empty' },
  ] as const)(
    'fails on $kind when it is $how, naming the object and what is wrong',
    async ({ kind, key, how }) => {
      // Prepare
      writeRun();
      const problem = spoil(key, how);

      // Act
      const run = aggregate()(input);

      // Assess
      await expect(run).rejects.toThrow(`${kind} ${problem}`);
      await expect(run).rejects.not.toThrow('received undefined');
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
      expect(bucket.has(`reports/organization/2026/03/01/${RUN_ID}.json`)).toBe(false);
    },
  );

  it.each(['truncated', 'empty'] as const)(
    'shows an account whose report is %s as not scanned, with the reason, never as clean',
    async (how) => {
      // Prepare
      writeRun();
      const problem = spoil('reports/111111111111/2026/03/01/a.json', how);

      // Act
      const output = await aggregate()(input);

      // Assess
      const digest = JSON.parse(bucket.get(output.digestKey) as string) as OrganizationDigest;
      expect(digest.errored.find((account) => account.accountId === '111111111111')?.reason).toContain(
        `its report could not be read: the report ${problem}`,
      );
      expect(digest.changed).toEqual([]);
      expect(output.accountsErrored).toBe(5);
    },
  );

  it('shows an account whose report is garbled mid-text as not scanned, naming where the JSON breaks', async () => {
    // Prepare
    writeRun();
    const key = 'reports/111111111111/2026/03/01/a.json';
    const text = bucket.get(key) as string;
    const colon = text.indexOf(':');
    bucket.set(key, `${text.slice(0, colon)};${text.slice(colon + 1)}`);

    // Act
    const output = await aggregate()(input);

    // Assess
    const digest = JSON.parse(bucket.get(output.digestKey) as string) as OrganizationDigest;
    const reason = digest.errored.find((account) => account.accountId === '111111111111')?.reason;
    expect(reason).toContain(
      `its report could not be read: the report s3://${BUCKET}/${key} is not valid JSON: `,
    );
    expect(reason).toContain(`at position ${colon}`);
    expect(reason).not.toContain('before its value is complete');
  });

  it('shows an account whose succeeded execution has a truncated output as not scanned, saying so', async () => {
    // Prepare
    writeRun();
    const file = `${results}/SUCCEEDED_0.json`;
    const records = JSON.parse(bucket.get(file) as string) as { Output: string }[];
    const output = (records[0] as { Output: string }).Output;
    (records[0] as { Output: string }).Output = output.slice(0, output.lastIndexOf(',') + 1);
    bucket.set(file, JSON.stringify(records));

    // Act
    const aggregated = await aggregate()(input);

    // Assess
    const digest = JSON.parse(bucket.get(aggregated.digestKey) as string) as OrganizationDigest;
    expect(digest.errored.find((account) => account.accountId === '111111111111')?.reason).toContain(
      `its scan succeeded, but its output is not valid JSON: it ends at position ${output.lastIndexOf(',') + 1} before its value is complete (`,
    );
    expect(digest.changed).toEqual([]);
  });

  it('refuses an input that drifted from the contract, naming the field', async () => {
    // Act
    const run = aggregate()({ ...input, results: { bucket: BUCKET } });

    // Assess
    await expect(run).rejects.toThrow(
      'aggregate input: $.results.Bucket: Invalid input: expected string, received undefined',
    );
  });
});
