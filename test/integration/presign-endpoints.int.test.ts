import {
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateDomainCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, runCliAgainst, startMoto } from './moto.ts';

const REGION = 'eu-west-1';
const RULES = [
  'iam-presigned-url-approved-endpoints',
  'iam-principal-presigned-domain-url-source-ip',
  'iam-policy-presigned-domain-url-source-ip',
];
const SHARED_SERVICES_ENDPOINT = 'vpce-0ffee0000000000f1';

interface Built {
  apiEndpoint: string;
  stsEndpoint: string;
  ssoDomain: string;
}

/** One VPC with a SageMaker API and an STS endpoint, an Identity Center domain, and users whose presign grants name endpoints. */
async function buildAccount(ec2: EC2Client, iam: IAMClient, sagemaker: SageMakerClient): Promise<Built> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.21.0.0/16' }))).Vpc?.VpcId as string;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.21.1.0/24' })))
    .Subnet?.SubnetId as string;
  const endpoint = async (ServiceName: string) =>
    (
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpcId,
          VpcEndpointType: 'Interface',
          ServiceName,
          SubnetIds: [subnetId],
        }),
      )
    ).VpcEndpoint?.VpcEndpointId as string;
  const apiEndpoint = await endpoint(`com.amazonaws.${REGION}.sagemaker.api`);
  const stsEndpoint = await endpoint(`com.amazonaws.${REGION}.sts`);
  const ssoDomain = (
    await sagemaker.send(
      new CreateDomainCommand({
        DomainName: 'portal',
        AuthMode: 'SSO',
        DefaultUserSettings: { ExecutionRole: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/studio` },
        SubnetIds: [subnetId],
        VpcId: vpcId,
      }),
    )
  ).DomainArn?.split('/').pop() as string;
  const userWith = async (name: string, statement: Record<string, unknown>) => {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: 'presign',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
      }),
    );
  };
  const through = (action: string, endpointId: string) => ({
    Effect: 'Allow',
    Action: action,
    Resource: '*',
    Condition: { StringEquals: { 'aws:SourceVpce': endpointId } },
  });
  await userWith('via-api', through('sagemaker:CreatePresignedNotebookInstanceUrl', apiEndpoint));
  await userWith('via-sts', through('sagemaker:CreatePresignedDomainUrl', stsEndpoint));
  await userWith(
    'via-shared',
    through('sagemaker:CreatePresignedNotebookInstanceUrl', SHARED_SERVICES_ENDPOINT),
  );
  await userWith('studio-open', {
    Effect: 'Allow',
    Action: 'sagemaker:CreatePresignedDomainUrl',
    Resource: '*',
  });
  return { apiEndpoint, stsEndpoint, ssoDomain };
}

describe.runIf(motoAvailable())(
  'presigned-URL rules against moto: Studio URLs and approved endpoints',
  () => {
    let moto: Moto;
    let built: Built;

    beforeAll(async () => {
      moto = await startMoto();
      const config = moto.clientConfig(REGION);
      built = await buildAccount(new EC2Client(config), new IAMClient(config), new SageMakerClient(config));
    }, 120_000);

    afterAll(async () => {
      await moto?.stop();
    });

    async function scan(...extra: string[]): Promise<Report> {
      const { stdout } = await runCliAgainst(moto, REGION, [
        'scan',
        '--format',
        'json',
        '--regions',
        REGION,
        '--rules',
        RULES.join(','),
        ...extra,
      ]);
      return JSON.parse(stdout) as Report;
    }

    const verdicts = (report: Report, ruleId: string) =>
      Object.fromEntries(
        report.results
          .filter((result) => result.ruleId === ruleId)
          .map((result) => [
            result.resourceId.replace(`arn:aws:iam::${MOTO_ACCOUNT_ID}:`, ''),
            result.status,
          ]),
      );

    it('checks each aws:SourceVpce value against the endpoints read from the live account', async () => {
      // Act
      const report = await scan();
      // Assess
      expect(verdicts(report, 'iam-presigned-url-approved-endpoints')).toEqual({
        'user/via-api': 'PASS',
        'user/via-sts': 'FAIL',
        'user/via-shared': 'FAIL',
      });
      const sts = report.results.find((result) => result.resourceId.endsWith('user/via-sts'));
      expect(sts?.message).toContain(
        `${built.stsEndpoint} in policy presign (inline), statement 0 (another service’s endpoint (com.amazonaws.${REGION}.sts, ${REGION}))`,
      );
    });

    it('passes the shared-services endpoint once --approved-vpces names it', async () => {
      // Act
      const report = await scan('--approved-vpces', SHARED_SERVICES_ENDPOINT);
      // Assess
      expect(verdicts(report, 'iam-presigned-url-approved-endpoints')['user/via-shared']).toBe('PASS');
    });

    it('judges CreatePresignedDomainUrl and names the Identity Center domain read by DescribeDomain', async () => {
      // Act
      const report = await scan();
      // Assess
      expect(verdicts(report, 'iam-principal-presigned-domain-url-source-ip')).toEqual({
        'user/studio-open': 'FAIL',
        'user/via-sts': 'PASS',
      });
      const open = report.results.find(
        (result) =>
          result.ruleId === 'iam-principal-presigned-domain-url-source-ip' && result.status === 'FAIL',
      );
      expect(open?.evidence.identityCenterDomains).toEqual(
        expect.objectContaining({
          domains: [{ domainId: built.ssoDomain, domainName: 'portal', region: REGION }],
        }),
      );
    });
  },
);
