import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateVpcCommand, DeleteVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { type AwsSecurityFinding, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScanHandler } from '../../scripts/build.ts';
import type { Report } from '../../src/model/report.ts';
import { resultId } from '../../src/model/result.ts';
import { toAsffFindings } from '../../src/report/asff.ts';
import { importFindings } from '../../src/report/security-hub.ts';
import { report, result } from '../support/report.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, runCliAgainst, startMoto } from './moto.ts';

const REGION = 'eu-west-1';
const RULE = 'vpc-sagemaker-endpoints';
const run = promisify(execFile);

// moto (5.2.1) implements BatchImportFindings and GetFindings but not BatchUpdateFindings, so the
// workflow changes of findings whose mute state changed are tested with aws-sdk-client-mock only
// (test/report/security-hub.test.ts, test/handlers/security-hub.test.ts).
describe.runIf(motoAvailable())('Security Hub import against moto', () => {
  let moto: Moto;
  let dir: string;
  let hub: SecurityHubClient;

  const cli = (args: string[]) => runCliAgainst(moto, REGION, args);

  async function storedFindings(): Promise<AwsSecurityFinding[]> {
    return (await hub.send(new GetFindingsCommand({}))).Findings ?? [];
  }

  beforeAll(async () => {
    moto = await startMoto();
    hub = new SecurityHubClient(moto.clientConfig(REGION));
    dir = mkdtempSync(join(tmpdir(), 'scanner-hub-'));
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it('imports one finding per result, then updates the same findings and archives the one whose VPC is gone', async () => {
    // Prepare
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc?.VpcId as string;
    const findingId = `sagemaker-compliance-scanner/${resultId(RULE, MOTO_ACCOUNT_ID, REGION, vpcId)}`;
    const firstReport = join(dir, 'first.json');

    // Act
    const first = await cli([
      'scan',
      '--rules',
      RULE,
      '--format',
      'json',
      '--output',
      firstReport,
      '--security-hub',
    ]);
    const afterFirst = await storedFindings();
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    const second = await cli([
      'scan',
      '--rules',
      RULE,
      '--format',
      'json',
      '--baseline',
      firstReport,
      '--security-hub',
    ]);
    const afterSecond = await storedFindings();

    // Assess
    const firstResults = (JSON.parse(readFileSync(firstReport, 'utf8')) as Report).results;
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`Security Hub: ${firstResults.length} findings imported.`);
    expect(afterFirst.map((finding) => finding.Id).sort()).toEqual(
      firstResults.map((item) => `sagemaker-compliance-scanner/${item.id}`).sort(),
    );
    const created = afterFirst.find((finding) => finding.Id === findingId);
    expect(created).toMatchObject({
      AwsAccountId: MOTO_ACCOUNT_ID,
      ProductArn: `arn:aws:securityhub:${REGION}:${MOTO_ACCOUNT_ID}:product/${MOTO_ACCOUNT_ID}/default`,
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Resources: [
        {
          Type: 'AwsEc2Vpc',
          Id: `arn:aws:ec2:${REGION}:${MOTO_ACCOUNT_ID}:vpc/${vpcId}`,
          Partition: 'aws',
          Region: REGION,
        },
      ],
    });
    const secondReport = JSON.parse(second.stdout) as Report;
    expect(secondReport.resolved?.map((entry) => [entry.resourceId, entry.now])).toEqual([[vpcId, 'gone']]);
    expect(second.stderr).toContain(`Security Hub: ${secondReport.results.length + 1} findings imported.`);
    expect(afterSecond).toHaveLength(afterFirst.length);
    expect(afterSecond.filter((finding) => finding.Id === findingId)).toMatchObject([
      { RecordState: 'ARCHIVED', Compliance: { Status: 'NOT_AVAILABLE' } },
    ]);
  });

  it('retries the findings Security Hub refuses once over the real wire, then reports them failed', async () => {
    // Prepare
    const [good, bad] = toAsffFindings(
      report([
        result('FAIL', 'vpc-good', 'bad', { id: 'a'.repeat(24), accountId: MOTO_ACCOUNT_ID }),
        result('FAIL', 'vpc-bad', 'bad', { id: 'b'.repeat(24), accountId: MOTO_ACCOUNT_ID }),
      ]),
    ) as [AwsSecurityFinding, AwsSecurityFinding];
    const sent: number[] = [];
    hub.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchImportFindingsCommand')
          sent.push(((args.input as { Findings: unknown[] }).Findings ?? []).length);
        return next(args);
      },
      { step: 'initialize', name: 'countBatches' },
    );

    // Act
    const outcome = await importFindings([good, { ...bad, Resources: [] }], () => hub);

    // Assess
    expect(sent).toEqual([2, 1]);
    expect(outcome.imported).toBe(1);
    expect(outcome.failed).toEqual([
      {
        accountId: MOTO_ACCOUNT_ID,
        region: REGION,
        findingId: bad.Id,
        code: 'InvalidInput',
        message: expect.stringContaining('at least one resource'),
      },
    ]);
  });

  it('imports from the bundled Lambda handler with SECURITY_HUB=true', async () => {
    // Prepare
    await moto.reset();
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.8.0.0/16' }))).Vpc?.VpcId as string;
    const bundle = await bundleScanHandler(mkdtempSync(join(tmpdir(), 'scanner-hub-bundle-')));
    const script = join(dir, 'invoke.mjs');
    writeFileSync(
      script,
      `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle.outfile).href)});
       const report = await handler({}, { getRemainingTimeInMillis: () => 900000 });
       process.stdout.write('\\nREPORT ' + JSON.stringify(report) + '\\n');`,
    );

    // Act
    const { stdout } = await run(process.execPath, [script], {
      env: {
        PATH: process.env.PATH ?? '',
        ...moto.env,
        AWS_REGION: REGION,
        RULES: RULE,
        NOTIFY: 'never',
        SECURITY_HUB: 'true',
        LOG_LEVEL: 'WARN',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    });
    const stored = await storedFindings();

    // Assess
    const line = stdout.split('\n').find((text) => text.startsWith('REPORT ')) as string;
    const report = JSON.parse(line.slice('REPORT '.length)) as Report;
    expect(stored.map((finding) => finding.Id).sort()).toEqual(
      report.results.map((item) => `sagemaker-compliance-scanner/${item.id}`).sort(),
    );
    expect(stored.find((finding) => finding.Resources?.[0]?.Id?.endsWith(vpcId))?.Compliance).toEqual({
      Status: 'FAILED',
    });
  });
});
