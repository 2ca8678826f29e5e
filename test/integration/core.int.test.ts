import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import type { Result } from '../../src/model/result.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, runCliAgainst, startMoto } from './moto.ts';

const REGION = 'eu-west-1';
const VPC_RULES = ['vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns'];

interface Built {
  compliant: string;
  missingRuntime: string;
  runtimePrivateDnsOff: string;
  hostnamesOff: string;
  featurestoreTrap: string;
  defaultVpc: string;
  endpoints: Record<string, string>;
}

/** Builds the account through the EC2 API: one VPC per case the rules must tell apart. */
async function buildAccount(ec2: EC2Client): Promise<Built> {
  const endpoints: Record<string, string> = {};
  const createVpc = async (name: string, cidr: string, hostnames: boolean) => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
    if (hostnames) {
      await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    }
    const subnetId = (
      await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr.replace('.0.0/16', '.1.0/24') }))
    ).Subnet?.SubnetId as string;
    const endpoint = async (kind: string, privateDns = true) => {
      const created = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpcId,
          VpcEndpointType: 'Interface',
          ServiceName: `com.amazonaws.${REGION}.${kind}`,
          SubnetIds: [subnetId],
          PrivateDnsEnabled: privateDns,
        }),
      );
      endpoints[`${name}/${kind}`] = created.VpcEndpoint?.VpcEndpointId as string;
    };
    return { vpcId, endpoint };
  };
  const compliant = await createVpc('compliant', '10.1.0.0/16', true);
  await compliant.endpoint('sagemaker.api');
  await compliant.endpoint('sagemaker.runtime');
  const missingRuntime = await createVpc('missingRuntime', '10.2.0.0/16', true);
  await missingRuntime.endpoint('sagemaker.api');
  const runtimePrivateDnsOff = await createVpc('runtimePrivateDnsOff', '10.3.0.0/16', true);
  await runtimePrivateDnsOff.endpoint('sagemaker.api');
  await runtimePrivateDnsOff.endpoint('sagemaker.runtime', false);
  const hostnamesOff = await createVpc('hostnamesOff', '10.4.0.0/16', false);
  await hostnamesOff.endpoint('sagemaker.api');
  await hostnamesOff.endpoint('sagemaker.runtime');
  const featurestoreTrap = await createVpc('featurestoreTrap', '10.5.0.0/16', true);
  await featurestoreTrap.endpoint('sagemaker.api');
  await featurestoreTrap.endpoint('sagemaker.featurestore-runtime');
  const vpcs = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  return {
    compliant: compliant.vpcId,
    missingRuntime: missingRuntime.vpcId,
    runtimePrivateDnsOff: runtimePrivateDnsOff.vpcId,
    hostnamesOff: hostnamesOff.vpcId,
    featurestoreTrap: featurestoreTrap.vpcId,
    defaultVpc: vpcs.Vpcs?.[0]?.VpcId as string,
    endpoints,
  };
}

describe.runIf(motoAvailable())('scanner core against moto', () => {
  let moto: Moto;
  let built: Built;
  let dir: string;

  const cli = (args: string[]) => runCliAgainst(moto, REGION, args);

  const vpcResults = (report: Report) => report.results.filter((result) => VPC_RULES.includes(result.ruleId));
  const verdicts = (results: Result[], ruleId: string) =>
    Object.fromEntries(
      results
        .filter((result) => result.ruleId === ruleId)
        .map((result) => [result.resourceId, result.status]),
    );

  beforeAll(async () => {
    moto = await startMoto();
    built = await buildAccount(new EC2Client(moto.clientConfig(REGION)));
    dir = mkdtempSync(join(tmpdir(), 'scanner-int-'));
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it('judges every VPC and SageMaker endpoint of the live account', async () => {
    // Act
    const { code, stdout } = await cli(['scan', '--format', 'json']);

    // Assess
    const report = JSON.parse(stdout) as Report;
    expect(code).toBe(1);
    expect(report.scope.accounts).toEqual([MOTO_ACCOUNT_ID]);
    expect(report.scope.regions).toEqual([REGION]);
    const results = vpcResults(report);
    expect(verdicts(results, 'vpc-sagemaker-endpoints')).toEqual({
      [built.compliant]: 'PASS',
      [built.missingRuntime]: 'FAIL',
      [built.runtimePrivateDnsOff]: 'PASS',
      [built.hostnamesOff]: 'PASS',
      [built.featurestoreTrap]: 'FAIL',
      [built.defaultVpc]: 'FAIL',
    });
    const byVpc = (vpcId: string) =>
      results.find((result) => result.ruleId === 'vpc-sagemaker-endpoints' && result.resourceId === vpcId);
    expect(byVpc(built.missingRuntime)?.evidence.missing).toEqual(['sagemaker.runtime']);
    expect(byVpc(built.featurestoreTrap)?.evidence.missing).toEqual(['sagemaker.runtime']);
    expect(byVpc(built.defaultVpc)?.evidence).toMatchObject({
      isDefault: true,
      missing: ['sagemaker.api', 'sagemaker.runtime'],
    });
    const { endpoints } = built;
    expect(verdicts(results, 'vpc-sagemaker-private-dns')).toEqual({
      [endpoints['compliant/sagemaker.api'] as string]: 'PASS',
      [endpoints['compliant/sagemaker.runtime'] as string]: 'PASS',
      [endpoints['missingRuntime/sagemaker.api'] as string]: 'PASS',
      [endpoints['runtimePrivateDnsOff/sagemaker.api'] as string]: 'PASS',
      [endpoints['runtimePrivateDnsOff/sagemaker.runtime'] as string]: 'FAIL',
      [endpoints['hostnamesOff/sagemaker.api'] as string]: 'FAIL',
      [endpoints['hostnamesOff/sagemaker.runtime'] as string]: 'FAIL',
      [endpoints['featurestoreTrap/sagemaker.api'] as string]: 'PASS',
    });
    const hostnames = results.find((result) => result.resourceId === endpoints['hostnamesOff/sagemaker.api']);
    expect(hostnames?.evidence).toMatchObject({
      privateDnsEnabled: true,
      enableDnsSupport: true,
      enableDnsHostnames: false,
    });
    expect(report.stats.apiCalls).toMatchObject({
      'ec2:DescribeVpcs': 1,
      'ec2:DescribeVpcEndpoints': 1,
      'ec2:DescribeVpcEndpointServices': 1,
      'ec2:DescribeVpcAttribute': 2 * 5,
      'iam:ListAccountAliases': 1,
      'sts:GetCallerIdentity': 1,
    });
  });

  it('leaves the default VPC out with --skip-default-vpcs and lists it as skipped', async () => {
    // Act
    const { stdout } = await cli([
      'scan',
      '--format',
      'json',
      '--skip-default-vpcs',
      '--rules',
      VPC_RULES.join(','),
    ]);

    // Assess
    const report = JSON.parse(stdout) as Report;
    expect(report.results.map((result) => result.resourceId)).not.toContain(built.defaultVpc);
    expect(report.scope.skipped).toContainEqual(
      expect.objectContaining({ ruleId: 'vpc-sagemaker-endpoints', resourceId: built.defaultVpc }),
    );
  });

  it('gives identical results, ids included, when re-run offline on its own snapshot', async () => {
    // Prepare
    const evidence = join(dir, 'evidence.json');
    const snapshot = await cli(['snapshot', '--output', evidence]);
    const live = await cli(['scan', '--format', 'json']);

    // Act
    const offline = await cli(['scan', '--format', 'json', '--input', evidence]);

    // Assess
    expect(snapshot.code).toBe(0);
    expect(JSON.parse(readFileSync(evidence, 'utf8')).accounts[0].accountId).toBe(MOTO_ACCOUNT_ID);
    const liveReport = JSON.parse(live.stdout) as Report;
    const offlineReport = JSON.parse(offline.stdout) as Report;
    expect(offline.code).toBe(live.code);
    expect(offlineReport.results).toEqual(liveReport.results);
    expect(offlineReport.scope).toEqual(liveReport.scope);
    expect(offlineReport.summary).toEqual(liveReport.summary);
    expect(offlineReport.stats.apiCalls).toEqual({});
  });

  it('judges each requested region on its own: an untouched region holds only its failing default VPC', async () => {
    // Act
    const { code, stdout } = await cli([
      'scan',
      '--format',
      'json',
      '--rules',
      VPC_RULES.join(','),
      '--regions',
      `${REGION},us-west-2`,
    ]);

    // Assess
    const report = JSON.parse(stdout) as Report;
    expect(code).toBe(1);
    const west = report.results.filter((result) => result.region === 'us-west-2');
    expect(west.map((result) => [result.ruleId, result.status, result.evidence.isDefault])).toEqual([
      ['vpc-sagemaker-endpoints', 'FAIL', true],
    ]);
    expect(report.scope.regions).toEqual([REGION, 'us-west-2']);
    expect(report.results.filter((result) => result.region === REGION).length).toBeGreaterThan(6);
  });
});
