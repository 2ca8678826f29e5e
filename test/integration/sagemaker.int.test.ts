import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateDomainCommand,
  CreateNotebookInstanceCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/model/inventory.ts';
import type { Report } from '../../src/model/report.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, runCliAgainst, startMoto } from './moto.ts';

const REGION = 'eu-west-1';
const RULES = [
  'sagemaker-domain-vpc-only',
  'sagemaker-notebook-network',
  'sagemaker-notebook-root-access',
  'sagemaker-private-path',
];
const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/notebooks`;

interface Built {
  privateVpc: string;
  privateSubnet: string;
  bareVpc: string;
  bareSubnet: string;
}

/**
 * Two VPCs with DNS on: one with every endpoint a private notebook and a VpcOnly Studio domain
 * need (S3 as a gateway), one with none. A private notebook and a VpcOnly domain run in the
 * first; a notebook with direct internet and root access and a PublicInternetOnly domain in the
 * second, and a VpcOnly domain there too, which lacks its endpoints.
 */
async function buildAccount(ec2: EC2Client, sagemaker: SageMakerClient): Promise<Built> {
  const createVpc = async (cidr: string) => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    const subnetId = (
      await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr.replace('.0.0/16', '.1.0/24') }))
    ).Subnet?.SubnetId as string;
    return { vpcId, subnetId };
  };
  const privateNet = await createVpc('10.11.0.0/16');
  const bareNet = await createVpc('10.12.0.0/16');
  const interfaces = [
    `com.amazonaws.${REGION}.sagemaker.api`,
    `com.amazonaws.${REGION}.sagemaker.runtime`,
    `com.amazonaws.${REGION}.sts`,
    `aws.sagemaker.${REGION}.notebook`,
    `aws.sagemaker.${REGION}.studio`,
  ];
  for (const ServiceName of interfaces) {
    await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: privateNet.vpcId,
        VpcEndpointType: 'Interface',
        ServiceName,
        SubnetIds: [privateNet.subnetId],
        PrivateDnsEnabled: true,
      }),
    );
  }
  await ec2.send(
    new CreateVpcEndpointCommand({
      VpcId: privateNet.vpcId,
      VpcEndpointType: 'Gateway',
      ServiceName: `com.amazonaws.${REGION}.s3`,
    }),
  );
  const notebook = (name: string, subnetId: string, open: boolean) =>
    sagemaker.send(
      new CreateNotebookInstanceCommand({
        NotebookInstanceName: name,
        InstanceType: 'ml.t3.medium',
        RoleArn: ROLE_ARN,
        SubnetId: subnetId,
        SecurityGroupIds: ['sg-0notebook'],
        DirectInternetAccess: open ? 'Enabled' : 'Disabled',
        RootAccess: open ? 'Enabled' : 'Disabled',
      }),
    );
  await notebook('nb-private', privateNet.subnetId, false);
  await notebook('nb-open', bareNet.subnetId, true);
  const domain = (
    name: string,
    net: { vpcId: string; subnetId: string },
    access: 'VpcOnly' | 'PublicInternetOnly',
  ) =>
    sagemaker.send(
      new CreateDomainCommand({
        DomainName: name,
        AuthMode: 'IAM',
        DefaultUserSettings: { ExecutionRole: ROLE_ARN },
        SubnetIds: [net.subnetId],
        VpcId: net.vpcId,
        AppNetworkAccessType: access,
      }),
    );
  await domain('private', privateNet, 'VpcOnly');
  await domain('public', bareNet, 'PublicInternetOnly');
  await domain('stranded', bareNet, 'VpcOnly');
  return {
    privateVpc: privateNet.vpcId,
    privateSubnet: privateNet.subnetId,
    bareVpc: bareNet.vpcId,
    bareSubnet: bareNet.subnetId,
  };
}

describe.runIf(motoAvailable())('notebooks and Studio domains against moto', () => {
  let moto: Moto;
  let built: Built;
  let dir: string;

  const cli = (args: string[]) => runCliAgainst(moto, REGION, args);

  beforeAll(async () => {
    moto = await startMoto();
    built = await buildAccount(
      new EC2Client(moto.clientConfig(REGION)),
      new SageMakerClient(moto.clientConfig(REGION)),
    );
    dir = mkdtempSync(join(tmpdir(), 'scanner-sagemaker-int-'));
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it('judges every notebook and domain of the live account on its own settings and its VPC', async () => {
    // Act
    const { code, stdout } = await cli(['scan', '--format', 'json', '--rules', RULES.join(',')]);

    // Assess
    const report = JSON.parse(stdout) as Report;
    expect(code).toBe(1);
    expect(report.results.map((result) => `${result.ruleId} ${result.resourceId} ${result.status}`)).toEqual([
      'sagemaker-domain-vpc-only d-private PASS',
      'sagemaker-domain-vpc-only d-public FAIL',
      'sagemaker-domain-vpc-only d-stranded PASS',
      'sagemaker-notebook-network nb-open FAIL',
      'sagemaker-notebook-network nb-private PASS',
      'sagemaker-notebook-root-access nb-open FAIL',
      'sagemaker-notebook-root-access nb-private PASS',
      'sagemaker-private-path d-private PASS',
      'sagemaker-private-path d-stranded FAIL',
      'sagemaker-private-path nb-open FAIL',
      'sagemaker-private-path nb-private PASS',
    ]);
    const stranded = report.results.find(
      (result) => result.ruleId === 'sagemaker-private-path' && result.resourceId === 'd-stranded',
    );
    expect(stranded?.message).toContain(built.bareVpc);
    expect(report.scope.skipped.filter((entry) => entry.ruleId === 'sagemaker-private-path')).toEqual([
      expect.objectContaining({ resourceId: 'd-public' }),
    ]);
    expect(report.stats.apiCalls).toEqual({
      'ec2:DescribeSubnets': 1,
      'ec2:DescribeVpcAttribute': 2 * 2,
      'ec2:DescribeVpcEndpointServices': 1,
      'ec2:DescribeVpcEndpoints': 1,
      'ec2:DescribeVpcs': 1,
      'iam:ListAccountAliases': 1,
      'sagemaker:DescribeDomain': 3,
      'sagemaker:DescribeNotebookInstance': 2,
      'sagemaker:ListDomains': 1,
      'sagemaker:ListNotebookInstances': 1,
      'sts:GetCallerIdentity': 1,
    });
  });

  it('gives identical results, ids included, when re-run offline on its own snapshot, which records its sections', async () => {
    // Prepare
    const evidence = join(dir, 'evidence.json');
    const snapshot = await cli(['snapshot', '--output', evidence, '--rules', RULES.join(',')]);
    const live = await cli(['scan', '--format', 'json', '--rules', RULES.join(',')]);

    // Act
    const offline = await cli(['scan', '--format', 'json', '--input', evidence, '--rules', RULES.join(',')]);

    // Assess
    expect(snapshot.code).toBe(0);
    const written = JSON.parse(readFileSync(evidence, 'utf8')) as Inventory;
    const [region] = written.accounts[0]?.regions ?? [];
    expect(region?.sections).toEqual([
      'endpointServices',
      'sagemakerDomains',
      'sagemakerNotebooks',
      'subnets',
      'vpcAttributes',
      'vpcEndpoints',
      'vpcs',
    ]);
    expect(region?.subnets?.map((subnet) => subnet.SubnetId).sort()).toEqual(
      [built.privateSubnet, built.bareSubnet].sort(),
    );
    const liveReport = JSON.parse(live.stdout) as Report;
    const offlineReport = JSON.parse(offline.stdout) as Report;
    expect(offline.code).toBe(live.code);
    expect(offlineReport.results).toEqual(liveReport.results);
    expect(offlineReport.scope).toEqual(liveReport.scope);
    expect(offlineReport.summary).toEqual(liveReport.summary);
    expect(offlineReport.stats.apiCalls).toEqual({});
  });
});
