import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scannerReadActions } from '../../infra/permissions.ts';
import { configureApp, STACK_NAME } from '../../infra/scanner-app.ts';
import { QUIET_HOURS, ScannerStack } from '../../infra/scanner-stack.ts';
import { UNRESOLVED_VALUE_BYTES } from '../../infra/validate.ts';
import { type AnySection, SECTIONS } from '../../src/collect/sections/index.ts';
import { loadLambdaEnvironment } from '../../src/config/env.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../src/handlers/scan-handler.ts';
import { RULES } from '../../src/rules/index.ts';

// Unit tests skip esbuild; `npm test` runs the real bundling through `cdk synth`.
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

let stack: ScannerStack;
let template: Template;
let customised: Template;
let customisedStack: ScannerStack;

/** This stack's alarms, as the topic and key policies name them in `aws:SourceArn`. */
const ALARM_ARNS = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':cloudwatch:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:alarm:${STACK_NAME}-*`,
    ],
  ],
};

function logicalId(construct: Construct): string {
  const child = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(child as Parameters<Stack['getLogicalId']>[0]);
}

function ref(construct: Construct): { Ref: string } {
  return { Ref: logicalId(construct) };
}

function arnOf(construct: Construct): { 'Fn::GetAtt': [string, string] } {
  return { 'Fn::GetAtt': [logicalId(construct), 'Arn'] };
}

function child(id: string): Construct {
  const found = stack.node.tryFindChild(id);
  if (!found) throw new Error(`no construct ${id}`);
  return found;
}

/** Every statement of every inline policy attached to the role, in template order. */
function statementsOfRole(from: Template, role: Construct): unknown[] {
  return Object.values(from.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([ref(role)]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

beforeAll(() => {
  const app = new App({
    context: { ...SKIP_BUNDLING, alertEmails: 'secops@example.com, oncall@example.org' },
  });
  stack = configureApp(app);
  customisedStack = new ScannerStack(app, 'Customised', {
    regions: 'all',
    rules: ['vpc-sagemaker-private-dns'],
    allowedSourceCidrs: ['203.0.113.0/24'],
    approvedVpces: ['vpce-0a1b2c3d4e5f67890'],
    reservedConcurrency: 3,
    schedule: 'cron(30 1 ? * MON-FRI *)',
    timeZone: 'Europe/Paris',
    notify: 'always',
    suppressionsFile: 'examples/suppressions.example.json',
    tagSuppressions: true,
    suppressionHorizonDays: 400,
    reportRetentionDays: 30,
    regionConcurrency: 'all',
    apiRateShare: 0.3,
  });
  template = Template.fromStack(stack);
  customised = Template.fromStack(customisedStack);
});

describe('the scan function', () => {
  it('runs the bundled handler on nodejs24.x arm64 with its log group', () => {
    // Prepare
    const logGroup = child('ScanLogs');

    // Act
    const functions = template.findResources('AWS::Lambda::Function');

    // Assess
    expect(Object.keys(functions)).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 600,
      LoggingConfig: { LogGroup: ref(logGroup) },
      ReservedConcurrentExecutions: 1,
    });
  });

  it('reserves no concurrency when reservedConcurrency is off', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });

    // Act
    const off = Template.fromStack(new ScannerStack(app, 'NoReservation', { reservedConcurrency: 'off' }));

    // Assess
    const [fn] = Object.values(off.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('keeps its logs for three months', () => {
    // Act
    const logGroups = template.findResources('AWS::Logs::LogGroup');

    // Assess
    expect(Object.values(logGroups).map((group) => group.Properties.RetentionInDays)).toEqual([90]);
  });

  it('gets its configuration from the stack, in a form the handler accepts', () => {
    // Prepare
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const variables = fn?.Properties.Environment.Variables;

    // Act
    const parsed = loadLambdaEnvironment(
      {
        ...variables,
        AWS_REGION: 'eu-west-1',
        FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:findings',
        SCAN_REGIONS: 'eu-west-1',
        REPORTS_BUCKET: 'scanner-reports-1a2b3c',
      },
      () => JSON.stringify(stack.scanConfig),
    );

    // Assess
    expect(variables).toEqual({
      FINDINGS_TOPIC_ARN: ref(stack.topic),
      SCAN_REGIONS: { Ref: 'AWS::Region' },
      SCAN_CONFIG_FILE: '/var/task/scan-config.json',
      SKIP_DEFAULT_VPCS: 'false',
      NOTIFY: 'on-findings',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      REPORTS_BUCKET: ref(stack.reportsBucket),
      SUPPRESSION_HORIZON_DAYS: '365',
      TAG_SUPPRESSIONS: 'false',
    });
    expect(stack.scanConfig).toEqual({ version: 1, rules: RULES.map((rule) => rule.meta.id) });
    expect(parsed.ruleIds).toEqual(RULES.map((rule) => rule.meta.id));
    expect(parsed.allowedSourceCidrs).toEqual([]);
  });

  it('passes the chosen regions, rules, CIDRs, reserved concurrency, region concurrency and rate share through', () => {
    // Act
    const [fn] = Object.values(customised.findResources('AWS::Lambda::Function'));

    // Assess
    expect(fn?.Properties.ReservedConcurrentExecutions).toBe(3);
    expect(customisedStack.scanConfig).toEqual({
      version: 1,
      rules: ['vpc-sagemaker-private-dns'],
      allowedSourceCidrs: ['203.0.113.0/24'],
      approvedVpces: ['vpce-0a1b2c3d4e5f67890'],
    });
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      SCAN_REGIONS: 'all',
      SCAN_CONFIG_FILE: '/var/task/scan-config.json',
      NOTIFY: 'always',
      SUPPRESSIONS_FILE: '/var/task/suppressions.json',
      SUPPRESSION_HORIZON_DAYS: '400',
      TAG_SUPPRESSIONS: 'true',
      REGION_CONCURRENCY: 'all',
      API_RATE_SHARE: '0.3',
    });
  });

  it('ships 300 approved CIDRs in the bundled configuration, leaving the environment under half of 4 KB', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });
    const manyCidrs = Array.from({ length: 300 }, (_, index) => `198.51.${index >> 8}.${index & 255}/32`);

    // Act
    const longList = new ScannerStack(app, 'LongCidrs', { allowedSourceCidrs: manyCidrs });

    // Assess
    const [fn] = Object.values(Template.fromStack(longList).findResources('AWS::Lambda::Function'));
    const variables: Record<string, unknown> = fn?.Properties.Environment.Variables;
    expect(Object.keys(variables)).not.toContain('ALLOWED_SOURCE_CIDRS');
    expect(longList.scanConfig.allowedSourceCidrs).toEqual(manyCidrs);
    expect(Buffer.byteLength(JSON.stringify(longList.scanConfig))).toBeGreaterThan(4096);
    const atLongest = Object.entries(variables).reduce(
      (bytes, [key, value]) =>
        bytes + key.length + (typeof value === 'string' ? Buffer.byteLength(value) : UNRESOLVED_VALUE_BYTES),
      0,
    );
    expect(atLongest).toBeLessThan(2048);
  });

  it('refuses, at synth, a bad schedule, time zone or email', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });

    // Act
    const badSchedule = () => new ScannerStack(app, 'BadSchedule', { schedule: 'cron(0 2 * * * *)' });
    const badZone = () => new ScannerStack(app, 'BadZone', { timeZone: 'Europe/Pariss' });
    const badEmail = () => new ScannerStack(app, 'BadEmail', { alertEmails: ['secops'] });

    // Assess
    expect(badSchedule).toThrow(
      /schedule "cron\(0 2 \* \* \* \*\)" is not a Scheduler expression such as cron\(0 2 \* \* \? \*\): exactly one of day-of-month and day-of-week/,
    );
    expect(badZone).toThrow('timeZone: "Europe/Pariss" is not an IANA time zone such as Europe/Paris');
    expect(badEmail).toThrow('alertEmails: "secops" is not an email address');
  });

  it('refuses an unknown rule id or a malformed CIDR at synth time', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });

    // Act
    const unknownRule = () => new ScannerStack(app, 'BadRule', { rules: ['no-such-rule'] });
    const badCidr = () => new ScannerStack(app, 'BadCidr', { allowedSourceCidrs: ['10.0.0.0/33'] });
    const badVpce = () => new ScannerStack(app, 'BadVpce', { approvedVpces: ['vpce-*'] });

    // Assess
    expect(unknownRule).toThrow(/rules: unknown rule id "no-such-rule"/);
    expect(badCidr).toThrow(/allowedSourceCidrs: "10.0.0.0\/33"/);
    expect(badVpce).toThrow(/approvedVpces: "vpce-\*" is not a VPC endpoint ID/);
  });

  it('sends events that failed every retry to the encrypted failure queue', () => {
    // Prepare
    const failures = child('ScanFailures');

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(stack.function),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf(failures) } },
    });
    template.hasResource('AWS::SQS::Queue', {
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
    });
  });

  it('gives both dead-letter queues a policy that refuses every request without TLS, and nothing else', () => {
    // Prepare
    const queues = [child('ScanFailures'), child('UndeliveredInvocations')];

    // Act
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'))
      .map((policy) => policy.Properties)
      .filter((policy) =>
        queues.some((queue) => JSON.stringify(policy.Queues) === JSON.stringify([ref(queue)])),
      );

    // Assess
    expect(policies).toEqual(
      queues.map((queue) => ({
        Queues: [ref(queue)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sqs:*',
              Resource: arnOf(queue),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      })),
    );
  });
});

describe('the scan role', () => {
  it('has exactly the rules\u2019 read actions, its logs, publishing, and its own report prefix', () => {
    // Prepare
    const role = child('ScanRole');
    const objectArn = (key: string) => ({
      'Fn::Join': ['', [arnOf(stack.reportsBucket), '/reports/', { Ref: 'AWS::AccountId' }, key]],
    });
    const bucketArn = arnOf(stack.reportsBucket);
    const prefixOfLatest = { 'Fn::Join': ['', ['reports/', { Ref: 'AWS::AccountId' }, '/latest.json']] };

    // Act
    const statements = statementsOfRole(template, role);

    // Assess
    expect(statements).toEqual([
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
          'organizations:DescribeOrganization',
          'organizations:DescribePolicy',
          'organizations:ListParents',
          'organizations:ListPoliciesForTarget',
          'organizations:ListRoots',
          'sagemaker:DescribeDomain',
          'sagemaker:DescribeNotebookInstance',
          'sagemaker:ListDomains',
          'sagemaker:ListNotebookInstances',
        ],
        Resource: '*',
      },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: arnOf(child('ScanLogs')),
      },
      { Sid: 'PublishFindings', Effect: 'Allow', Action: 'sns:Publish', Resource: ref(stack.topic) },
      {
        Sid: 'SeeWhoFindingsReach',
        Effect: 'Allow',
        Action: 'sns:ListSubscriptionsByTopic',
        Resource: ref(stack.topic),
      },
      {
        Sid: 'EncryptFindings',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: arnOf(child('FindingsKey')),
      },
      {
        Sid: 'StoreNewReports',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: [objectArn('/*.json'), objectArn('/*.html')],
        Condition: { Null: { 's3:if-none-match': 'false' } },
      },
      {
        Sid: 'ReplaceBaselineItRead',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: objectArn('/latest.json'),
        Condition: { Null: { 's3:if-match': 'false' } },
      },
      {
        Sid: 'ReadPreviousReport',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: objectArn('/latest.json'),
      },
      {
        Sid: 'SeeWhetherPreviousReportExists',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { StringEquals: { 's3:prefix': prefixOfLatest } },
      },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Resource: arnOf(child('ScanFailures')),
      },
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/"Action":(\[[^\]]*)?"[^"]*\*"/);
  });

  it('is trusted by Lambda alone and has no managed policies', () => {
    // Act
    const role = template.toJSON().Resources[logicalId(child('ScanRole'))];

    // Assess
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('narrows the read actions to the enabled rules', () => {
    // Prepare
    const only = RULES.filter((rule) => rule.meta.id === 'vpc-sagemaker-private-dns');

    // Act
    const actions = scannerReadActions(only);

    // Assess
    expect(actions).toEqual([
      'ec2:DescribeRegions',
      'ec2:DescribeVpcAttribute',
      'ec2:DescribeVpcEndpointServices',
      'ec2:DescribeVpcEndpoints',
      'ec2:DescribeVpcs',
      'iam:ListAccountAliases',
    ]);
  });

  it('refuses a section that declares a wildcard or an action it cannot scope', () => {
    // Prepare
    const withPermissions = (permissions: string[]) =>
      SECTIONS.map((section) =>
        section.id === 'vpcs' ? { ...section, permissions } : section,
      ) as AnySection[];

    // Act
    const wildcard = () => scannerReadActions(RULES, withPermissions(['ec2:Describe*']));
    const unscoped = () => scannerReadActions(RULES, withPermissions(['s3:GetObject']));

    // Assess
    expect(wildcard).toThrow(/^Section vpcs declares "ec2:Describe\*": permissions must be exact actions$/);
    expect(unscoped).toThrow(
      /^Section vpcs declares "s3:GetObject", which infra\/permissions.ts does not know how to scope/,
    );
  });
});

describe('the reports bucket', () => {
  it('is encrypted, versioned, private, owner-enforced and retained when the stack is deleted', () => {
    // Act
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));

    // Assess
    expect(buckets).toHaveLength(1);
    expect(buckets[0]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
    });
  });

  it('refuses every request that does not use TLS', () => {
    // Prepare
    const bucket = arnOf(stack.reportsBucket);

    // Act
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));

    // Assess
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.Bucket).toEqual(ref(stack.reportsBucket));
    expect(policies[0]?.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: [bucket, { 'Fn::Join': ['', [bucket, '/*']] }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  it.each([
    ['by default', () => template, 400],
    ['when reportRetentionDays is set', () => customised, 30],
  ])('expires current and replaced reports after the retention period %s', (_when, from, days) => {
    // Act
    const [bucket] = Object.values(from().findResources('AWS::S3::Bucket'));

    // Assess
    expect(bucket?.Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'ExpireOldReports',
        Status: 'Enabled',
        ExpirationInDays: days,
        NoncurrentVersionExpiration: { NoncurrentDays: days },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
  });

  it('refuses a retention or a horizon the handler would reject', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });

    // Act
    const retention = () => new ScannerStack(app, 'BadRetention', { reportRetentionDays: 0 });
    const fraction = () => new ScannerStack(app, 'FractionHorizon', { suppressionHorizonDays: 1.5 });
    const decade = () => new ScannerStack(app, 'LongHorizon', { suppressionHorizonDays: 3651 });

    // Assess
    expect(retention).toThrow(/reportRetentionDays: expected a whole number from 1 to \d+, got 0/);
    expect(fraction).toThrow(/suppressionHorizonDays: expected a whole number from 1 to 3650, got 1.5/);
    expect(decade).toThrow(/suppressionHorizonDays: expected a whole number from 1 to 3650, got 3651/);
  });
});

describe('the nightly schedule', () => {
  it('invokes the function at 02:00 UTC with retries and a dead-letter queue', () => {
    // Assess
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `${STACK_NAME}-nightly-scan`,
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: arnOf(stack.function),
        RoleArn: arnOf(child('SchedulerRole')),
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: arnOf(child('UndeliveredInvocations')) },
      },
    });
  });

  it('takes the cron expression and time zone from the properties', () => {
    // Assess
    customised.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 1 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
    });
  });

  it('uses a role that can only invoke this function and park undelivered events', () => {
    // Prepare
    const role = child('SchedulerRole');

    // Act
    const statements = statementsOfRole(template, role);

    // Assess
    expect(statements).toEqual([
      {
        Sid: 'InvokeScan',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: arnOf(stack.function),
      },
      {
        Sid: 'ParkUndelivered',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: arnOf(child('UndeliveredInvocations')),
      },
    ]);
  });

  it('trusts Scheduler only for schedules of its own account\u2019s default group, where the schedule is', () => {
    // Prepare
    const role = child('SchedulerRole');
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule'));

    // Act
    const trust = template.toJSON().Resources[logicalId(role)].Properties.AssumeRolePolicyDocument;

    // Assess
    expect(schedule?.Properties.GroupName).toBeUndefined();
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':scheduler:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':schedule-group/default',
                  ],
                ],
              },
            },
          },
        },
      ],
    });
  });
});

describe('the findings topic', () => {
  it('is a standard topic encrypted with a rotating customer managed key', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: arnOf(child('FindingsKey')),
      FifoTopic: Match.absent(),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('subscribes each address given in the alertEmails context', () => {
    // Act
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (subscription) => subscription.Properties,
    );

    // Assess
    const redrive = { deadLetterTargetArn: arnOf(child('UndeliveredNotifications')) };
    expect(subscriptions).toEqual([
      {
        Protocol: 'email',
        Endpoint: 'secops@example.com',
        TopicArn: ref(stack.topic),
        RedrivePolicy: redrive,
      },
      {
        Protocol: 'email',
        Endpoint: 'oncall@example.org',
        TopicArn: ref(stack.topic),
        RedrivePolicy: redrive,
      },
    ]);
  });

  it('parks an email SNS could not deliver in a queue encrypted with the key, that only the topic may fill', () => {
    // Prepare
    const queue = child('UndeliveredNotifications');

    // Act
    const properties = template.toJSON().Resources[logicalId(queue)].Properties;
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find(
      (candidate) => JSON.stringify(candidate.Properties.Queues) === JSON.stringify([ref(queue)]),
    );

    // Assess
    expect(properties).toEqual({
      KmsMasterKeyId: arnOf(child('FindingsKey')),
      MessageRetentionPeriod: 1_209_600,
    });
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: arnOf(queue),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arnOf(queue),
        Condition: { ArnEquals: { 'aws:SourceArn': ref(stack.topic) } },
      },
    ]);
  });

  it('has no undelivered-email queue when nobody is subscribed', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });

    // Act
    const bare = Template.fromStack(new ScannerStack(app, 'NoEmails'));

    // Assess
    expect(Object.keys(bare.findResources('AWS::SQS::Queue'))).toHaveLength(2);
    expect(Object.keys(bare.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(5);
  });

  it('lets only the scan role and this stack\u2019s alarms publish, over TLS', () => {
    // Prepare
    const topic = ref(stack.topic);

    // Act
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));

    // Assess
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'AllowPublishThroughSSLOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topic,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'AlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topic,
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': ALARM_ARNS },
        },
      },
      {
        Sid: 'ScannerPublishes',
        Effect: 'Allow',
        Principal: { AWS: arnOf(child('ScanRole')) },
        Action: 'sns:Publish',
        Resource: topic,
      },
      {
        Sid: 'OnlyScannerAndAlarmsPublish',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sns:Publish',
        Resource: topic,
        Condition: {
          StringNotEquals: {
            'aws:PrincipalArn': arnOf(child('ScanRole')),
            'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com',
          },
        },
      },
    ]);
  });

  it('lets the account\u2019s IAM policies and this stack\u2019s alarms use the key', () => {
    // Act
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));

    // Assess
    expect(key?.Properties.KeyPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            AWS: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
              ],
            },
          },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'TopicsParkUndeliveredNotifications',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: {
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':sns:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    `:${STACK_NAME}-*`,
                  ],
                ],
              },
            },
          },
        },
        {
          Sid: 'AlarmsEncryptNotifications',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': ALARM_ARNS },
          },
        },
      ],
    });
  });
});

describe('the alarms', () => {
  const alarmNamed = (suffix: string) => {
    const found = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (alarm) => alarm.Properties.AlarmName === `${STACK_NAME}-${suffix}`,
    );
    if (!found) throw new Error(`no alarm ${suffix}`);
    return found.Properties;
  };

  it('notify the findings topic, each with instructions', () => {
    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

    // Assess
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([ref(stack.topic)]);
      expect(alarm.Properties.AlarmDescription).toMatch(/run an audit by hand/i);
    }
  });

  it('fire on any function error', () => {
    // Act
    const alarm = alarmNamed('scan-errors');

    // Assess
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(stack.function) }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('fire when the failure queue, the undelivered queue or the undelivered-email queue holds a message', () => {
    // Act
    const failures = alarmNamed('scan-failures-queued');
    const undelivered = alarmNamed('schedule-undelivered');
    const emails = alarmNamed('notifications-undelivered');

    // Assess
    for (const [alarm, queue] of [
      [failures, child('ScanFailures')],
      [undelivered, child('UndeliveredInvocations')],
      [emails, child('UndeliveredNotifications')],
    ] as const) {
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('fire when no scan has finished for 26 hours, counting silence as failure', () => {
    // Act
    const alarm = alarmNamed('scanner-quiet');

    // Assess
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: 'ScanDurationMs',
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'SampleCount',
      Period: 3600,
      EvaluationPeriods: QUIET_HOURS,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('fire when the last scan found no confirmed subscription, and keep that answer until the next scan', () => {
    // Act
    const alarm = alarmNamed('alerts-unconfirmed');

    // Assess
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: 'ConfirmedSubscriptions',
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Minimum',
      Period: 3600,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: [ref(stack.topic)],
    });
  });
});

describe('the outputs', () => {
  it('give the topic, the function and the command for an audit by hand', () => {
    // Assess
    template.hasOutput('FindingsTopicArn', { Value: ref(stack.topic) });
    template.hasOutput('ScanFunctionName', { Value: ref(stack.function) });
    template.hasOutput('ReportsBucketName', { Value: ref(stack.reportsBucket) });
    template.hasOutput('AuditCommand', {
      Value: {
        'Fn::Join': [
          '',
          [
            'aws lambda invoke --region ',
            { Ref: 'AWS::Region' },
            ' --function-name ',
            ref(stack.function),
            " --cli-read-timeout 660 --cli-binary-format raw-in-base64-out --payload '{}' report.json",
          ],
        ],
      },
    });
  });
});
