import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
  DEFINITION_SUBSTITUTIONS,
  OrganizationRun,
  organizationRunDefinition,
  organizationSettings,
} from '../../infra/organization.ts';

// The construct alone, around stand-in functions: the stack's own test (organization-stack.test.ts)
// covers it with the real handlers.
const RETRY = {
  ErrorEquals: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

let stack: Stack;
let template: Template;
let run: OrganizationRun;
let functions: Record<'plan' | 'scan' | 'aggregate', lambda.Function>;
let bucket: s3.Bucket;

const logicalId = (construct: Construct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
const arnOf = (construct: Construct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const regionalArn = (resource: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':states:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${resource}`,
    ],
  ],
});
/** `${name}`, which CloudFormation replaces from `DefinitionSubstitutions`. */
const substituted = (name: string) => `\${${name}}`;
const inBucket = (key: string) => ({ 'Fn::Join': ['', [arnOf(bucket), `/${key}`]] });

interface Definition {
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, Record<string, unknown>>;
}

function stateMachine(): { definition: Definition; properties: Record<string, unknown> } {
  const [resource] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  return { definition: JSON.parse(resource?.Properties.DefinitionString), properties: resource?.Properties };
}

beforeAll(() => {
  stack = new Stack(new App(), 'Run');
  const fn = (id: string, minutes: number) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => ({});'),
      timeout: Duration.minutes(minutes),
    });
  functions = { plan: fn('Plan', 5), scan: fn('Scan', 10), aggregate: fn('Aggregate', 3) };
  bucket = new s3.Bucket(stack, 'Reports');
  run = new OrganizationRun(stack, 'OrganizationRun', {
    settings: organizationSettings({ maxConcurrency: 35, toleratedFailurePercentage: 5 }),
    ...functions,
    timeouts: { plan: Duration.minutes(5), scan: Duration.minutes(10), aggregate: Duration.minutes(3) },
    reportsBucket: bucket,
    stateMachineName: 'Run-organization-run',
  });
  template = Template.fromStack(stack);
});

describe('the Organization run state machine', () => {
  it('is a STANDARD state machine named for its stack, with the functions and bucket substituted', () => {
    // Act
    const { properties } = stateMachine();

    // Assess
    expect(properties.StateMachineType).toBe('STANDARD');
    expect(properties.StateMachineName).toBe('Run-organization-run');
    expect(properties.DefinitionSubstitutions).toEqual({
      Partition: { Ref: 'AWS::Partition' },
      ReportsBucket: { Ref: logicalId(bucket) },
      PlanFunctionArn: arnOf(functions.plan),
      ScanFunctionArn: arnOf(functions.scan),
      AggregateFunctionArn: arnOf(functions.aggregate),
    });
    expect(Object.keys(properties.DefinitionSubstitutions as object).sort()).toEqual(
      [...DEFINITION_SUBSTITUTIONS].sort(),
    );
  });

  it('plans, scans each account in a Distributed Map, then aggregates', () => {
    // Act
    const { definition } = stateMachine();

    // Assess
    expect(definition.StartAt).toBe('Plan');
    expect(definition.TimeoutSeconds).toBe(72_000);
    expect(definition.States.Plan).toEqual({
      Type: 'Task',
      Resource: substituted('PlanFunctionArn'),
      Parameters: { 'runId.$': '$$.Execution.Name' },
      ResultPath: '$.plan',
      TimeoutSeconds: 360,
      Retry: [RETRY],
      Next: 'ScanAccounts',
    });
    expect(definition.States.Aggregate).toEqual({
      Type: 'Task',
      Resource: substituted('AggregateFunctionArn'),
      Parameters: { 'runId.$': '$.plan.runId', 'plan.$': '$.plan', 'results.$': '$.map.ResultWriterDetails' },
      TimeoutSeconds: 240,
      Retry: [RETRY],
      End: true,
    });
  });

  it('reads the plan file, gives each account the contract event, and writes the results under the run', () => {
    // Act
    const map = stateMachine().definition.States.ScanAccounts;

    // Assess
    expect(map).toEqual({
      Type: 'Map',
      ItemReader: {
        Resource: `arn:${substituted('Partition')}:states:::s3:getObject`,
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: substituted('ReportsBucket'), 'Key.$': '$.plan.key' },
      },
      ItemSelector: {
        kind: 'organization-account',
        'runId.$': '$.plan.runId',
        'account.$': '$$.Map.Item.Value',
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'ScanAccount',
        States: {
          ScanAccount: {
            Type: 'Task',
            Resource: substituted('ScanFunctionArn'),
            TimeoutSeconds: 660,
            Retry: [RETRY],
            End: true,
          },
        },
      },
      MaxConcurrency: 35,
      ToleratedFailurePercentage: 5,
      ResultWriter: {
        Resource: `arn:${substituted('Partition')}:states:::s3:putObject`,
        Parameters: {
          Bucket: substituted('ReportsBucket'),
          'Prefix.$': "States.Format('organization/runs/{}/results', $.plan.runId)",
        },
      },
      ResultPath: '$.map',
      Next: 'Aggregate',
    });
  });

  it('defaults to 20 accounts at once and 10% tolerated failures', () => {
    // Act
    const map = organizationRunDefinition(organizationSettings({}), {
      plan: Duration.minutes(1),
      scan: Duration.minutes(1),
      aggregate: Duration.minutes(1),
    }).States as Record<string, Record<string, unknown>>;

    // Assess
    expect([DEFAULT_MAX_CONCURRENCY, DEFAULT_TOLERATED_FAILURE_PERCENTAGE]).toEqual([20, 10]);
    expect(map.ScanAccounts?.MaxConcurrency).toBe(20);
    expect(map.ScanAccounts?.ToleratedFailurePercentage).toBe(10);
  });

  it('runs under a role only Step Functions assumes, for this state machine of this account', () => {
    // Act
    const role = template.toJSON().Resources[logicalId(run.role)];

    // Assess
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': regionalArn('stateMachine:Run-organization-run') },
          },
        },
      ],
    });
  });

  it('may invoke exactly the three functions, run its own child executions, read plans and write results', () => {
    // Act
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')).filter(
      (candidate) =>
        JSON.stringify(candidate.Properties.Roles) === JSON.stringify([{ Ref: logicalId(run.role) }]),
    );

    // Assess
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'InvokeRunFunctions',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [arnOf(functions.plan), arnOf(functions.scan), arnOf(functions.aggregate)],
      },
      {
        Sid: 'StartMapChildExecutions',
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: regionalArn('stateMachine:Run-organization-run'),
      },
      {
        Sid: 'WatchMapChildExecutions',
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:StopExecution'],
        Resource: regionalArn('execution:Run-organization-run/*'),
      },
      {
        Sid: 'ReadPlan',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: inBucket('organization/runs/*/plan.json'),
      },
      {
        Sid: 'WriteMapResults',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        Resource: inBucket('organization/runs/*/results/*'),
      },
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ],
        Resource: '*',
      },
    ]);
  });

  it('logs every event without execution data', () => {
    // Act
    const { properties } = stateMachine();

    // Assess
    expect(properties.LoggingConfiguration).toEqual({
      Destinations: [
        {
          CloudWatchLogsLogGroup: {
            LogGroupArn: arnOf(stack.node.findChild('OrganizationRun').node.findChild('Logs')),
          },
        },
      ],
      IncludeExecutionData: false,
      Level: 'ALL',
    });
  });
});

describe('organizationSettings', () => {
  it.each([
    [{ maxConcurrency: 0 }, 'maxConcurrency: expected a whole number from 1 to 10000, got 0'],
    [{ maxConcurrency: 10_001 }, 'maxConcurrency: expected a whole number from 1 to 10000, got 10001'],
    [
      { toleratedFailurePercentage: 101 },
      'toleratedFailurePercentage: expected a number from 0 to 100, got 101',
    ],
    [{ memberRoleName: 'has space' }, 'memberRoleName: "has space" is not an IAM role name'],
    [{ ous: ['ou-12'] }, 'organizationOus: "ou-12" is not an OU id (ou-…) or root id (r-…)'],
    [{ excludeAccounts: ['12345'] }, 'excludeAccounts: "12345" is not a 12-digit account id'],
  ])('refuses %j, naming the setting', (props, message) => {
    // Act
    const settle = () => organizationSettings(props);

    // Assess
    expect(settle).toThrow(message);
  });

  it('applies the defaults', () => {
    // Act
    const settings = organizationSettings({});

    // Assess
    expect(settings).toEqual({
      memberRoleName: 'SageMakerComplianceMember',
      administrator: 'delegated',
      maxConcurrency: 20,
      toleratedFailurePercentage: 10,
      ous: [],
      excludeAccounts: [],
    });
  });
});
