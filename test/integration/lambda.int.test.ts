import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateVpcCommand, CreateVpcEndpointCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScanHandler } from '../../scripts/build.ts';
import type { LambdaResponse } from '../../src/report/lambda-response.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, scheduledEvent, startMoto } from './moto.ts';

const REGION = 'eu-west-1';
const SCHEDULED_EVENT = scheduledEvent(REGION);

interface SnsEnvelope {
  Type: string;
  Subject: string;
  Message: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
}

/**
 * Records every SNS request on its way to moto. moto hands SQS subscribers the `default` variant,
 * as AWS does; the `email` variant is only visible on the wire, in the Publish request itself.
 */
async function recordingProxy(target: string, publishes: URLSearchParams[]): Promise<Server> {
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const params = new URLSearchParams(body.toString('utf8'));
      if (params.get('Action') === 'Publish') publishes.push(params);
      const forward = request(
        new URL(incoming.url ?? '/', target),
        { method: incoming.method, headers: incoming.headers },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Runs the bundled handler on Node 24 (the Lambda runtime's major version) in its own process. */
async function invokeOnNode24(bundle: string, env: Record<string, string>): Promise<LambdaResponse> {
  const dir = await mkdtemp(join(tmpdir(), 'lambda-invoke-'));
  const script = join(dir, 'invoke.mjs');
  await writeFile(
    script,
    `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
     const report = await handler(${JSON.stringify(SCHEDULED_EVENT)}, { getRemainingTimeInMillis: () => 900000 });
     process.stdout.write('\\nREPORT ' + JSON.stringify({ version: process.version, report }) + '\\n');`,
  );
  const child = spawn('npx', ['-y', 'node@24', script], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  await rm(dir, { recursive: true, force: true });
  const line = stdout.split('\n').find((text) => text.startsWith('REPORT '));
  if (code !== 0 || line === undefined)
    throw new Error(`bundled handler failed (${code}): ${stderr}\n${stdout}`);
  const { version, report } = JSON.parse(line.slice('REPORT '.length));
  expect(version).toMatch(/^v24\./);
  return report;
}

describe.runIf(motoAvailable())('bundled Lambda handler against moto', () => {
  let moto: Moto;
  let proxy: Server;
  const publishes: URLSearchParams[] = [];
  let report: LambdaResponse;
  let envelopes: SnsEnvelope[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await recordingProxy(moto.endpoint, publishes);
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const sns = new SNSClient(moto.clientConfig(REGION));
    const sqs = new SQSClient(moto.clientConfig(REGION));

    const bare = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }));
    const equipped = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }));
    for (const service of ['sagemaker.api', 'sagemaker.runtime']) {
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: equipped.Vpc?.VpcId,
          VpcEndpointType: 'Interface',
          ServiceName: `com.amazonaws.${REGION}.${service}`,
          PrivateDnsEnabled: true,
        }),
      );
    }
    expect(bare.Vpc?.VpcId).toBeDefined();

    const topic = await sns.send(new CreateTopicCommand({ Name: 'sagemaker-findings' }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'findings-subscriber' }));
    const queueArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: queueArn }));

    const bundle = await bundleScanHandler();
    report = await invokeOnNode24(bundle.outfile, {
      ...moto.env,
      AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      AWS_REGION: REGION,
      FINDINGS_TOPIC_ARN: topic.TopicArn ?? '',
      LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });

    for (;;) {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!received.Messages?.length) break;
      envelopes.push(...received.Messages.map((message) => JSON.parse(message.Body ?? '{}') as SnsEnvelope));
    }
    envelopes = envelopes.filter((envelope) => envelope.Type === 'Notification');
  }, 240_000);

  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await moto?.stop();
  });

  it('judges the moto account and returns the JSON report', () => {
    // Assess
    expect(report.scope.accounts).toEqual([MOTO_ACCOUNT_ID]);
    expect(report.complete).toBe(true);
    const endpointVerdicts = report.results.filter((result) => result.ruleId === 'vpc-sagemaker-endpoints');
    expect(endpointVerdicts.map((result) => result.status).sort()).toEqual(['FAIL', 'FAIL', 'PASS']);
  });

  it('sees, through the bundled handler, that the topic reaches its confirmed SQS subscriber', () => {
    // Assess
    expect(report.topicReach).toEqual({
      topicArn: `arn:aws:sns:${REGION}:${MOTO_ACCOUNT_ID}:sagemaker-findings`,
      confirmed: 1,
      pending: 0,
    });
  });

  it('delivers every FAIL result of the account to the SQS subscriber', () => {
    // Assess
    expect(envelopes.length).toBeGreaterThan(0);
    const delivered = envelopes.flatMap((envelope) =>
      (JSON.parse(envelope.Message) as { results: { id: string }[] }).results.map((result) => result.id),
    );
    const failing = report.results.filter((result) => result.status !== 'PASS').map((result) => result.id);
    expect(failing.length).toBeGreaterThan(0);
    expect(delivered.sort()).toEqual(failing.sort());
    for (const envelope of envelopes) {
      expect(envelope.Subject).toMatch(
        /^\[FAIL\] SageMaker compliance 123456789012: \d+ failing \(\d+ high\)/,
      );
      expect(envelope.MessageAttributes.scanId).toEqual({ Type: 'String', Value: report.scanId });
      expect(envelope.MessageAttributes.failCount).toEqual({
        Type: 'Number',
        Value: String(report.summary.fail),
      });
    }
  });

  it('publishes an email variant that people can read: summary, failures by rule with the fix, no JSON', () => {
    // Assess
    expect(publishes.length).toBe(envelopes.length);
    const message = JSON.parse(publishes[0]?.get('Message') ?? '{}') as { email: string };
    expect(publishes[0]?.get('MessageStructure')).toBe('json');
    const [intro] = message.email.split('\n\n');
    expect(intro).toContain(`account ${MOTO_ACCOUNT_ID}, regions ${REGION}`);
    expect(message.email).toContain(
      '[HIGH] VPC has available interface endpoints for sagemaker.api and sagemaker.runtime (vpc-sagemaker-endpoints): 2 failing',
    );
    expect(message.email).toMatch(/\n {2}eu-west-1 {2}vpc-\w+ {2}VPC vpc-\w+ has no sagemaker\.api endpoint/);
    expect(message.email).toMatch(
      /\n {4}Fix: Create \(or replace\) the interface endpoints: aws ec2 create-vpc-endpoint/,
    );
    expect(message.email.match(/\n {2}How to fix: /g)?.length).toBe(2);
    expect(message.email).not.toContain('{"');
    expect(message.email).not.toContain('\u001b[');
  });
});
