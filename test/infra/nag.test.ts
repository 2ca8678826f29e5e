import { App, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { configureApp, STACK_NAME } from '../../infra/scanner-app.ts';
import type { ScannerStack } from '../../infra/scanner-stack.ts';

// cdk-nag 3 runs as a policy-validation plugin: an unacknowledged error makes synth() throw.
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** Every optional part of the stack: the second topic, Security Hub, suppressions and CIDRs. */
const EVERYTHING = {
  alertEmails: 'secops@example.com',
  operationsEmails: 'platform@example.com',
  securityHub: true,
  chatNotifications: true,
  tagSuppressions: true,
  suppressionsFile: 'examples/suppressions.example.json',
  allowedSourceCidrs: '203.0.113.0/24',
};

/** `path rule-id` of every acknowledgement in the stack, sorted. */
function acknowledgements(app: App): string[] {
  const stack = configureApp(app);
  return stack.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.keys(entry.data as Record<string, string>).map(
            (id) => `${construct.node.path.slice(STACK_NAME.length + 1)} ${id.replace(/^Annotation::/, '')}`,
          ),
        ),
    )
    .sort();
}

describe('cdk-nag AwsSolutions, Serverless and NIST 800-53 rev 5 checks', () => {
  it.each([
    ['with one alert email', { alertEmails: 'secops@example.com' }],
    ['with no email at all', {}],
    ['with every option on', EVERYTHING],
    ['without reserved concurrency', { alertEmails: 'secops@example.com', reservedConcurrency: 'off' }],
    ['in Organization mode', { alertEmails: 'secops@example.com', organization: 'true' }],
    ['in Organization mode with every option on', { ...EVERYTHING, organization: 'true' }],
    [
      'in Organization mode from the management account, without reserved concurrency',
      { organization: 'true', organizationAdministrator: 'management', reservedConcurrency: 'off' },
    ],
  ])('find no unacknowledged error in the scanner app %s', (_name, context) => {
    // Prepare
    const app = new App({ context: { ...SKIP_BUNDLING, ...context } });
    configureApp(app);

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).not.toThrow();
  });

  it('acknowledge exactly these findings, each on its own resource', () => {
    // Act
    const acknowledged = acknowledgements(new App({ context: { ...SKIP_BUNDLING, ...EVERYTHING } }));

    // Assess
    expect(acknowledged).toEqual([
      'Reports AwsSolutions-S1',
      'Reports NIST.800.53.R5-S3BucketLoggingEnabled',
      'Reports NIST.800.53.R5-S3BucketReplicationEnabled',
      'Reports NIST.800.53.R5-S3DefaultEncryptionKMS',
      'Scan NIST.800.53.R5-LambdaDLQ',
      'Scan NIST.800.53.R5-LambdaInsideVPC',
      'Scan Serverless-LambdaDLQ',
      'Scan Serverless-LambdaTracing',
      'ScanFailures AwsSolutions-SQS3',
      'ScanFailures Serverless-SQSRedrivePolicy',
      'ScanLogs NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'ScanRole AwsSolutions-IAM5[Resource::*]',
      'ScanRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/reports/<AWS::AccountId>/*.html]',
      'ScanRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/reports/<AWS::AccountId>/*.json]',
      'ScanRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:hub/default]',
      'ScanRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:product/<AWS::AccountId>/default]',
      'ScanRole NIST.800.53.R5-IAMNoInlinePolicy',
      'SchedulerRole NIST.800.53.R5-IAMNoInlinePolicy',
      'UndeliveredInvocations AwsSolutions-SQS3',
      'UndeliveredInvocations Serverless-SQSRedrivePolicy',
      'UndeliveredNotifications AwsSolutions-SQS3',
      'UndeliveredNotifications Serverless-SQSRedrivePolicy',
    ]);
  });

  it('still flag a wildcard on the scan role outside the acknowledged report prefix', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });
    const stack = configureApp(app);
    stack.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [stack.reportsBucket.arnForObjects('reports/*')],
      }),
    );

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-IAM5\[Resource::<Reports[0-9A-F]+\.Arn>\/reports\/\*\]/);
  });

  it('fail synthesis when a resource breaks a rule without an acknowledgement', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });
    const stack = configureApp(app);
    new sqs.Queue(stack, 'PlainQueue');

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-SQS4/);
  });

  it.each([
    [
      'Serverless',
      'an email subscription without a redrive policy',
      (stack: ScannerStack) =>
        new sns.Subscription(stack, 'PlainSubscription', {
          topic: stack.topic,
          protocol: sns.SubscriptionProtocol.EMAIL,
          endpoint: 'plain@example.com',
        }),
      /Serverless-SNSRedrivePolicy/,
    ],
    [
      'NIST 800-53 rev 5',
      'a log group without a KMS key',
      (stack: ScannerStack) =>
        new logs.LogGroup(stack, 'PlainLogs', { retention: logs.RetentionDays.ONE_YEAR }),
      /NIST\.800\.53\.R5-CloudWatchLogGroupEncrypted/,
    ],
    [
      'Serverless and NIST 800-53 rev 5',
      'a function without a dead-letter queue',
      (stack: ScannerStack) =>
        new lambda.Function(stack, 'PlainFunction', {
          runtime: lambda.Runtime.NODEJS_24_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('export const handler = async () => {};'),
        }),
      /Serverless-LambdaDLQ[\s\S]*NIST\.800\.53\.R5-LambdaDLQ|NIST\.800\.53\.R5-LambdaDLQ[\s\S]*Serverless-LambdaDLQ/,
    ],
  ])('run the %s pack: %s fails synthesis', (_pack, _what, add, finding) => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });
    add(configureApp(app));

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(finding);
  });
});

describe('cdk-nag in Organization mode', () => {
  it('acknowledge exactly these findings in both stacks, each on its own resource', () => {
    // Prepare
    const app = new App({
      context: {
        ...SKIP_BUNDLING,
        organization: 'true',
        securityHub: true,
        alertEmails: 'secops@example.com',
      },
    });
    configureApp(app);

    // Act
    const acknowledged = app.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) =>
            Object.keys(entry.data as Record<string, string>).map(
              (id) => `${construct.node.path} ${id.replace(/^Annotation::/, '')}`,
            ),
          ),
      )
      .sort();

    // Assess
    expect(acknowledged).toEqual([
      'SageMakerComplianceScanner/Aggregate NIST.800.53.R5-LambdaDLQ',
      'SageMakerComplianceScanner/Aggregate NIST.800.53.R5-LambdaInsideVPC',
      'SageMakerComplianceScanner/Aggregate Serverless-LambdaDLQ',
      'SageMakerComplianceScanner/Aggregate Serverless-LambdaTracing',
      'SageMakerComplianceScanner/AggregateLogs NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'SageMakerComplianceScanner/AggregateRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/organization/runs/*/plan.json]',
      'SageMakerComplianceScanner/AggregateRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/organization/runs/*/results/*]',
      'SageMakerComplianceScanner/AggregateRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/reports/*]',
      'SageMakerComplianceScanner/AggregateRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/reports/organization/*.json]',
      'SageMakerComplianceScanner/AggregateRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/reports/organization/*.txt]',
      'SageMakerComplianceScanner/AggregateRole NIST.800.53.R5-IAMNoInlinePolicy',
      'SageMakerComplianceScanner/OrganizationRun/Logs NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'SageMakerComplianceScanner/OrganizationRun/Role AwsSolutions-IAM5[Resource::*]',
      'SageMakerComplianceScanner/OrganizationRun/Role AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/organization/runs/*/plan.json]',
      'SageMakerComplianceScanner/OrganizationRun/Role AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/organization/runs/*/results/*]',
      'SageMakerComplianceScanner/OrganizationRun/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:SageMakerComplianceScanner-organization-run/*]',
      'SageMakerComplianceScanner/OrganizationRun/Role NIST.800.53.R5-IAMNoInlinePolicy',
      'SageMakerComplianceScanner/OrganizationRun/StateMachine AwsSolutions-SF2',
      'SageMakerComplianceScanner/OrganizationRun/StateMachine Serverless-StepFunctionStateMachineXray',
      'SageMakerComplianceScanner/Plan NIST.800.53.R5-LambdaDLQ',
      'SageMakerComplianceScanner/Plan NIST.800.53.R5-LambdaInsideVPC',
      'SageMakerComplianceScanner/Plan Serverless-LambdaDLQ',
      'SageMakerComplianceScanner/Plan Serverless-LambdaTracing',
      'SageMakerComplianceScanner/PlanLogs NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'SageMakerComplianceScanner/PlanRole AwsSolutions-IAM5[Resource::*]',
      'SageMakerComplianceScanner/PlanRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/organization/runs/*/plan.json]',
      'SageMakerComplianceScanner/PlanRole NIST.800.53.R5-IAMNoInlinePolicy',
      'SageMakerComplianceScanner/Reports AwsSolutions-S1',
      'SageMakerComplianceScanner/Reports NIST.800.53.R5-S3BucketLoggingEnabled',
      'SageMakerComplianceScanner/Reports NIST.800.53.R5-S3BucketReplicationEnabled',
      'SageMakerComplianceScanner/Reports NIST.800.53.R5-S3DefaultEncryptionKMS',
      'SageMakerComplianceScanner/Scan NIST.800.53.R5-LambdaDLQ',
      'SageMakerComplianceScanner/Scan NIST.800.53.R5-LambdaInsideVPC',
      'SageMakerComplianceScanner/Scan Serverless-LambdaDLQ',
      'SageMakerComplianceScanner/Scan Serverless-LambdaTracing',
      'SageMakerComplianceScanner/ScanFailures AwsSolutions-SQS3',
      'SageMakerComplianceScanner/ScanFailures Serverless-SQSRedrivePolicy',
      'SageMakerComplianceScanner/ScanLogs NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'SageMakerComplianceScanner/ScanRole AwsSolutions-IAM5[Resource::*]',
      'SageMakerComplianceScanner/ScanRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/reports/*/*.html]',
      'SageMakerComplianceScanner/ScanRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/reports/*/*.json]',
      'SageMakerComplianceScanner/ScanRole AwsSolutions-IAM5[Resource::<Reports65402A0A.Arn>/reports/*/latest.json]',
      'SageMakerComplianceScanner/ScanRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/SageMakerComplianceMember]',
      'SageMakerComplianceScanner/ScanRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:hub/default]',
      'SageMakerComplianceScanner/ScanRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:product/<AWS::AccountId>/default]',
      'SageMakerComplianceScanner/ScanRole NIST.800.53.R5-IAMNoInlinePolicy',
      'SageMakerComplianceScanner/SchedulerRole NIST.800.53.R5-IAMNoInlinePolicy',
      'SageMakerComplianceScanner/UndeliveredInvocations AwsSolutions-SQS3',
      'SageMakerComplianceScanner/UndeliveredInvocations Serverless-SQSRedrivePolicy',
      'SageMakerComplianceScanner/UndeliveredNotifications AwsSolutions-SQS3',
      'SageMakerComplianceScanner/UndeliveredNotifications Serverless-SQSRedrivePolicy',
      'SageMakerComplianceScannerMemberRole/MemberRole AwsSolutions-IAM5[Resource::*]',
      'SageMakerComplianceScannerMemberRole/MemberRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:hub/default]',
      'SageMakerComplianceScannerMemberRole/MemberRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:product/<AWS::AccountId>/default]',
      'SageMakerComplianceScannerMemberRole/MemberRole NIST.800.53.R5-IAMNoInlinePolicy',
    ]);
  });

  it('still flag a wildcard on the plan role beyond the plan files', () => {
    // Prepare
    const app = new App({ context: { ...SKIP_BUNDLING, organization: 'true' } });
    const stack = configureApp(app);
    (stack.node.findChild('PlanRole') as iam.Role).addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [stack.reportsBucket.arnForObjects('organization/*')],
      }),
    );

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-IAM5\[Resource::<Reports[0-9A-F]+\.Arn>\/organization\/\*\]/);
  });
});
