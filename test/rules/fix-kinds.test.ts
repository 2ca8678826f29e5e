import { describe, expect, it } from 'vitest';
import { generalRemediation } from '../../src/engine/evaluate.ts';
import { RULES } from '../../src/rules/index.ts';
import { ACCOUNT, allowAll, doc, group, inventoryOf, managedPolicy, role, user } from '../iam/builders.ts';
import { runRule } from '../support/inventory.ts';

/**
 * What a rule's general fix must name for each kind of resource it reports: the email prints it
 * once per rule, above resources of every kind, so a fix for one kind only misleads the others.
 */
const GENERAL_FIX_NAMES: Record<string, Record<string, string[]>> = {
  'iam-policy-presigned-domain-url-source-ip': {
    'managed policy': ['aws iam create-policy-version --policy-arn <arn>'],
    'inline policy of a role': ['put-role-policy --role-name <role>'],
    'inline policy of a user': ['put-user-policy --user-name <user>'],
    'inline policy of a group': ['put-group-policy --group-name <group>'],
  },
  'iam-policy-presigned-url-source-ip': {
    'managed policy': ['aws iam create-policy-version --policy-arn <arn>'],
    'inline policy of a role': ['put-role-policy --role-name <role>'],
    'inline policy of a user': ['put-user-policy --user-name <user>'],
    'inline policy of a group': ['put-group-policy --group-name <group>'],
  },
  'iam-presigned-url-approved-endpoints': {
    'AWS::IAM::User': ['aws ec2 describe-vpc-endpoints', '--approved-vpces'],
    'AWS::IAM::Role': ['aws ec2 describe-vpc-endpoints', '--approved-vpces'],
  },
  'iam-principal-presigned-domain-url-source-ip': {
    'AWS::IAM::User': ['aws iam put-user-policy --user-name <user>'],
    'AWS::IAM::Role': ['put-role-policy --role-name <role>'],
  },
  'iam-principal-presigned-url-source-ip': {
    'AWS::IAM::User': ['aws iam put-user-policy --user-name <user>'],
    'AWS::IAM::Role': ['put-role-policy --role-name <role>'],
  },
  'sagemaker-domain-vpc-only': { 'AWS::SageMaker::Domain': ['--domain-id <domain-id>'] },
  'sagemaker-notebook-network': {
    'AWS::SageMaker::NotebookInstance': ['create-notebook-instance', '--direct-internet-access Disabled'],
  },
  'sagemaker-notebook-root-access': {
    'AWS::SageMaker::NotebookInstance': ['--notebook-instance-name <name>', '--root-access Disabled'],
  },
  'sagemaker-private-path': {
    'AWS::SageMaker::NotebookInstance': ['aws.sagemaker.<region>.notebook'],
    'AWS::SageMaker::Domain': ['aws.sagemaker.<region>.studio', 'com.amazonaws.<region>.sts'],
  },
  'vpc-sagemaker-endpoints': { 'AWS::EC2::VPC': ['--vpc-id <vpc-id>'] },
  'vpc-sagemaker-private-dns': {
    'AWS::EC2::VPCEndpoint': ['--vpc-endpoint-id <vpce-id>'],
    'AWS::EC2::VPC': ['--vpc-id <vpc-id> --enable-dns-support'],
  },
};

describe('each rule’s general fix', () => {
  it('is listed here for every rule', () => {
    // Assess
    expect(Object.keys(GENERAL_FIX_NAMES).sort()).toEqual(RULES.map((rule) => rule.meta.id).sort());
  });

  it.each(
    RULES.flatMap((rule) =>
      Object.entries(GENERAL_FIX_NAMES[rule.meta.id] ?? {}).map(([kind, names]) => ({
        ruleId: rule.meta.id,
        kind,
        names,
        fix: generalRemediation(rule.meta),
      })),
    ),
  )('$ruleId names the fix for a $kind', ({ names, fix }) => {
    // Assess
    for (const name of names) expect(fix).toContain(name);
  });
});

describe('each IAM result’s own fix', () => {
  const principals = RULES.find((rule) => rule.meta.id === 'iam-principal-presigned-url-source-ip');
  const policies = RULES.find((rule) => rule.meta.id === 'iam-policy-presigned-url-source-ip');

  it('puts a user’s deny on the user and a role’s on the role', () => {
    // Prepare
    const input = inventoryOf({
      UserDetailList: [user('alice', { inline: { grant: doc(allowAll) } })],
      RoleDetailList: [role('ml', { inline: { grant: doc(allowAll) } })],
    });

    // Act
    const fixes = runRule(principals as never, input, { allowedSourceCidrs: ['203.0.113.0/24'] }).results.map(
      (result) => [result.resourceType, result.remediation],
    );

    // Assess
    expect(fixes).toEqual([
      ['AWS::IAM::Role', expect.stringContaining('aws iam put-role-policy --role-name ml --policy-name')],
      ['AWS::IAM::User', expect.stringContaining('aws iam put-user-policy --user-name alice --policy-name')],
    ]);
    expect(fixes[0]?.[1]).not.toContain('user-name');
    expect(fixes[1]?.[1]).not.toContain('role-name');
  });

  it('rewrites an inline policy on its owner, whatever its kind, and a managed one with a new version', () => {
    // Prepare
    const input = inventoryOf({
      Policies: [managedPolicy('shared', doc(allowAll))],
      UserDetailList: [user('alice', { inline: { mine: doc(allowAll) } })],
      GroupDetailList: [group('analysts', { inline: { ours: doc(allowAll) } })],
      RoleDetailList: [role('ml', { inline: { its: doc(allowAll) } })],
    });

    // Act
    const fixes = runRule(policies as never, input, { allowedSourceCidrs: ['203.0.113.0/24'] }).results.map(
      (result) => result.remediation.replace(/^.*; then /, ''),
    );

    // Assess
    expect(fixes.sort()).toEqual(
      [
        `aws iam create-policy-version --policy-arn arn:aws:iam::${ACCOUNT}:policy/shared --policy-document file://policy.json --set-as-default.`,
        'aws iam put-group-policy --group-name analysts --policy-name ours --policy-document file://policy.json.',
        'aws iam put-role-policy --role-name ml --policy-name its --policy-document file://policy.json.',
        'aws iam put-user-policy --user-name alice --policy-name mine --policy-document file://policy.json.',
      ].sort(),
    );
  });
});
