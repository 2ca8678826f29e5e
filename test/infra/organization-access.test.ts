/**
 * The Organization mode's trust and resource policies, from the synthesized template, asked the
 * requests AWS really makes by `@cloud-copilot/iam-simulate`, as access.test.ts does for the
 * single-account stack. Each case cites the AWS page that documents who calls, and with which keys.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureApp, STACK_NAME } from '../../infra/scanner-app.ts';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const ACCOUNT = '111122223333';
const MEMBER = '444455556666';
const OTHER_ACCOUNT = '777788889999';
const REGION = 'eu-west-1';
const STATE_MACHINE = `${STACK_NAME}-organization-run`;
const RUN = '7c0f3a52-5d1e-4b8e-9f0a-2b6c4d8e1f3a';

const SCHEDULER_CONFUSED_DEPUTY =
  'https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html';
const STATES_CONFUSED_DEPUTY =
  'https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html';
const DISTRIBUTED_MAP_IAM =
  'https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html';
const LAMBDA_EXECUTION_ROLE = 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html';
const SNS_ACCESS_CASES = 'https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html';
const S3_CONDITIONAL_WRITES =
  'https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html';
const STS_ASSUME_ROLE = 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html';

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** Deterministic stand-ins for what CloudFormation names, shaped as AWS shapes them. */
function physicalOf(logicalId: string, resource: CfnResource): { ref: string; arn?: string } {
  const name = `${STACK_NAME}-${logicalId}`;
  const regional = (service: string, part: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${part}`;
  switch (resource.Type) {
    case 'AWS::IAM::Role':
      return { ref: name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` };
    case 'AWS::SNS::Topic':
      return { ref: regional('sns', name), arn: regional('sns', name) };
    case 'AWS::S3::Bucket':
      return { ref: name.toLowerCase(), arn: `arn:aws:s3:::${name.toLowerCase()}` };
    case 'AWS::KMS::Key':
      return { ref: 'key-id', arn: regional('kms', 'key/key-id') };
    case 'AWS::SQS::Queue':
      return { ref: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`, arn: regional('sqs', name) };
    case 'AWS::Lambda::Function':
      return { ref: name, arn: regional('lambda', `function:${name}`) };
    case 'AWS::Logs::LogGroup':
      return { ref: name, arn: regional('logs', `log-group:${name}:*`) };
    case 'AWS::StepFunctions::StateMachine':
      return { ref: regional('states', `stateMachine:${STATE_MACHINE}`) };
    default:
      return { ref: name };
  }
}

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

let resources: Record<string, CfnResource>;
let physical: Map<string, { ref: string; arn?: string }>;

function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [[key, argument] = ['', undefined]] = entries;
  if (entries.length === 1 && key === 'Ref') {
    const target = PSEUDO[argument as string] ?? physical.get(argument as string)?.ref;
    if (target === undefined) throw new Error(`Ref to unknown ${String(argument)}`);
    return target;
  }
  if (entries.length === 1 && key === 'Fn::GetAtt') {
    const [id] = argument as [string, string];
    const target = physical.get(id)?.arn;
    if (target === undefined) throw new Error(`no ARN for ${id}`);
    return target;
  }
  if (entries.length === 1 && key === 'Fn::Join') {
    const [separator, parts] = argument as [string, unknown[]];
    return parts.map(resolve).join(separator);
  }
  return Object.fromEntries(entries.map(([name, item]) => [name, resolve(item)]));
}

function idOf(type: string, prefix: string): string {
  const ids = Object.keys(resources).filter((id) => resources[id]?.Type === type && id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}…, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

const roleArn = (prefix: string) => physical.get(idOf('AWS::IAM::Role', prefix))?.arn as string;
const trustOf = (prefix: string) =>
  resolve(resources[idOf('AWS::IAM::Role', prefix)]?.Properties?.AssumeRolePolicyDocument);
const bucketArn = () => physical.get(idOf('AWS::S3::Bucket', 'Reports'))?.arn as string;

function identityOf(role: string): unknown[] {
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .map((resource) => resolve(resource.Properties) as { Roles: string[]; PolicyDocument: unknown })
    .filter((policy) => policy.Roles.some((name) => role.endsWith(`/${name}`)))
    .map((policy) => policy.PolicyDocument);
}

function resourcePolicyOf(type: string, prefix: string): unknown {
  return (resolve(resources[idOf(type, prefix)]?.Properties) as { PolicyDocument: unknown }).PolicyDocument;
}

type Outcome = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

async function decide(request: {
  principal: string;
  action: string;
  resource: string;
  resourceAccount?: string;
  context: Record<string, string>;
  identity?: unknown[];
  resourcePolicy?: unknown;
}): Promise<Outcome> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount ?? ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', ...request.context },
      },
      identityPolicies: (request.identity ?? []).map((policy, index) => ({
        name: `identity-${index}`,
        policy,
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    {},
  );
  if (result.resultType !== 'single') throw new Error(JSON.stringify(result));
  expect(result.result.ignoredContextKeys ?? []).toEqual([]);
  return result.overallResult as Outcome;
}

const asService = (service: string, extra: Record<string, string> = {}) => ({
  'aws:PrincipalServiceName': service,
  ...extra,
});
const asRole = (arn: string, extra: Record<string, string> = {}) => ({
  'aws:PrincipalArn': arn,
  'aws:PrincipalAccount': arn.split(':')[4] as string,
  'aws:PrincipalType': 'AssumedRole',
  ...extra,
});

beforeAll(() => {
  const app = new App({
    context: { ...SKIP_BUNDLING, organization: 'true', alertEmails: 'secops@example.com' },
  });
  resources = Template.fromStack(configureApp(app)).toJSON().Resources;
  physical = new Map(Object.entries(resources).map(([id, resource]) => [id, physicalOf(id, resource)]));
});

interface Case {
  name: string;
  source: string;
  expected: Outcome;
  request: () => Parameters<typeof decide>[0];
}

const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${STATE_MACHINE}`;
const assumedBy = (service: string, context: Record<string, string>, rolePrefix: string) => () => ({
  principal: service,
  action: 'sts:AssumeRole',
  resource: roleArn(rolePrefix),
  context: asService(service, context),
  resourcePolicy: trustOf(rolePrefix),
});
/** A request made with a role's own credentials, to an object of the reports bucket. */
const inBucket =
  (rolePrefix: string, action: string, key: string, extra: Record<string, string> = {}) =>
  () => ({
    principal: roleArn(rolePrefix),
    action,
    resource: `${bucketArn()}/${key}`,
    context: asRole(roleArn(rolePrefix), extra),
    identity: identityOf(roleArn(rolePrefix)),
    resourcePolicy: resourcePolicyOf('AWS::S3::BucketPolicy', 'ReportsPolicy'),
  });

const CASES: Case[] = [
  {
    name: 'Scheduler assumes its role for the nightly Organization schedule',
    source: SCHEDULER_CONFUSED_DEPUTY,
    expected: 'Allowed',
    request: assumedBy(
      'scheduler.amazonaws.com',
      {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/default`,
      },
      'SchedulerRole',
    ),
  },
  {
    name: 'Scheduler, for a schedule of another account, is refused',
    source: SCHEDULER_CONFUSED_DEPUTY,
    expected: 'ImplicitlyDenied',
    request: assumedBy(
      'scheduler.amazonaws.com',
      {
        'aws:SourceAccount': OTHER_ACCOUNT,
        'aws:SourceArn': `arn:aws:scheduler:${REGION}:${OTHER_ACCOUNT}:schedule-group/default`,
      },
      'SchedulerRole',
    ),
  },
  {
    name: 'the schedule role starts an execution of the state machine',
    source: SCHEDULER_CONFUSED_DEPUTY,
    expected: 'Allowed',
    request: () => ({
      principal: roleArn('SchedulerRole'),
      action: 'states:StartExecution',
      resource: stateMachineArn,
      context: asRole(roleArn('SchedulerRole')),
      identity: identityOf(roleArn('SchedulerRole')),
    }),
  },
  {
    name: 'the schedule role can no longer invoke the scan function directly',
    source: SCHEDULER_CONFUSED_DEPUTY,
    expected: 'ImplicitlyDenied',
    request: () => ({
      principal: roleArn('SchedulerRole'),
      action: 'lambda:InvokeFunction',
      resource: physical.get(idOf('AWS::Lambda::Function', 'Scan'))?.arn as string,
      context: asRole(roleArn('SchedulerRole')),
      identity: identityOf(roleArn('SchedulerRole')),
    }),
  },
  {
    name: 'Step Functions assumes the state machine role for this state machine',
    source: STATES_CONFUSED_DEPUTY,
    expected: 'Allowed',
    request: assumedBy(
      'states.amazonaws.com',
      { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': stateMachineArn },
      'OrganizationRunRole',
    ),
  },
  {
    name: 'Step Functions, for another state machine of the account, is refused',
    source: STATES_CONFUSED_DEPUTY,
    expected: 'ImplicitlyDenied',
    request: assumedBy(
      'states.amazonaws.com',
      { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `${stateMachineArn.replace(STATE_MACHINE, 'Other')}` },
      'OrganizationRunRole',
    ),
  },
  {
    name: 'Step Functions, for a same-named state machine of another account, is refused',
    source: STATES_CONFUSED_DEPUTY,
    expected: 'ImplicitlyDenied',
    request: assumedBy(
      'states.amazonaws.com',
      {
        'aws:SourceAccount': OTHER_ACCOUNT,
        'aws:SourceArn': stateMachineArn.replace(ACCOUNT, OTHER_ACCOUNT),
      },
      'OrganizationRunRole',
    ),
  },
  ...['PlanRole', 'AggregateRole'].map(
    (prefix): Case => ({
      name: `Lambda assumes the ${prefix.replace('Role', '').toLowerCase()} function's execution role`,
      source: LAMBDA_EXECUTION_ROLE,
      expected: 'Allowed',
      request: assumedBy('lambda.amazonaws.com', {}, prefix),
    }),
  ),
  {
    name: 'the state machine starts a Distributed Map child execution of itself',
    source: DISTRIBUTED_MAP_IAM,
    expected: 'Allowed',
    request: () => ({
      principal: roleArn('OrganizationRunRole'),
      action: 'states:StartExecution',
      resource: stateMachineArn,
      context: asRole(roleArn('OrganizationRunRole')),
      identity: identityOf(roleArn('OrganizationRunRole')),
    }),
  },
  {
    name: 'the state machine stops a child execution of its Map run',
    source: DISTRIBUTED_MAP_IAM,
    expected: 'Allowed',
    request: () => ({
      principal: roleArn('OrganizationRunRole'),
      action: 'states:StopExecution',
      resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${STATE_MACHINE}/ScanAccounts:0f3e1a2b-4c5d-6e7f-8091-a2b3c4d5e6f7`,
      context: asRole(roleArn('OrganizationRunRole')),
      identity: identityOf(roleArn('OrganizationRunRole')),
    }),
  },
  {
    name: 'the state machine cannot stop executions of another state machine',
    source: DISTRIBUTED_MAP_IAM,
    expected: 'ImplicitlyDenied',
    request: () => ({
      principal: roleArn('OrganizationRunRole'),
      action: 'states:StopExecution',
      resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:Other/ScanAccounts:0f3e1a2b`,
      context: asRole(roleArn('OrganizationRunRole')),
      identity: identityOf(roleArn('OrganizationRunRole')),
    }),
  },
  {
    name: 'the Map reads the run’s plan file',
    source: DISTRIBUTED_MAP_IAM,
    expected: 'Allowed',
    request: inBucket('OrganizationRunRole', 's3:GetObject', `organization/runs/${RUN}/plan.json`),
  },
  {
    name: 'the Map writes its results under the run',
    source: DISTRIBUTED_MAP_IAM,
    expected: 'Allowed',
    request: inBucket(
      'OrganizationRunRole',
      's3:PutObject',
      `organization/runs/${RUN}/results/${RUN}/manifest.json`,
    ),
  },
  {
    name: 'the state machine cannot read an account’s report',
    source: DISTRIBUTED_MAP_IAM,
    expected: 'ImplicitlyDenied',
    request: inBucket('OrganizationRunRole', 's3:GetObject', `reports/${MEMBER}/latest.json`),
  },
  {
    name: 'the scan role assumes the member role in a member account',
    source: STS_ASSUME_ROLE,
    expected: 'Allowed',
    request: () => ({
      principal: roleArn('ScanRole'),
      action: 'sts:AssumeRole',
      resource: `arn:aws:iam::${MEMBER}:role/SageMakerComplianceMember`,
      resourceAccount: MEMBER,
      context: asRole(roleArn('ScanRole')),
      identity: identityOf(roleArn('ScanRole')),
      // The member role's own trust, which the member template gives it, names the scan role.
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:PrincipalArn': roleArn('ScanRole') } },
          },
        ],
      },
    }),
  },
  {
    name: 'the scan role cannot assume another role of a member account, even one that trusts it',
    source: STS_ASSUME_ROLE,
    expected: 'ImplicitlyDenied',
    request: () => ({
      principal: roleArn('ScanRole'),
      action: 'sts:AssumeRole',
      resource: `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
      resourceAccount: MEMBER,
      context: asRole(roleArn('ScanRole')),
      identity: identityOf(roleArn('ScanRole')),
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
        ],
      },
    }),
  },
  {
    name: 'the scan role stores a member account’s new report with If-None-Match',
    source: S3_CONDITIONAL_WRITES,
    expected: 'Allowed',
    request: inBucket('ScanRole', 's3:PutObject', `reports/${MEMBER}/2026/12/01/${RUN}.json`, {
      's3:if-none-match': '*',
    }),
  },
  {
    name: 'the scan role cannot write a digest, even as a new object',
    source: S3_CONDITIONAL_WRITES,
    expected: 'ExplicitlyDenied',
    request: inBucket('ScanRole', 's3:PutObject', `reports/organization/2026/12/01/${RUN}.json`, {
      's3:if-none-match': '*',
    }),
  },
  {
    name: 'the plan writes the run’s plan file',
    source: S3_CONDITIONAL_WRITES,
    expected: 'Allowed',
    request: inBucket('PlanRole', 's3:PutObject', `organization/runs/${RUN}/plan.json`),
  },
  {
    name: 'the plan cannot write into the Map results',
    source: S3_CONDITIONAL_WRITES,
    expected: 'ImplicitlyDenied',
    request: inBucket('PlanRole', 's3:PutObject', `organization/runs/${RUN}/results/manifest.json`),
  },
  {
    name: 'the aggregate stores the digest',
    source: S3_CONDITIONAL_WRITES,
    expected: 'Allowed',
    request: inBucket('AggregateRole', 's3:PutObject', `reports/organization/2026/12/01/${RUN}.txt`),
  },
  {
    name: 'the aggregate cannot overwrite an account’s baseline',
    source: S3_CONDITIONAL_WRITES,
    expected: 'ImplicitlyDenied',
    request: inBucket('AggregateRole', 's3:PutObject', `reports/${MEMBER}/latest.json`),
  },
  {
    name: 'the aggregate reads an account’s stored report',
    source: S3_CONDITIONAL_WRITES,
    expected: 'Allowed',
    request: inBucket('AggregateRole', 's3:GetObject', `reports/${MEMBER}/2026/12/01/${RUN}.json`),
  },
  {
    name: 'the aggregate publishes the digest past the topic’s deny',
    source: SNS_ACCESS_CASES,
    expected: 'Allowed',
    request: () => ({
      principal: roleArn('AggregateRole'),
      action: 'sns:Publish',
      resource: physical.get(idOf('AWS::SNS::Topic', 'Findings'))?.arn as string,
      context: asRole(roleArn('AggregateRole')),
      identity: identityOf(roleArn('AggregateRole')),
      resourcePolicy: resourcePolicyOf('AWS::SNS::TopicPolicy', 'FindingsPolicy'),
    }),
  },
  {
    name: 'the plan role cannot publish to the findings topic',
    source: SNS_ACCESS_CASES,
    expected: 'ExplicitlyDenied',
    request: () => ({
      principal: roleArn('PlanRole'),
      action: 'sns:Publish',
      resource: physical.get(idOf('AWS::SNS::Topic', 'Findings'))?.arn as string,
      context: asRole(roleArn('PlanRole')),
      identity: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
      resourcePolicy: resourcePolicyOf('AWS::SNS::TopicPolicy', 'FindingsPolicy'),
    }),
  },
];

describe('the Organization mode’s policies, asked the requests AWS makes', () => {
  it.each(CASES)('$name: $expected ($source)', async (testCase) => {
    // Act
    const outcome = await decide(testCase.request());

    // Assess
    expect(outcome).toBe(testCase.expected);
  });
});
