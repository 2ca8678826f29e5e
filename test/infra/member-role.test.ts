import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  MemberRoleStack,
  memberReadActions,
  ORGANIZATION_ID_PATTERN,
  SCANNER_ROLE_ARN_PATTERN,
} from '../../infra/member-role.ts';
import { scannerReadActions } from '../../infra/permissions.ts';
import { selectRules } from '../../src/engine/select.ts';
import { RULES } from '../../src/rules/index.ts';

const SECURITY_ACCOUNT = '111122223333';
const MEMBER_ACCOUNT = '444455556666';
const SCANNER_ROLE = `arn:aws:iam::${SECURITY_ACCOUNT}:role/SageMakerComplianceScanner-ScanRole0AC0F29D-1A2B3C4D5E6F`;
const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const TRUST_DOCS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html';

function synthesize(options: { securityHub?: boolean; rules?: string[] } = {}) {
  const app = new App();
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new ServerlessChecks(app),
    new NIST80053R5Checks(app),
  );
  const stack = new MemberRoleStack(app, 'MemberRole', {
    rules: selectRules(options.rules, 'rules'),
    roleName: 'SageMakerComplianceMember',
    securityHub: options.securityHub,
  });
  return { app, stack, template: Template.fromStack(stack).toJSON() };
}

type Json = Record<string, unknown>;

function resourcesOf(template: Json, type: string): Json[] {
  return Object.values(template.Resources as Record<string, Json>).filter(
    (resource) => resource.Type === type,
  );
}

function statements(template: Json): Json[] {
  return resourcesOf(template, 'AWS::IAM::Policy').flatMap(
    (policy) => ((policy.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement,
  );
}

function trustPolicy(template: Json): Json {
  const [role] = resourcesOf(template, 'AWS::IAM::Role');
  return ((role as Json).Properties as Json).AssumeRolePolicyDocument as Json;
}

/**
 * The trust policy as CloudFormation deploys it for these parameter values: `Ref`, `Fn::If` on
 * the template's one condition, `Fn::Select`/`Fn::Split` and `Fn::Join` evaluated.
 */
function deployedTrust(
  template: Json,
  parameters: { ScannerRoleArn: string; OrganizationId: string },
): unknown {
  const values: Record<string, string> = { ...parameters, 'AWS::Partition': 'aws' };
  const conditions: Record<string, boolean> = { RequireOrganization: parameters.OrganizationId !== '' };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [[key, argument] = ['', undefined]] = entries;
    if (entries.length === 1 && key === 'Ref') return values[argument as string];
    if (entries.length === 1 && key === 'Fn::If') {
      const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
      return resolve(conditions[condition] ? whenTrue : whenFalse);
    }
    if (entries.length === 1 && key === 'Fn::Select') {
      const [index, list] = argument as [number, unknown];
      return (resolve(list) as unknown[])[index];
    }
    if (entries.length === 1 && key === 'Fn::Split') {
      const [separator, text] = argument as [string, unknown];
      return (resolve(text) as string).split(separator);
    }
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    if (entries.length === 1 && key.startsWith('Fn::')) throw new Error(`cannot resolve ${key}`);
    return Object.fromEntries(entries.map(([name, item]) => [name, resolve(item)]));
  };
  return resolve(trustPolicy(template));
}

/** sts:AssumeRole of the member role, as STS evaluates it in the member account. */
async function assume(trust: unknown, principal: string, context: Record<string, string>) {
  const result = await runSimulation(
    {
      request: {
        principal,
        action: 'sts:AssumeRole',
        resource: {
          resource: `arn:aws:iam::${MEMBER_ACCOUNT}:role/SageMakerComplianceMember`,
          accountId: MEMBER_ACCOUNT,
        },
        contextVariables: {
          'aws:SecureTransport': 'true',
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': principal.split(':')[4] as string,
          'aws:PrincipalType': 'AssumedRole',
          ...context,
        },
      },
      // The caller's own policy allows the call; only the trust policy decides.
      identityPolicies: [
        {
          name: 'caller',
          policy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
          },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
    },
    {},
  );
  if (result.resultType !== 'single') throw new Error(JSON.stringify(result));
  expect(result.result.ignoredContextKeys ?? []).toEqual([]);
  return result.overallResult;
}

describe('the member role template', () => {
  it('grants exactly the scanner role’s reads, without the Organizations reads', () => {
    // Act
    const { template, stack } = synthesize();

    // Assess
    expect(statements(template)).toEqual([
      {
        Sid: 'ReadAccountForRules',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeRegions',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcAttribute',
          'ec2:DescribeVpcEndpointServices',
          'ec2:DescribeVpcEndpoints',
          'ec2:DescribeVpcs',
          'iam:GetAccountAuthorizationDetails',
          'iam:ListAccountAliases',
          'sagemaker:DescribeDomain',
          'sagemaker:DescribeNotebookInstance',
          'sagemaker:ListDomains',
          'sagemaker:ListNotebookInstances',
        ],
        Resource: '*',
      },
    ]);
    expect(stack.readActions).toEqual(
      scannerReadActions(RULES).filter((action) => !action.startsWith('organizations:')),
    );
  });

  it('grants only reads: every action is a Describe, Get or List', () => {
    // Act
    const actions = statements(synthesize().template).flatMap((statement) => statement.Action as string[]);

    // Assess
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]+$/);
  });

  it('follows the deployed rules: one VPC rule needs fewer reads', () => {
    // Act
    const actions = memberReadActions(selectRules(['vpc-sagemaker-private-dns'], 'rules'));

    // Assess
    expect(actions).toEqual(
      scannerReadActions(selectRules(['vpc-sagemaker-private-dns'], 'rules')).filter(
        (action) => !action.startsWith('organizations:'),
      ),
    );
    expect(actions).not.toContain('iam:GetAccountAuthorizationDetails');
    expect(actions).toContain('ec2:DescribeVpcEndpoints');
  });

  it('adds the account’s own Security Hub import and update when securityHub is on', () => {
    // Act
    const added = statements(synthesize({ securityHub: true }).template).slice(1);

    // Assess
    const securityHub = (resource: string) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:*:', { Ref: 'AWS::AccountId' }, resource],
      ],
    });
    expect(added).toEqual([
      {
        Sid: 'ImportFindingsIntoOwnSecurityHub',
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':securityhub:*:',
              { Ref: 'AWS::AccountId' },
              ':product/',
              { Ref: 'AWS::AccountId' },
              '/default',
            ],
          ],
        },
      },
      {
        Sid: 'SetWorkflowWhenMuteStateChanges',
        Effect: 'Allow',
        Action: 'securityhub:BatchUpdateFindings',
        Resource: securityHub(':hub/default'),
      },
    ]);
  });

  it('trusts the security account only for the scanner role’s ARN, and the Organization when given', () => {
    // Act
    const trust = trustPolicy(synthesize().template);

    // Assess
    const scanner = { 'aws:PrincipalArn': { Ref: 'ScannerRoleArn' } };
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: {
            AWS: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':iam::',
                  { 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'ScannerRoleArn' }] }] },
                  ':root',
                ],
              ],
            },
          },
          Condition: {
            StringEquals: {
              'Fn::If': [
                'RequireOrganization',
                { ...scanner, 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
                scanner,
              ],
            },
          },
        },
      ],
    });
  });

  it('names the role for the scanner and takes the scanner role and Organization as parameters', () => {
    // Act
    const { template } = synthesize();

    // Assess
    const [role] = resourcesOf(template, 'AWS::IAM::Role');
    expect(((role as Json).Properties as Json).RoleName).toBe('SageMakerComplianceMember');
    expect(template.Parameters).toEqual({
      ScannerRoleArn: {
        Type: 'String',
        AllowedPattern: SCANNER_ROLE_ARN_PATTERN,
        ConstraintDescription: 'must be an IAM role ARN, such as arn:aws:iam::111122223333:role/ScanRole',
        Description: 'The ScanRoleArn output of the scanner stack in the security account',
      },
      OrganizationId: {
        Type: 'String',
        Default: '',
        AllowedPattern: ORGANIZATION_ID_PATTERN,
        ConstraintDescription: 'must be empty or an Organization id such as o-a1b2c3d4e5',
        Description: 'Optional: the Organization id (o-…); the scanner role must then belong to it',
      },
    });
    // Member accounts are not CDK-bootstrapped: no BootstrapVersion parameter or rule.
    expect(template.Rules).toBeUndefined();
  });

  it.each([
    [SCANNER_ROLE, true],
    ['arn:aws-cn:iam::111122223333:role/security/Scanner', true],
    ['arn:aws:iam::111122223333:role/*', false],
    ['arn:aws:iam::1111:role/Scanner', false],
    ['arn:aws:iam::111122223333:user/Scanner', false],
  ])('accepts %s as the scanner role ARN: %s', (arn, accepted) => {
    // Assess
    expect(new RegExp(SCANNER_ROLE_ARN_PATTERN).test(arn)).toBe(accepted);
  });

  it.each([
    ['', true],
    [ORGANIZATION_ID, true],
    ['o-short', false],
    ['r-a1b2', false],
  ])('accepts "%s" as the Organization id: %s', (id, accepted) => {
    // Assess
    expect(new RegExp(ORGANIZATION_ID_PATTERN).test(id)).toBe(accepted);
  });

  it('passes the cdk-nag packs, with Security Hub on', () => {
    // Prepare
    const { app } = synthesize({ securityHub: true });

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).not.toThrow();
  });
});

describe(`the deployed member role trust, asked sts:AssumeRole as STS makes it (${TRUST_DOCS})`, () => {
  it.each([
    ['the scanner role', 'Allowed', SCANNER_ROLE, {}, ''],
    [
      'another role of the security account',
      'ImplicitlyDenied',
      `arn:aws:iam::${SECURITY_ACCOUNT}:role/Administrator`,
      {},
      '',
    ],
    [
      'a same-named role of another account',
      'ImplicitlyDenied',
      SCANNER_ROLE.replace(SECURITY_ACCOUNT, '999988887777'),
      {},
      '',
    ],
    [
      'the scanner role inside the Organization',
      'Allowed',
      SCANNER_ROLE,
      { 'aws:PrincipalOrgID': ORGANIZATION_ID },
      ORGANIZATION_ID,
    ],
    [
      'the scanner role of an account of another Organization',
      'ImplicitlyDenied',
      SCANNER_ROLE,
      { 'aws:PrincipalOrgID': 'o-z9y8x7w6v5' },
      ORGANIZATION_ID,
    ],
  ])('%s: %s', async (_who, expected, principal, context, organizationId) => {
    // Prepare
    const trust = deployedTrust(synthesize().template, {
      ScannerRoleArn: SCANNER_ROLE,
      OrganizationId: organizationId,
    });

    // Act
    const outcome = await assume(trust, principal, context);

    // Assess
    expect(outcome).toBe(expected);
  });
});
