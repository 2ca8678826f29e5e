import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { memberReadActions } from '../../infra/member-role.ts';
import { PLAN_FILE } from '../../infra/organization.ts';
import {
  configureApp,
  MEMBER_ROLE_STACK_NAME,
  propsFromContext,
  STACK_NAME,
} from '../../infra/scanner-app.ts';
import { ScannerStack } from '../../infra/scanner-stack.ts';
import { selectRules } from '../../src/engine/select.ts';
import { planKey } from '../../src/handlers/org-plan-handler.ts';
import { runPrefix } from '../../src/model/organization-run.ts';

// Unit tests skip esbuild; `npm test` runs the real bundling through `cdk synth`.
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const ORGANIZATION = {
  ...SKIP_BUNDLING,
  organization: 'true',
  alertEmails: 'secops@example.com',
  operationsEmails: 'platform@example.com',
  maxConcurrency: '40',
  toleratedFailurePercentage: '15',
  memberRoleName: 'ScannerMember',
  organizationOus: 'ou-ab12-cd34ef56,r-ab12',
  excludeAccounts: '999988887777',
};

type Json = Record<string, unknown>;

let app: App;
let stack: ScannerStack;
let template: Template;
let resources: Record<string, Json>;

const logicalId = (construct: Construct) =>
  Stack.of(construct).getLogicalId(
    (construct.node.defaultChild ?? construct) as Parameters<Stack['getLogicalId']>[0],
  );
const ref = (construct: Construct) => ({ Ref: logicalId(construct) });
const arnOf = (construct: Construct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const inBucket = (key: string) => ({ 'Fn::Join': ['', [arnOf(stack.reportsBucket), `/${key}`]] });

function child(id: string): Construct {
  const found = stack.node.tryFindChild(id);
  if (found === undefined) throw new Error(`no construct ${id}`);
  return found;
}

function statementsOfRole(role: Construct): Json[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([ref(role)]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function functionByDescription(start: string): Json {
  const found = Object.values(resources).find(
    (resource) =>
      resource.Type === 'AWS::Lambda::Function' &&
      String((resource.Properties as Json).Description).startsWith(start),
  );
  if (found === undefined) throw new Error(`no function "${start}…"`);
  return found.Properties as Json;
}

function definition(): { States: Record<string, Json> } {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  return JSON.parse(machine?.Properties.DefinitionString);
}

beforeAll(() => {
  app = new App({ context: ORGANIZATION });
  stack = configureApp(app);
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

describe('-c organization=true: the Organization mode of the stack', () => {
  it('passes the context values to the Distributed Map', () => {
    // Act
    const map = definition().States.ScanAccounts as Json;

    // Assess
    expect(map.MaxConcurrency).toBe(40);
    expect(map.ToleratedFailurePercentage).toBe(15);
    expect((map.ItemProcessor as Json).ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
    expect(map.ItemSelector).toEqual({
      kind: 'organization-account',
      'runId.$': '$.plan.runId',
      'account.$': '$$.Map.Item.Value',
    });
    expect((definition().States.Aggregate as Json).Parameters).toEqual({
      'runId.$': '$.plan.runId',
      'plan.$': '$.plan',
      'results.$': '$.map.ResultWriterDetails',
    });
  });

  it('reads the plan file where the plan Lambda writes it', () => {
    // Assess
    expect(planKey('run-1')).toBe(`${runPrefix('run-1')}${PLAN_FILE}`);
  });

  it('has the schedule start the state machine, and the schedule role may do only that', () => {
    // Act
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    const schedulerRole = child('SchedulerRole');

    // Assess
    const machine = ref(stack.organizationRun?.stateMachine as Construct);
    expect(schedule?.Properties.Target).toEqual({
      Arn: machine,
      RoleArn: arnOf(schedulerRole),
      Input: '{}',
      RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
      DeadLetterConfig: { Arn: arnOf(child('UndeliveredInvocations')) },
    });
    expect(statementsOfRole(schedulerRole)).toEqual([
      { Sid: 'StartOrganizationRun', Effect: 'Allow', Action: 'states:StartExecution', Resource: machine },
      {
        Sid: 'ParkUndelivered',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: arnOf(child('UndeliveredInvocations')),
      },
    ]);
    expect(Object.keys(template.findResources('AWS::Events::Rule'))).toEqual([]);
  });

  it('lets the scan role assume only the member role, and write reports under any account but not the digests', () => {
    // Act
    const statements = statementsOfRole(stack.scanRole);

    // Assess
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    expect(bySid('AssumeMemberRole')).toEqual({
      Sid: 'AssumeMemberRole',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/ScannerMember']] },
    });
    expect(bySid('LeaveDigestsAlone')).toEqual({
      Sid: 'LeaveDigestsAlone',
      Effect: 'Deny',
      Action: 's3:PutObject',
      Resource: inBucket('reports/organization/*'),
    });
    expect(bySid('StoreNewReports')).toEqual({
      Sid: 'StoreNewReports',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: [inBucket('reports/*/*.json'), inBucket('reports/*/*.html')],
      Condition: { Null: { 's3:if-none-match': 'false' } },
    });
    expect(bySid('SeeWhetherPreviousReportExists')).toEqual({
      Sid: 'SeeWhetherPreviousReportExists',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: arnOf(stack.reportsBucket),
      Condition: { StringLike: { 's3:prefix': 'reports/*/latest.json' } },
    });
  });

  it('gives the scan function the member role name and reserves the Map’s concurrency', () => {
    // Act
    const scan = functionByDescription('Nightly and on-demand');

    // Assess
    expect((scan.Environment as { Variables: Json }).Variables.MEMBER_ROLE_NAME).toBe('ScannerMember');
    expect(scan.ReservedConcurrentExecutions).toBe(40);
  });

  it('refuses a reserved concurrency below maxConcurrency, naming both', () => {
    // Act
    const build = () =>
      new ScannerStack(new App({ context: SKIP_BUNDLING }), 'Throttled', {
        organization: { maxConcurrency: 20 },
        reservedConcurrency: 5,
      });

    // Assess
    expect(build).toThrow('reservedConcurrency: 5 is below maxConcurrency 20');
  });

  it('runs the plan with the OU filter and exclusions, reading the Organization and writing only plan files', () => {
    // Act
    const plan = functionByDescription('Organization run: lists');

    // Assess
    expect(plan.Environment).toEqual({
      Variables: {
        REPORTS_BUCKET: ref(stack.reportsBucket),
        LOG_LEVEL: 'INFO',
        ORGANIZATION_OUS: 'ou-ab12-cd34ef56,r-ab12',
        EXCLUDE_ACCOUNTS: '999988887777',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    expect([plan.Runtime, plan.Architectures, plan.MemorySize, plan.Timeout]).toEqual([
      'nodejs24.x',
      ['arm64'],
      512,
      600,
    ]);
    expect(statementsOfRole(child('PlanRole')).slice(1)).toEqual([
      {
        Sid: 'ReadOrganization',
        Effect: 'Allow',
        Action: [
          'organizations:DescribeOrganization',
          'organizations:DescribePolicy',
          'organizations:ListAccounts',
          'organizations:ListAccountsForParent',
          'organizations:ListChildren',
          'organizations:ListParents',
          'organizations:ListPoliciesForTarget',
          'organizations:ListRoots',
        ],
        Resource: '*',
      },
      {
        Sid: 'WritePlan',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: inBucket('organization/runs/*/plan.json'),
      },
    ]);
  });

  it('lets the aggregate read the run and the reports, store the digest and publish it', () => {
    // Act
    const aggregate = functionByDescription('Organization run: builds');

    // Assess
    expect(aggregate.Environment).toEqual({
      Variables: {
        REPORTS_BUCKET: ref(stack.reportsBucket),
        FINDINGS_TOPIC_ARN: ref(stack.topic),
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    expect(statementsOfRole(child('AggregateRole')).slice(1)).toEqual([
      {
        Sid: 'ReadPlanResultsAndReports',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [
          inBucket('organization/runs/*/plan.json'),
          inBucket('organization/runs/*/results/*'),
          inBucket('reports/*'),
        ],
      },
      {
        Sid: 'StoreDigest',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: [inBucket('reports/organization/*.json'), inBucket('reports/organization/*.txt')],
      },
      {
        Sid: 'PublishDigest',
        Effect: 'Allow',
        Action: ['sns:Publish', 'sns:ListSubscriptionsByTopic'],
        Resource: ref(stack.topic),
      },
      {
        Sid: 'EncryptDigest',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: arnOf(child('FindingsKey')),
      },
    ]);
  });

  it('alarms on the operations topic when a run fails, times out or is aborted', () => {
    // Act
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (candidate) => candidate.Properties.AlarmName === `${STACK_NAME}-organization-run-failed`,
    );

    // Assess
    const machine = ref(stack.organizationRun?.stateMachine as Construct);
    const metric = (id: string, name: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Dimensions: [{ Name: 'StateMachineArn', Value: machine }],
          MetricName: name,
          Namespace: 'AWS/States',
        },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    const { AlarmDescription: _description, ...properties } = alarm?.Properties ?? {};
    expect(properties).toEqual({
      AlarmName: `${STACK_NAME}-organization-run-failed`,
      AlarmActions: [ref(stack.alarmTopic)],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      Metrics: [
        {
          Expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
          Id: 'expr_1',
          Label: 'Organization runs that did not succeed',
          ReturnData: true,
        },
        metric('failed', 'ExecutionsFailed'),
        metric('timedOut', 'ExecutionsTimedOut'),
        metric('aborted', 'ExecutionsAborted'),
      ],
    });
  });

  it('alarms when no run succeeded in 26 hours: 26 one-hour periods, missing data breaching', () => {
    // Act
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (candidate) => candidate.Properties.AlarmName === `${STACK_NAME}-organization-quiet`,
    );

    // Assess
    const { AlarmDescription: _description, ...properties } = alarm?.Properties ?? {};
    expect(properties).toEqual({
      AlarmName: `${STACK_NAME}-organization-quiet`,
      AlarmActions: [ref(stack.alarmTopic)],
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsSucceeded',
      Dimensions: [{ Name: 'StateMachineArn', Value: ref(stack.organizationRun?.stateMachine as Construct) }],
      Period: 3600,
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 26,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('lets the aggregate role publish past the topic’s deny, as the scan role does', () => {
    // Act
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find(
      (candidate) => JSON.stringify(candidate.Properties.Topics) === JSON.stringify([ref(stack.topic)]),
    );

    // Assess
    const statements = policy?.Properties.PolicyDocument.Statement as Json[];
    const roles = [arnOf(stack.scanRole), arnOf(child('AggregateRole'))];
    expect(statements.find((statement) => statement.Sid === 'ScannerPublishes')?.Principal).toEqual({
      AWS: roles,
    });
    expect(
      statements.find((statement) => statement.Sid === 'OnlyScannerAndAlarmsPublish')?.Condition,
    ).toEqual({
      StringNotEquals: { 'aws:PrincipalArn': roles, 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com' },
    });
  });

  it('outputs the scan role for the member template and the delegation policy for the management account', () => {
    // Act
    const outputs = template.toJSON().Outputs;

    // Assess
    expect(outputs.ScanRoleArn.Value).toEqual(arnOf(stack.scanRole));
    expect(outputs.OrganizationStateMachineArn.Value).toEqual(
      ref(stack.organizationRun?.stateMachine as Construct),
    );
    expect(JSON.stringify(outputs.OrganizationsDelegationPolicy.Value)).toContain(
      JSON.stringify(arnOf(child('PlanRole'))['Fn::GetAtt']),
    );
  });

  it('puts no delegation policy in the outputs of a management-account deployment', () => {
    // Act
    const management = Template.fromStack(
      new ScannerStack(new App({ context: SKIP_BUNDLING }), 'Management', {
        organization: { administrator: 'management' },
      }),
    ).toJSON().Outputs;

    // Assess
    expect(Object.keys(management).sort()).toEqual([
      'AuditCommand',
      'FindingsTopicArn',
      'OrganizationStateMachineArn',
      'ReportsBucketName',
      'ScanFunctionName',
      'ScanRoleArn',
    ]);
  });

  it('synthesizes the member role template beside the stack, with the reads of the deployed rules', () => {
    // Act
    const assembly = new App({ context: { ...ORGANIZATION, rules: 'vpc-sagemaker-private-dns' } });
    configureApp(assembly);
    const member = assembly.synth().getStackByName(MEMBER_ROLE_STACK_NAME).template;

    // Assess
    const [policy] = Object.values(member.Resources as Record<string, Json>).filter(
      (resource) => resource.Type === 'AWS::IAM::Policy',
    );
    expect(
      ((policy as Json).Properties as { PolicyDocument: { Statement: Json[] } }).PolicyDocument.Statement,
    ).toEqual([
      {
        Sid: 'ReadAccountForRules',
        Effect: 'Allow',
        Action: memberReadActions(selectRules(['vpc-sagemaker-private-dns'], 'rules')),
        Resource: '*',
      },
    ]);
    const [role] = Object.values(member.Resources as Record<string, Json>).filter(
      (resource) => resource.Type === 'AWS::IAM::Role',
    );
    expect(((role as Json).Properties as Json).RoleName).toBe('ScannerMember');
  });
});

describe('the single-account stack, without organization=true', () => {
  it('has no state machine, plan or aggregate, and no member role template', () => {
    // Prepare
    const single = new App({ context: { ...SKIP_BUNDLING, alertEmails: 'secops@example.com' } });

    // Act
    const singleStack = configureApp(single);
    const stacks = single.synth().stacks.map((synthesized) => synthesized.stackName);

    // Assess
    const synthesized = Template.fromStack(singleStack);
    expect(Object.keys(synthesized.findResources('AWS::StepFunctions::StateMachine'))).toEqual([]);
    expect(Object.keys(synthesized.findResources('AWS::Lambda::Function'))).toHaveLength(1);
    expect(stacks).toEqual([STACK_NAME]);
  });

  it.each(['maxConcurrency', 'memberRoleName', 'organizationOus'])(
    'refuses the Organization key %s without organization=true',
    (key) => {
      // Act
      const read = () => propsFromContext((name) => (name === key ? '5' : undefined));

      // Assess
      expect(read).toThrow(`${key}: only with -c organization=true`);
    },
  );

  it.each([
    [
      'organizationAdministrator',
      'owner',
      'organizationAdministrator: expected one of management, delegated, got "owner"',
    ],
    [
      'toleratedFailurePercentage',
      '120',
      'toleratedFailurePercentage: expected a percentage from 0 to 100, got "120"',
    ],
    ['maxConcurrency', '0', 'maxConcurrency: expected a whole number of at least 1, got "0"'],
  ])('refuses %s=%s, naming the key', (key, value, message) => {
    // Act
    const read = () =>
      propsFromContext((name) => (name === 'organization' ? 'true' : name === key ? value : undefined));

    // Assess
    expect(read).toThrow(message);
  });
});
