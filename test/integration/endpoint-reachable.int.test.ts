import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { type Moto, motoAvailable, runCliAgainst, startMoto } from './moto.ts';

const REGION = 'eu-west-1';
const VPC_CIDR = '10.40.0.0/16';

interface Built {
  open: string;
  closed: string;
  twoZones: string;
  oneZone: string;
  blocked: string;
  studio: string;
  denied: string;
}

/** An endpoint policy that lets everything through but presigned Studio URLs. */
const DENY_DOMAIN_URL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'AllowAll', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
    {
      Sid: 'NoStudioUrls',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sagemaker:CreatePresignedDomainUrl',
      Resource: '*',
    },
  ],
});

/**
 * One VPC with subnets in two zones, a security group that lets HTTPS in from the VPC and one that
 * lets nothing in, and SageMaker endpoints in two zones, in two subnets of one zone, behind the
 * closed group, and an api endpoint whose policy denies presigned Studio URLs.
 */
async function buildAccount(ec2: EC2Client): Promise<Built> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: VPC_CIDR }))).Vpc?.VpcId as string;
  const subnet = async (CidrBlock: string, AvailabilityZone: string) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock, AvailabilityZone }))).Subnet
      ?.SubnetId as string;
  const zoneA = await subnet('10.40.1.0/24', 'eu-west-1a');
  const zoneA2 = await subnet('10.40.2.0/24', 'eu-west-1a');
  const zoneB = await subnet('10.40.3.0/24', 'eu-west-1b');
  const group = async (GroupName: string) =>
    (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName, Description: GroupName })))
      .GroupId as string;
  const open = await group('endpoints-open');
  const closed = await group('endpoints-closed');
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: open,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: VPC_CIDR }] }],
    }),
  );
  const endpoint = async (
    ServiceName: string,
    SubnetIds: string[],
    SecurityGroupIds: string[],
    PolicyDocument?: string,
  ) =>
    (
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpcId,
          VpcEndpointType: 'Interface',
          ServiceName,
          SubnetIds,
          SecurityGroupIds,
          PrivateDnsEnabled: true,
          ...(PolicyDocument ? { PolicyDocument } : {}),
        }),
      )
    ).VpcEndpoint?.VpcEndpointId as string;
  return {
    open,
    closed,
    twoZones: await endpoint(`com.amazonaws.${REGION}.sagemaker.api`, [zoneA, zoneB], [open]),
    oneZone: await endpoint(`com.amazonaws.${REGION}.sagemaker.runtime`, [zoneA, zoneA2], [open]),
    blocked: await endpoint(`aws.sagemaker.${REGION}.notebook`, [zoneA, zoneB], [closed]),
    studio: await endpoint(`aws.sagemaker.${REGION}.studio`, [zoneA, zoneB], [closed, open]),
    denied: await endpoint(`com.amazonaws.${REGION}.sagemaker.api`, [zoneA, zoneB], [open], DENY_DOMAIN_URL),
  };
}

describe.runIf(motoAvailable())('vpc-sagemaker-endpoint-reachable against moto', () => {
  let moto: Moto;
  let built: Built;
  let report: Report;

  beforeAll(async () => {
    moto = await startMoto();
    built = await buildAccount(new EC2Client(moto.clientConfig(REGION)));
    const { stdout } = await runCliAgainst(moto, REGION, [
      'scan',
      '--format',
      'json',
      '--regions',
      REGION,
      '--rules',
      'vpc-sagemaker-endpoint-reachable',
    ]);
    report = JSON.parse(stdout) as Report;
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('reads the endpoints’ security groups and subnets and judges each endpoint', () => {
    // Act
    const verdicts = Object.fromEntries(report.results.map((result) => [result.resourceId, result.status]));

    // Assess
    expect(verdicts).toEqual({
      [built.twoZones]: 'PASS',
      [built.oneZone]: 'FAIL',
      [built.blocked]: 'FAIL',
      [built.studio]: 'PASS',
      [built.denied]: 'FAIL',
    });
    expect(report.stats.apiCalls['ec2:DescribeSecurityGroups']).toBe(1);
  });

  it('counts zones, not subnets: two subnets in one zone fail', () => {
    // Act
    const oneZone = report.results.find((result) => result.resourceId === built.oneZone);

    // Assess
    expect(oneZone?.message).toContain('its subnets are all in one Availability Zone (eu-west-1a)');
    expect(oneZone?.evidence.availabilityZones).toEqual(['eu-west-1a']);
  });

  it('names the missing HTTPS rule of the closed group, with its command', () => {
    // Act
    const blocked = report.results.find((result) => result.resourceId === built.blocked);

    // Assess
    expect(blocked?.message).toContain(
      `its security groups ${built.closed} allow no inbound TCP 443 from ${VPC_CIDR}`,
    );
    expect(blocked?.remediation).toContain(
      `aws ec2 authorize-security-group-ingress --region ${REGION} --group-id ${built.closed} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=${VPC_CIDR}}]'`,
    );
  });
  it('passes the api endpoint with the default policy, judged for every principal of the account', () => {
    // Act
    const open = report.results.find((result) => result.resourceId === built.twoZones);

    // Assess
    expect(open?.message).toContain(
      'Its endpoint policy allows sagemaker:CreatePresignedNotebookInstanceUrl, sagemaker:CreatePresignedDomainUrl, sagemaker:CreateApp for every principal of the account.',
    );
    expect(open?.evidence.endpointPolicy).toMatchObject({ status: 'PASS', judged: true });
  });

  it('fails the api endpoint whose PolicyDocument denies CreatePresignedDomainUrl, naming the statement and the fix', () => {
    // Act
    const denied = report.results.find((result) => result.resourceId === built.denied);

    // Assess
    expect(denied?.message).toBe(
      `Endpoint ${built.denied} (com.amazonaws.${REGION}.sagemaker.api) in VPC ${denied?.evidence.vpcId} cannot carry all its traffic: its endpoint policy refuses sagemaker:CreatePresignedDomainUrl for any principal of the account (statement 1 (Sid NoStudioUrls) denies it).`,
    );
    expect(denied?.remediation).toContain(
      `aws ec2 modify-vpc-endpoint --region ${REGION} --vpc-endpoint-id ${built.denied} --policy-document file://endpoint-policy.json`,
    );
    expect(denied?.evidence.endpointPolicy).toMatchObject({ status: 'FAIL', document: 'attached' });
  });
});
