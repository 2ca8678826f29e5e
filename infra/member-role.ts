import {
  Aws,
  CfnCondition,
  CfnOutput,
  CfnParameter,
  DefaultStackSynthesizer,
  Fn,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { AnySection } from '../src/collect/sections/index.ts';
import { SECTIONS } from '../src/collect/sections/index.ts';
import type { Rule } from '../src/rules/types.ts';
import { scannerReadActions } from './permissions.ts';

/** The member role reads its own account only: the plan reads the Organization once, for all. */
const ORGANIZATION_READ = /^organizations:/;

/**
 * The member role's read actions: the scanner role's ({@link scannerReadActions}, from the rule and
 * section registries), without the Organizations reads.
 *
 * @example memberReadActions(RULES); // ['ec2:DescribeRegions', …, 'sagemaker:ListNotebookInstances']
 */
export function memberReadActions(
  rules: readonly Rule[],
  sections: readonly AnySection[] = SECTIONS,
): string[] {
  return scannerReadActions(rules, sections).filter((action) => !ORGANIZATION_READ.test(action));
}

export interface MemberRoleStackProps extends StackProps {
  rules: readonly Rule[];
  roleName: string;
  /** Also let the scanner import its findings into each account's own Security Hub. */
  securityHub?: boolean;
}

/** What CloudFormation accepts as the scanner role's ARN (any partition, a path allowed). */
export const SCANNER_ROLE_ARN_PATTERN = '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$';
export const ORGANIZATION_ID_PATTERN = '^(o-[a-z0-9]{10,32})?$';

/**
 * The template of the member role, for a service-managed StackSet that deploys it to every account
 * of the chosen OUs (and to accounts that join them later). It trusts only the scanner's role, by
 * its ARN (`aws:PrincipalArn`, which does not break when that role is recreated, as a role principal
 * would), and optionally only inside the Organization (`aws:PrincipalOrgID`). It is synthesized
 * without the CDK bootstrap check: member accounts are not bootstrapped.
 *
 * @example new MemberRoleStack(app, 'SageMakerComplianceScannerMemberRole', { rules: RULES, roleName: 'SageMakerComplianceMember' });
 */
export class MemberRoleStack extends Stack {
  readonly role: iam.Role;
  readonly readActions: string[];

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    super(scope, id, {
      ...props,
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      description: 'Read-only role through which the SageMaker compliance scanner reads this account',
    });
    const scannerRoleArn = new CfnParameter(this, 'ScannerRoleArn', {
      type: 'String',
      description: 'The ScanRoleArn output of the scanner stack in the security account',
      allowedPattern: SCANNER_ROLE_ARN_PATTERN,
      constraintDescription: 'must be an IAM role ARN, such as arn:aws:iam::111122223333:role/ScanRole',
    });
    const organizationId = new CfnParameter(this, 'OrganizationId', {
      type: 'String',
      default: '',
      description: 'Optional: the Organization id (o-…); the scanner role must then belong to it',
      allowedPattern: ORGANIZATION_ID_PATTERN,
      constraintDescription: 'must be empty or an Organization id such as o-a1b2c3d4e5',
    });
    const withOrganization = new CfnCondition(this, 'RequireOrganization', {
      expression: Fn.conditionNot(Fn.conditionEquals(organizationId.valueAsString, '')),
    });
    const securityAccount = Fn.select(4, Fn.split(':', scannerRoleArn.valueAsString));
    const onlyTheScanner = { 'aws:PrincipalArn': scannerRoleArn.valueAsString };
    this.role = new iam.Role(this, 'MemberRole', {
      roleName: props.roleName,
      description:
        'Lets the SageMaker compliance scanner read what its rules need in this account; changes nothing',
      assumedBy: new iam.AccountPrincipal(securityAccount).withConditions({
        StringEquals: Fn.conditionIf(
          withOrganization.logicalId,
          { ...onlyTheScanner, 'aws:PrincipalOrgID': organizationId.valueAsString },
          onlyTheScanner,
        ),
      }),
    });
    this.readActions = memberReadActions(props.rules);
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ReadAccountForRules', actions: this.readActions, resources: ['*'] }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `${this.readActions.join(', ')} accept no resource but "*" (EC2 Describe actions have no resource types; iam:GetAccountAuthorizationDetails and iam:ListAccountAliases are account-wide; SageMaker's listings and descriptions cover every notebook and domain). All are reads; infra/permissions.ts refuses any other action on "*".`,
    });
    if (props.securityHub) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ImportFindingsIntoOwnSecurityHub',
          actions: ['securityhub:BatchImportFindings'],
          resources: [
            `arn:${Aws.PARTITION}:securityhub:*:${Aws.ACCOUNT_ID}:product/${Aws.ACCOUNT_ID}/default`,
          ],
        }),
      );
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SetWorkflowWhenMuteStateChanges',
          actions: ['securityhub:BatchUpdateFindings'],
          resources: [`arn:${Aws.PARTITION}:securityhub:*:${Aws.ACCOUNT_ID}:hub/default`],
        }),
      );
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:product/<AWS::AccountId>/default]',
        reason:
          "Findings go to the Security Hub of the region they are about, so the region is a wildcard; the resource is only this account's own default product, for securityhub:BatchImportFindings only.",
      });
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:hub/default]',
        reason:
          "Findings are updated in the Security Hub of the region they are about; the resource is only this account's own hub, for securityhub:BatchUpdateFindings only.",
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        "The role's only policy is created, changed and deleted with it by the StackSet; a managed policy could be attached to other principals, which is what this rule guards against.",
    });
    new CfnOutput(this, 'MemberRoleArn', { value: this.role.roleArn });
  }
}
