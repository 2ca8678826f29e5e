import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../src/collect/clients.ts';
import { loadAggregateEnvironment, loadPlanEnvironment } from '../src/config/organization-env.ts';
import { createAggregateHandler } from '../src/handlers/org-aggregate-handler.ts';
import { createPlanHandler } from '../src/handlers/org-plan-handler.ts';
import type { PlanItem } from '../src/model/organization-run.ts';
import type { Report } from '../src/model/report.ts';
import { type Result, resultId } from '../src/model/result.ts';
import { accountSize } from './organization-accounts.ts';

/** One phase of the Organization bench, in a fresh process so its peak RSS is its own. */
export interface OrganizationMeasurement {
  phase: 'plan' | 'aggregate';
  accounts: number;
  wallMs: number;
  /** Organizations calls made (plan), or reports read (aggregate). */
  calls: number;
  throttled: number;
  /** Bytes of stored reports read (aggregate). */
  reportBytes: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

const { values } = parseArgs({
  options: {
    phase: { type: 'string', default: 'plan' },
    accounts: { type: 'string', default: '500' },
    latency: { type: 'string', default: '40' },
    /** One Organizations request in this many is throttled (TooManyRequestsException). */
    'throttle-every': { type: 'string', default: '50' },
  },
});
const ACCOUNTS = Number(values.accounts);
const LATENCY_MS = Number(values.latency);
const THROTTLE_EVERY = Number(values['throttle-every']);
const BUCKET = 'bench-reports';
const RUN_ID = 'bench-run';
const OUS = 20;
const ENV = {
  AWS_REGION: 'us-east-1',
  REPORTS_BUCKET: BUCKET,
  FINDINGS_TOPIC_ARN: 'arn:aws:sns:us-east-1:999988887777:findings',
};
const logger = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const accountId = (index: number) => String(100000000000 + index);

/**
 * An Organization of `ACCOUNTS` accounts under OUS OUs below the root, served as Organizations'
 * JSON 1.1 protocol over loopback with a fixed latency per request and a share of them throttled,
 * so that the real SDK's paginators, adaptive retries and the reader's cache are what is measured.
 */
async function serveOrganization(): Promise<{
  endpoint: string;
  calls: () => number;
  throttled: () => number;
  close: () => void;
}> {
  let calls = 0;
  let throttled = 0;
  const ou = (index: number) => `ou-root-${String(index % OUS).padStart(8, '0')}`;
  const fullAccess = {
    Id: 'p-FullAWSAccess',
    Name: 'FullAWSAccess',
    Arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
    AwsManaged: true,
    Type: 'SERVICE_CONTROL_POLICY',
  };
  const deny = {
    Id: 'p-denyoutside1',
    Name: 'deny-presign-outside',
    Arn: 'arn:aws:organizations::999988887777:policy/o-bench/service_control_policy/p-denyoutside1',
    AwsManaged: false,
    Type: 'SERVICE_CONTROL_POLICY',
  };
  const contents: Record<string, string> = {
    'p-FullAWSAccess': JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    }),
    'p-denyoutside1': JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: 'sagemaker:CreatePresigned*',
          Resource: '*',
          Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } },
        },
      ],
    }),
  };
  const answer = (operation: string, input: Record<string, string>): object => {
    switch (operation) {
      case 'DescribeOrganization':
        return { Organization: { Id: 'o-bench', MasterAccountId: accountId(0), FeatureSet: 'ALL' } };
      case 'ListAccounts': {
        const start = Number(input.NextToken ?? 0);
        const page = Array.from({ length: Math.min(20, ACCOUNTS - start) }, (_, offset) => ({
          Id: accountId(start + offset),
          Name: `account-${start + offset}`,
          State: 'ACTIVE',
        }));
        return { Accounts: page, ...(start + 20 < ACCOUNTS ? { NextToken: String(start + 20) } : {}) };
      }
      case 'ListRoots':
        return {
          Roots: [
            {
              Id: 'r-root',
              Name: 'Root',
              PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
            },
          ],
        };
      case 'ListParents': {
        const child = input.ChildId ?? '';
        if (child.startsWith('ou-')) return { Parents: [{ Id: 'r-root', Type: 'ROOT' }] };
        return { Parents: [{ Id: ou(Number(child) - 100000000000), Type: 'ORGANIZATIONAL_UNIT' }] };
      }
      case 'ListPoliciesForTarget': {
        const target = input.TargetId ?? '';
        return {
          Policies:
            target.startsWith('ou-') && Number(target.slice(-1)) % 2 === 0
              ? [fullAccess, deny]
              : [fullAccess],
        };
      }
      case 'DescribePolicy': {
        const summary = input.PolicyId === deny.Id ? deny : fullAccess;
        return { Policy: { PolicySummary: summary, Content: contents[summary.Id] } };
      }
      default:
        throw new Error(`the bench does not serve ${operation}`);
    }
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      calls += 1;
      await sleep(LATENCY_MS);
      const operation = String(request.headers['x-amz-target']).split('.').pop() as string;
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (THROTTLE_EVERY > 0 && calls % THROTTLE_EVERY === 0) {
        throttled += 1;
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'TooManyRequestsException', Message: 'Rate exceeded' }));
        return;
      }
      response.end(JSON.stringify(answer(operation, JSON.parse(Buffer.concat(chunks).toString() || '{}'))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    throttled: () => throttled,
    close: () => server.close(),
  };
}

const RESULT_COUNTS = { small: 20, medium: 200, large: 2000 } as const;

/** A stored report of one account, as the scan Lambda writes it: some failures new tonight. */
function storedReport(index: number): Report {
  const id = accountId(index);
  const results: Result[] = Array.from({ length: RESULT_COUNTS[accountSize(index)] }, (_, n) => {
    const status = n % 10 === 0 ? 'FAIL' : n % 97 === 0 ? 'ERROR' : 'PASS';
    const resourceId = `arn:aws:iam::${id}:role/notebook-role-${n}`;
    return {
      id: resultId('iam-principal-presigned-url-source-ip', id, 'global', resourceId),
      ruleId: n % 3 === 0 ? 'iam-principal-presigned-url-source-ip' : 'vpc-sagemaker-endpoints',
      severity: 'high',
      title: 'IAM users and roles can create presigned notebook URLs only from approved source IPs',
      status,
      accountId: id,
      region: 'global',
      resourceType: 'AWS::IAM::Role',
      resourceId,
      resourceName: `notebook-role-${n}`,
      message: `Role notebook-role-${n} can create presigned notebook URLs from any address.`,
      remediation: `Add a Deny on sagemaker:CreatePresignedNotebookInstanceUrl with NotIpAddress aws:SourceIp [203.0.113.0/24] to role notebook-role-${n}.`,
      evidence: {
        policies: [
          {
            name: 'open-notebooks',
            statement: 0,
            document: { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
          },
        ],
        scpsEvaluated: true,
      },
      delta: {
        change: status === 'FAIL' && n % 30 === 0 ? 'new' : 'persisting',
        firstSeen: '2026-03-01T02:00:00.000Z',
      },
    } as Result;
  });
  const count = (status: string) => results.filter((result) => result.status === status).length;
  return {
    schemaVersion: 1,
    tool: { name: 'sagemaker-compliance-scanner', version: 'bench' },
    scanId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    startedAt: '2026-03-01T02:00:00.000Z',
    finishedAt: '2026-03-01T02:01:00.000Z',
    complete: index % 97 !== 5,
    scope: {
      accounts: [id],
      regions: ['us-east-1'],
      rules: ['iam-principal-presigned-url-source-ip'],
      skipped: [],
    },
    summary: {
      pass: count('PASS'),
      fail: count('FAIL'),
      error: count('ERROR'),
      byRule: {},
      bySeverity: {},
      evaluated: {},
      muted: 0,
    },
    results,
    stats: { apiCalls: {} },
    baseline: { scanId: 'previous', startedAt: '2026-02-28T02:00:00.000Z', source: 'latest' },
    resolved: [],
    storedAt: `s3://${BUCKET}/reports/${id}/2026/03/01/report.json`,
  };
}

async function planPhase(): Promise<OrganizationMeasurement> {
  const organization = await serveOrganization();
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).resolves({});
  const plan = createPlanHandler({
    environment: loadPlanEnvironment(ENV),
    logger,
    s3: new S3Client({ region: 'us-east-1' }),
    organizations: new AwsClients({
      overrides: { endpoint: organization.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    }).organizations('us-east-1'),
  });
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const output = await plan({ runId: RUN_ID });
  const wallMs = performance.now() - start;
  organization.close();
  return {
    phase: 'plan',
    accounts: output.accountCount,
    wallMs: Math.round(wallMs),
    calls: organization.calls(),
    throttled: organization.throttled(),
    reportBytes: 0,
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
  };
}

async function aggregatePhase(): Promise<OrganizationMeasurement> {
  // The reports go to disk first, one at a time, so that the fixture is not in the measured heap.
  const directory = mkdtempSync(join(tmpdir(), 'org-bench-'));
  const files = new Map<string, string>();
  let reportBytes = 0;
  const items: PlanItem[] = [];
  const records: object[] = [];
  for (let index = 0; index < ACCOUNTS; index += 1) {
    const id = accountId(index);
    const key = `reports/${id}/2026/03/01/report.json`;
    const text = JSON.stringify(storedReport(index));
    reportBytes += text.length;
    const file = join(directory, `${id}.json`);
    writeFileSync(file, text);
    files.set(key, file);
    const item: PlanItem = {
      accountId: id,
      accountName: `account-${index}`,
      organization: { membership: 'none' },
    };
    items.push(item);
    const report = JSON.parse(text) as Report;
    const { pass, fail, error, muted } = report.summary;
    records.push({
      Status: 'SUCCEEDED',
      Input: JSON.stringify({ kind: 'organization-account', runId: RUN_ID, account: item }),
      Output: JSON.stringify({
        accountId: id,
        status: 'scanned',
        reportKey: key,
        complete: report.complete,
        summary: { pass, fail, error, muted },
      }),
    });
  }
  const small = new Map<string, string>([
    ['plan.json', JSON.stringify(items)],
    ['results/SUCCEEDED_0.json', JSON.stringify(records)],
    [
      'results/manifest.json',
      JSON.stringify({
        DestinationBucket: BUCKET,
        ResultFiles: { SUCCEEDED: [{ Key: 'results/SUCCEEDED_0.json' }], FAILED: [], PENDING: [] },
      }),
    ],
  ]);
  records.length = 0;
  items.length = 0;
  let reads = 0;
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    await sleep(LATENCY_MS);
    reads += 1;
    const inline = small.get(input.Key);
    const body =
      inline === undefined ? createReadStream(files.get(input.Key) as string) : [Buffer.from(inline)];
    const { Readable } = await import('node:stream');
    return { Body: sdkStreamMixin(inline === undefined ? body : Readable.from(body as Buffer[])) };
  });
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).resolves({ MessageId: 'bench' });
  const aggregate = createAggregateHandler({
    environment: loadAggregateEnvironment(ENV),
    logger,
    s3: new S3Client({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
  });
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const output = await aggregate({
    runId: RUN_ID,
    plan: { runId: RUN_ID, bucket: BUCKET, key: 'plan.json', accountCount: ACCOUNTS },
    results: { Bucket: BUCKET, Key: 'results/manifest.json' },
  });
  const wallMs = performance.now() - start;
  return {
    phase: 'aggregate',
    accounts: output.accounts,
    wallMs: Math.round(wallMs),
    calls: reads,
    throttled: 0,
    reportBytes,
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
  };
}

const measurement = values.phase === 'aggregate' ? await aggregatePhase() : await planPhase();
process.stdout.write(`${JSON.stringify(measurement)}\n`);
