import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../src/collect/clients.ts';
import { loadLambdaEnvironment } from '../../src/config/env.ts';
import { createScanHandler } from '../../src/handlers/scan-handler.ts';
import type { Report } from '../../src/model/report.ts';
import {
  MOTO_ACCOUNT_ID,
  type Moto,
  motoAvailable,
  runCliAgainst,
  scheduledEvent,
  startMoto,
} from './moto.ts';

const REGION = 'eu-west-1';
const STACK = 'SageMakerComplianceScanner';

/** The part of the scanner stack the report command reads: its bucket and the output naming it. */
const TEMPLATE = JSON.stringify({
  Resources: { Reports: { Type: 'AWS::S3::Bucket' } },
  Outputs: { ReportsBucketName: { Value: { Ref: 'Reports' } } },
});

describe.runIf(motoAvailable())('the report command against moto', () => {
  let moto: Moto;
  let bucket: string;
  const stored: Report[] = [];

  const cli = (args: string[]) => runCliAgainst(moto, REGION, args);

  beforeAll(async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    moto = await startMoto();
    const cloudFormation = new CloudFormationClient(moto.clientConfig(REGION));
    await cloudFormation.send(new CreateStackCommand({ StackName: STACK, TemplateBody: TEMPLATE }));
    const [stack] = (await cloudFormation.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks ?? [];
    bucket = stack?.Outputs?.find((output) => output.OutputKey === 'ReportsBucketName')
      ?.OutputValue as string;
    const handler = createScanHandler({
      environment: loadLambdaEnvironment({
        AWS_REGION: REGION,
        RULES: 'vpc-sagemaker-endpoints',
        REPORTS_BUCKET: bucket,
        NOTIFY: 'never',
      }),
      logger: new Logger({ serviceName: 'report-command-test', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'report-command-test' }),
      sns: new SNSClient(moto.clientConfig(REGION)),
      s3: new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true }),
      awsClients: () =>
        new AwsClients({
          overrides: { endpoint: moto.endpoint, credentials: moto.clientConfig(REGION).credentials },
        }),
    });
    const time = { getRemainingTimeInMillis: () => 900_000 };
    stored.push(await handler(scheduledEvent(REGION), time));
    await new EC2Client(moto.clientConfig(REGION)).send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }));
    stored.push(await handler(scheduledEvent(REGION), time));
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await moto?.stop();
  });

  it('prints the latest stored report, finding the bucket through the stack’s outputs', async () => {
    // Act
    const { code, stdout, stderr } = await cli(['report', '--latest', '--stack', STACK, '--format', 'json']);

    // Assess
    expect(stderr).toBe('');
    const shown = JSON.parse(stdout) as Report;
    expect(shown.scanId).toBe(stored[1]?.scanId);
    expect(shown.scope.accounts).toEqual([MOTO_ACCOUNT_ID]);
    expect(code).toBe(1);
  });

  it('shows the last report of a day, naming the other one, in the table format', async () => {
    // Prepare
    const day = stored[1]?.startedAt.slice(0, 10) as string;

    // Act
    const { code, stdout, stderr } = await cli(['report', '--date', day, '--bucket', bucket, '--quiet']);

    // Assess
    expect(stderr).toBe(
      `note: ${stored[1]?.storedAt} is the last of 2 reports that day; the others: ${stored[0]?.storedAt}\n`,
    );
    expect(stdout).toContain('vpc-sagemaker-endpoints');
    expect(code).toBe(1);
  });

  it('compares the two stored reports: the VPC created between them is new', async () => {
    // Act
    const { code, stdout } = await cli([
      'report',
      '--diff',
      stored[0]?.storedAt as string,
      'latest',
      '--bucket',
      bucket,
      '--format',
      'json',
    ]);

    // Assess
    const diff = JSON.parse(stdout) as Report;
    const changes = diff.results.map((result) => result.delta?.change).sort();
    expect(diff.baseline).toEqual({
      scanId: stored[0]?.scanId,
      startedAt: stored[0]?.startedAt,
      source: stored[0]?.storedAt,
    });
    expect(changes).toEqual([...Array(changes.length - 1).fill('persisting'), 'new'].sort());
    expect(code).toBe(1);
  });
});
