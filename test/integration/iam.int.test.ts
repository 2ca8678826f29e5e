import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, startMoto } from './moto.ts';

const REGION = 'eu-west-1';
const RULES = 'iam-principal-presigned-url-source-ip,iam-policy-presigned-url-source-ip';
const APPROVED = ['203.0.113.0/24'];
const ACTION = 'sagemaker:CreatePresignedNotebookInstanceUrl';
const run = promisify(execFile);

const json = (value: unknown) => JSON.stringify(value);
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ACTION, Resource: '*' }] };
const guardrail = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      Action: ACTION,
      Resource: '*',
      Condition: { NotIpAddress: { 'aws:SourceIp': APPROVED } },
    },
  ],
};
const trust = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

/** Builds principals and policies through the IAM API; AWS managed policies come from moto's copy. */
async function buildAccount(iam: IAMClient): Promise<void> {
  const policy = async (name: string, document: object) =>
    (await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: json(document) }))).Policy
      ?.Arn as string;
  const guardArn = await policy('guardrail', guardrail);
  const openArn = await policy('open-notebooks', allowAll);
  const restrictedArn = await policy('office-notebooks', {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ACTION,
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': APPROVED } },
      },
    ],
  });
  await iam.send(
    new CreatePolicyVersionCommand({
      PolicyArn: restrictedArn,
      PolicyDocument: json(allowAll),
      SetAsDefault: false,
    }),
  );
  const boundaryArn = await policy('s3-only-boundary', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
  });

  const admin = `arn:aws:iam::aws:policy/AdministratorAccess`;
  const sageMakerFull = `arn:aws:iam::aws:policy/AmazonSageMakerFullAccess`;
  const user = (name: string) => iam.send(new CreateUserCommand({ UserName: name }));
  const role = (name: string) =>
    iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: json(trust) }));

  await user('admin-open');
  await iam.send(new AttachUserPolicyCommand({ UserName: 'admin-open', PolicyArn: admin }));
  await user('office-only');
  await iam.send(new AttachUserPolicyCommand({ UserName: 'office-only', PolicyArn: restrictedArn }));
  await user('inline-open');
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'inline-open',
      PolicyName: 'notebooks',
      PolicyDocument: json(allowAll),
    }),
  );

  await iam.send(new CreateGroupCommand({ GroupName: 'data-scientists' }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'data-scientists', PolicyArn: sageMakerFull }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'data-scientists', PolicyArn: guardArn }));
  await user('scientist');
  await iam.send(new AddUserToGroupCommand({ GroupName: 'data-scientists', UserName: 'scientist' }));

  await role('ml-execution');
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'ml-execution', PolicyArn: sageMakerFull }));
  await role('ml-guarded');
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'ml-guarded', PolicyArn: sageMakerFull }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'ml-guarded',
      PolicyName: 'guard',
      PolicyDocument: json(guardrail),
    }),
  );
  await role('bounded');
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'bounded', PolicyArn: openArn }));
  await iam.send(
    new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: boundaryArn }),
  );
}

describe.runIf(motoAvailable())('IAM rules against moto', () => {
  let moto: Moto;
  let report: Report;

  beforeAll(async () => {
    moto = await startMoto({ MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' });
    await buildAccount(new IAMClient(moto.clientConfig(REGION)));
    try {
      const { stdout } = await run(
        process.execPath,
        [
          inject('builtCli'),
          'scan',
          '--format',
          'json',
          '--rules',
          RULES,
          '--allowed-cidrs',
          APPROVED.join(','),
        ],
        {
          env: { ...process.env, ...moto.env, AWS_REGION: REGION, NO_COLOR: '1' },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      report = JSON.parse(stdout) as Report;
    } catch (error) {
      // A scan with FAILs exits non-zero; the report is still on stdout.
      report = JSON.parse((error as { stdout: string }).stdout) as Report;
    }
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  const verdicts = (ruleId: string) =>
    Object.fromEntries(
      report.results
        .filter((result) => result.ruleId === ruleId)
        .map((result) => [result.resourceId.replace(`arn:aws:iam::${MOTO_ACCOUNT_ID}:`, ''), result.status]),
    );

  it('judges users and roles through direct, group, inline and boundary paths', () => {
    // Assess
    expect(verdicts('iam-principal-presigned-url-source-ip')).toEqual({
      'user/admin-open': 'FAIL',
      'user/office-only': 'PASS',
      'user/inline-open': 'FAIL',
      'user/scientist': 'PASS',
      'role/ml-execution': 'FAIL',
      'role/ml-guarded': 'PASS',
      'role/bounded': 'PASS',
    });
  });

  it('judges customer managed and inline policies on their own, and no AWS managed policy', () => {
    // Assess
    expect(verdicts('iam-policy-presigned-url-source-ip')).toEqual({
      'policy/open-notebooks': 'FAIL',
      'policy/office-notebooks': 'PASS',
      'user/inline-open/inline/notebooks': 'FAIL',
    });
  });

  it('cites the AWS managed policy statement that grants a failing role', () => {
    // Assess
    const result = report.results.find((entry) => entry.resourceId.endsWith('role/ml-execution'));
    expect(result?.message).toContain('AmazonSageMakerFullAccess (attached directly)');
    expect(result?.evidence).toEqual(
      expect.objectContaining({ scpsEvaluated: true, offendingAddress: '1.0.0.0' }),
    );
    // moto's account belongs to no Organization (DescribeOrganization: AWSOrganizationsNotInUseException).
    expect(result?.evidence.serviceControlPolicies).toEqual({
      considered: [],
      note: 'the account belongs to no Organization',
    });
  });
});
