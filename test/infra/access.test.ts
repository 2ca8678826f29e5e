/**
 * Every trust policy and resource policy of the synthesized template, asked the requests AWS really
 * makes, by `@cloud-copilot/iam-simulate` (an independent IAM simulator, a devDependency only).
 * Shape assertions in scanner-stack.test.ts cannot tell that a condition names a value the calling
 * service never sends: the Scheduler role's trust was scoped to the schedule's ARN, Scheduler sends
 * its schedule group's, and the nightly scan could never have started. Here each request carries
 * the principal, action and `aws:Source*` values that the AWS page cited next to it documents.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureApp, STACK_NAME } from '../../infra/scanner-app.ts';
import { SCHEDULE_GROUP } from '../../infra/scanner-stack.ts';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const REGION = 'eu-west-1';
const PARTITION = 'aws';

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** What `Ref` and `Fn::GetAtt` of one resource resolve to in a deployed stack. */
interface Physical {
  ref: string;
  attributes: Record<string, string>;
}

/** Deterministic stand-ins for the names CloudFormation generates, shaped as AWS shapes them. */
function physicalOf(logicalId: string, resource: CfnResource): Physical {
  const name = `${STACK_NAME}-${logicalId}`;
  const regional = (service: string, resourcePart: string) =>
    `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resourcePart}`;
  switch (resource.Type) {
    case 'AWS::IAM::Role':
      return { ref: name, attributes: { Arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}` } };
    case 'AWS::SNS::Topic': {
      const arn = regional('sns', name);
      return { ref: arn, attributes: { TopicArn: arn } };
    }
    case 'AWS::S3::Bucket': {
      const bucket = name.toLowerCase();
      return { ref: bucket, attributes: { Arn: `arn:${PARTITION}:s3:::${bucket}` } };
    }
    case 'AWS::KMS::Key': {
      const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
      return { ref: keyId, attributes: { Arn: regional('kms', `key/${keyId}`), KeyId: keyId } };
    }
    case 'AWS::SQS::Queue':
      return {
        ref: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
        attributes: { Arn: regional('sqs', name), QueueName: name },
      };
    case 'AWS::Lambda::Function':
      return { ref: name, attributes: { Arn: regional('lambda', `function:${name}`) } };
    case 'AWS::Logs::LogGroup':
      return { ref: name, attributes: { Arn: regional('logs', `log-group:${name}:*`) } };
    default:
      return { ref: name, attributes: {} };
  }
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': PARTITION,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': STACK_NAME,
};

/** The template's policies with `Ref`, `Fn::GetAtt` and `Fn::Join` replaced by deployed values. */
function resolver(resources: Record<string, CfnResource>) {
  const physical = new Map(Object.entries(resources).map(([id, resource]) => [id, physicalOf(id, resource)]));
  const resolve = (value: unknown, where: string): unknown => {
    if (Array.isArray(value)) return value.map((item, index) => resolve(item, `${where}[${index}]`));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      const [intrinsic, argument] = first;
      if (intrinsic === 'Ref') {
        const target = PSEUDO_PARAMETERS[argument as string] ?? physical.get(argument as string)?.ref;
        if (target === undefined) throw new Error(`${where}: Ref to unknown ${String(argument)}`);
        return target;
      }
      if (intrinsic === 'Fn::GetAtt') {
        const [id, attribute] = argument as [string, string];
        const target = physical.get(id)?.attributes[attribute];
        if (target === undefined) throw new Error(`${where}: no stand-in for Fn::GetAtt ${id}.${attribute}`);
        return target;
      }
      if (intrinsic === 'Fn::Join') {
        const [separator, parts] = argument as [string, unknown[]];
        return parts.map((part, index) => resolve(part, `${where}.Fn::Join[${index}]`)).join(separator);
      }
      throw new Error(`${where}: cannot resolve ${intrinsic}`);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, resolve(item, `${where}.${key}`)]));
  };
  return { resolve, physical };
}

/** One policy that decides who may act on one resource: a role's trust or a resource policy. */
interface GuardedResource {
  /** `AWS::IAM::Role ScanRole…` or `AWS::SNS::TopicPolicy Findings…`: what the cases are keyed by. */
  label: string;
  arn: string;
  policy: unknown;
}

let resources: Record<string, CfnResource>;
let guarded: GuardedResource[];
/** Each role's inline policies, by role ARN, for requests made with the role's credentials. */
let identityPolicies: Map<string, unknown[]>;
let physical: Map<string, Physical>;

function logicalIdOf(type: string, prefix: string): string {
  const ids = Object.keys(resources).filter((id) => resources[id]?.Type === type && id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}…, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

function arnOf(type: string, prefix: string): string {
  const { attributes } = physical.get(logicalIdOf(type, prefix)) as Physical;
  return (attributes.Arn ?? attributes.TopicArn) as string;
}

function guardedBy(type: string, prefix: string): GuardedResource {
  const label = `${type} ${logicalIdOf(type, prefix)}`;
  const found = guarded.find((entry) => entry.label === label);
  if (!found) throw new Error(`no policy for ${label}`);
  return found;
}

beforeAll(() => {
  const app = new App({ context: { ...SKIP_BUNDLING, alertEmails: 'secops@example.com' } });
  const template = Template.fromStack(configureApp(app)).toJSON();
  resources = template.Resources;
  const resolved = resolver(resources);
  physical = resolved.physical;
  const arnOfRef = (ref: string) => {
    const entry = [...physical.values()].find((candidate) => candidate.ref === ref);
    const arn = entry?.attributes.Arn ?? entry?.attributes.TopicArn;
    if (arn === undefined) throw new Error(`no resource whose Ref is ${ref}`);
    return arn;
  };
  guarded = [];
  identityPolicies = new Map();
  for (const [id, resource] of Object.entries(resources)) {
    // Only policy-bearing resources: the others hold intrinsics (Fn::Sub of asset buckets) that no
    // policy reads.
    const properties = () => resolved.resolve(resource.Properties ?? {}, id) as Record<string, unknown>;
    const own = physical.get(id) as Physical;
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        guarded.push({
          label: `${resource.Type} ${id}`,
          arn: own.attributes.Arn as string,
          policy: properties().AssumeRolePolicyDocument,
        });
        break;
      case 'AWS::KMS::Key':
        guarded.push({
          label: `${resource.Type} ${id}`,
          arn: own.attributes.Arn as string,
          policy: properties().KeyPolicy,
        });
        break;
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::SQS::QueuePolicy':
        for (const target of (properties().Topics ?? properties().Queues) as string[]) {
          guarded.push({
            label: `${resource.Type} ${id}`,
            arn: arnOfRef(target),
            policy: properties().PolicyDocument,
          });
        }
        break;
      case 'AWS::S3::BucketPolicy':
        guarded.push({
          label: `${resource.Type} ${id}`,
          arn: arnOfRef(properties().Bucket as string),
          policy: properties().PolicyDocument,
        });
        break;
      case 'AWS::IAM::Policy':
        for (const role of properties().Roles as string[]) {
          const roleArn = `arn:${PARTITION}:iam::${ACCOUNT}:role/${role}`;
          identityPolicies.set(roleArn, [
            ...(identityPolicies.get(roleArn) ?? []),
            properties().PolicyDocument,
          ]);
        }
        break;
      default:
        // A policy of a kind not evaluated here (a Lambda permission, a managed policy) fails the
        // suite until it is, so no trust or resource policy ships unasked.
        expect(`${resource.Type} ${JSON.stringify(resource.Properties)}`).not.toMatch(
          /Permission |Policy |PolicyDocument|KeyPolicy|AssumeRole|"Principal"/,
        );
    }
  }
});

type Outcome = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

interface Request {
  /** Which policy of the template decides it, as `type` and logical id prefix. */
  guard: [type: string, prefix: string];
  principal: string;
  action: string;
  /** Default: the guarded resource itself. */
  resource?: string;
  context: Record<string, string>;
  /** Set for a principal of this account that acts with its own identity policies too. */
  identity?: unknown[];
  /** Instead of the template's policy, to show what a different policy would decide. */
  policy?: unknown;
}

async function decide(request: Request): Promise<Outcome> {
  const target = guardedBy(...request.guard);
  const resource = request.resource ?? target.arn;
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: request.context,
      },
      identityPolicies: (request.identity ?? identityPolicies.get(request.principal) ?? []).map(
        (policy, index) => ({ name: `identity-${index}`, policy }),
      ),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.policy ?? target.policy,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`${target.label}: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single')
    throw new Error(`${target.label}: expected one resource, got ${resource}`);
  // A key iam-simulate does not know for this action would be dropped, and the case prove nothing.
  expect(result.result.ignoredContextKeys ?? []).toEqual([]);
  return result.overallResult as Outcome;
}

const role = (name: string, account = ACCOUNT) => `arn:${PARTITION}:iam::${account}:role/${name}`;
const tls = { 'aws:SecureTransport': 'true' };
/** What a request signed with a role's session carries about its caller. */
function asRole(arn: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...tls,
    'aws:PrincipalArn': arn,
    'aws:PrincipalAccount': arn.split(':')[4] as string,
    'aws:PrincipalType': 'AssumedRole',
    ...extra,
  };
}
/** What a service principal's request carries (`aws:PrincipalServiceName`), plus its `aws:Source*`. */
function asService(service: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...tls, 'aws:PrincipalServiceName': service, ...extra };
}
const scheduleGroupArn = (group: string, account = ACCOUNT) =>
  `arn:${PARTITION}:scheduler:${REGION}:${account}:schedule-group/${group}`;
const alarmArn = (name: string, account = ACCOUNT) =>
  `arn:${PARTITION}:cloudwatch:${REGION}:${account}:alarm:${name}`;

/** The schedule's group as AWS assigns it: `GroupName`, or `default` when the schedule names none. */
function groupOfSchedule(): string {
  const schedule = resources[logicalIdOf('AWS::Scheduler::Schedule', 'NightlyScan')];
  return (schedule?.Properties?.GroupName as string | undefined) ?? 'default';
}

function alarmNames(): string[] {
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
    .map((resource) => resource.Properties?.AlarmName as string);
}

interface Case extends Omit<Request, 'principal' | 'context' | 'resource'> {
  name: string;
  /** The AWS page that documents who makes this request, and with which keys. */
  source: string;
  principal: () => string;
  /** Default: the guarded resource itself. */
  resource?: () => string;
  context: () => Record<string, string>;
  expected: Outcome;
}

const SCHEDULER_CONFUSED_DEPUTY =
  'https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html';
const LAMBDA_EXECUTION_ROLE = 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html';
const CLOUDWATCH_TO_SNS = 'https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger';
const SNS_ACCESS_CASES = 'https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html';
const SNS_KMS_FOR_SERVICES =
  'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services';
const S3_CONDITIONAL_WRITES =
  'https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html';
const S3_LIST_PREFIX = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html';
const LAMBDA_ASYNC_DESTINATIONS =
  'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html';
const SCHEDULER_DLQ = 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html';
const SNS_DLQ_POLICY = 'https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html';
const SNS_DLQ_ENCRYPTED = 'https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html';

const SCHEDULER_ROLE: Case['guard'] = ['AWS::IAM::Role', 'SchedulerRole'];
const SCAN_ROLE: Case['guard'] = ['AWS::IAM::Role', 'ScanRole'];
const TOPIC_POLICY: Case['guard'] = ['AWS::SNS::TopicPolicy', 'FindingsPolicy'];
const KEY: Case['guard'] = ['AWS::KMS::Key', 'FindingsKey'];
const BUCKET_POLICY: Case['guard'] = ['AWS::S3::BucketPolicy', 'ReportsPolicy'];
const FAILURES_POLICY: Case['guard'] = ['AWS::SQS::QueuePolicy', 'ScanFailuresPolicy'];
const UNDELIVERED_POLICY: Case['guard'] = ['AWS::SQS::QueuePolicy', 'UndeliveredInvocationsPolicy'];
const NOTIFICATIONS_POLICY: Case['guard'] = ['AWS::SQS::QueuePolicy', 'UndeliveredNotificationsPolicy'];

const scanRole = () => arnOf('AWS::IAM::Role', 'ScanRole');
const findingsTopic = () => arnOf('AWS::SNS::Topic', 'Findings');
const schedulerRole = () => arnOf('AWS::IAM::Role', 'SchedulerRole');
const reportKey = (key: string, account = ACCOUNT) =>
  `${arnOf('AWS::S3::Bucket', 'Reports')}/reports/${account}/${key}`;
const DATED = '2026/12/01/0b7c2a5e-2f43-4a0e-9d59-3d8f5f0c1e11.json';
/** A same-account role whose own policy allows everything: only a resource policy's Deny stops it. */
const ADMIN = role('Administrator');
const ADMIN_POLICY = [
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
];

const CASES: Case[] = [
  {
    name: 'Scheduler assumes the execution role for a schedule of its group',
    source: SCHEDULER_CONFUSED_DEPUTY,
    guard: SCHEDULER_ROLE,
    principal: () => 'scheduler.amazonaws.com',
    action: 'sts:AssumeRole',
    context: () =>
      asService('scheduler.amazonaws.com', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': scheduleGroupArn(groupOfSchedule()),
      }),
    expected: 'Allowed',
  },
  {
    name: 'Scheduler, for a schedule of another group of the account, is refused',
    source: SCHEDULER_CONFUSED_DEPUTY,
    guard: SCHEDULER_ROLE,
    principal: () => 'scheduler.amazonaws.com',
    action: 'sts:AssumeRole',
    context: () =>
      asService('scheduler.amazonaws.com', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': scheduleGroupArn('someone-elses-group'),
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'Scheduler, for a schedule of another account, is refused',
    source: SCHEDULER_CONFUSED_DEPUTY,
    guard: SCHEDULER_ROLE,
    principal: () => 'scheduler.amazonaws.com',
    action: 'sts:AssumeRole',
    context: () =>
      asService('scheduler.amazonaws.com', {
        'aws:SourceAccount': OTHER_ACCOUNT,
        'aws:SourceArn': scheduleGroupArn(groupOfSchedule(), OTHER_ACCOUNT),
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'Lambda assumes the function\u2019s execution role',
    source: LAMBDA_EXECUTION_ROLE,
    guard: SCAN_ROLE,
    principal: () => 'lambda.amazonaws.com',
    action: 'sts:AssumeRole',
    context: () => asService('lambda.amazonaws.com'),
    expected: 'Allowed',
  },
  {
    name: 'another service cannot assume the scan role',
    source: LAMBDA_EXECUTION_ROLE,
    guard: SCAN_ROLE,
    principal: () => 'scheduler.amazonaws.com',
    action: 'sts:AssumeRole',
    context: () =>
      asService('scheduler.amazonaws.com', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': scheduleGroupArn(SCHEDULE_GROUP),
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'a role of another account cannot assume the scan role',
    source: LAMBDA_EXECUTION_ROLE,
    guard: SCAN_ROLE,
    principal: () => role('intruder', OTHER_ACCOUNT),
    action: 'sts:AssumeRole',
    context: () => asRole(role('intruder', OTHER_ACCOUNT)),
    identity: ADMIN_POLICY,
    expected: 'ImplicitlyDenied',
  },
  ...[0, 1, 2, 3, 4, 5].map(
    (index): Case => ({
      name: `CloudWatch publishes the state change of this stack's alarm #${index + 1}`,
      source: CLOUDWATCH_TO_SNS,
      guard: TOPIC_POLICY,
      principal: () => 'cloudwatch.amazonaws.com',
      action: 'sns:Publish',
      context: () =>
        asService('cloudwatch.amazonaws.com', {
          'aws:SourceAccount': ACCOUNT,
          'aws:SourceArn': alarmArn(alarmNames()[index] as string),
        }),
      expected: 'Allowed',
    }),
  ),
  {
    name: 'the scan role lists the subscriptions of its findings topic',
    source: SNS_ACCESS_CASES,
    guard: TOPIC_POLICY,
    principal: scanRole,
    action: 'sns:ListSubscriptionsByTopic',
    context: () => asRole(scanRole()),
    expected: 'Allowed',
  },
  {
    name: 'the scan role cannot list the subscriptions of another topic',
    source: SNS_ACCESS_CASES,
    guard: TOPIC_POLICY,
    principal: scanRole,
    action: 'sns:ListSubscriptionsByTopic',
    resource: () => `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:other-topic`,
    context: () => asRole(scanRole()),
    policy: { Version: '2012-10-17', Statement: [] },
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'CloudWatch, for an alarm of another stack in the account, cannot publish',
    source: CLOUDWATCH_TO_SNS,
    guard: TOPIC_POLICY,
    principal: () => 'cloudwatch.amazonaws.com',
    action: 'sns:Publish',
    context: () =>
      asService('cloudwatch.amazonaws.com', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': alarmArn('OtherApp-high-cpu'),
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'CloudWatch, for a same-named alarm of another account, cannot publish',
    source: SNS_ACCESS_CASES,
    guard: TOPIC_POLICY,
    principal: () => 'cloudwatch.amazonaws.com',
    action: 'sns:Publish',
    context: () =>
      asService('cloudwatch.amazonaws.com', {
        'aws:SourceAccount': OTHER_ACCOUNT,
        'aws:SourceArn': alarmArn(`${STACK_NAME}-scan-errors`, OTHER_ACCOUNT),
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role publishes the findings',
    source: SNS_ACCESS_CASES,
    guard: TOPIC_POLICY,
    principal: scanRole,
    action: 'sns:Publish',
    context: () => asRole(scanRole()),
    expected: 'Allowed',
  },
  {
    name: 'another role of the account, allowed everything by its own policy, cannot publish',
    source: SNS_ACCESS_CASES,
    guard: TOPIC_POLICY,
    principal: () => ADMIN,
    action: 'sns:Publish',
    context: () => asRole(ADMIN),
    identity: ADMIN_POLICY,
    expected: 'ExplicitlyDenied',
  },
  {
    name: 'the scan role cannot publish without TLS',
    source: SNS_ACCESS_CASES,
    guard: TOPIC_POLICY,
    principal: scanRole,
    action: 'sns:Publish',
    context: () => asRole(scanRole(), { 'aws:SecureTransport': 'false' }),
    expected: 'ExplicitlyDenied',
  },
  ...['kms:GenerateDataKey', 'kms:Decrypt'].map(
    (action): Case => ({
      name: `CloudWatch calls ${action} on the topic's key for this stack's alarm`,
      source: SNS_KMS_FOR_SERVICES,
      guard: KEY,
      principal: () => 'cloudwatch.amazonaws.com',
      action,
      context: () =>
        asService('cloudwatch.amazonaws.com', {
          'aws:SourceAccount': ACCOUNT,
          'aws:SourceArn': alarmArn(`${STACK_NAME}-scanner-quiet`),
        }),
      expected: 'Allowed',
    }),
  ),
  {
    name: 'CloudWatch, for an alarm of another account, cannot use the key',
    source: SNS_KMS_FOR_SERVICES,
    guard: KEY,
    principal: () => 'cloudwatch.amazonaws.com',
    action: 'kms:GenerateDataKey',
    context: () =>
      asService('cloudwatch.amazonaws.com', {
        'aws:SourceAccount': OTHER_ACCOUNT,
        'aws:SourceArn': alarmArn(`${STACK_NAME}-scanner-quiet`, OTHER_ACCOUNT),
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'SNS encrypts an undeliverable email of the findings topic into the dead-letter queue',
    source: SNS_DLQ_ENCRYPTED,
    guard: KEY,
    principal: () => 'sns.amazonaws.com',
    action: 'kms:GenerateDataKey',
    context: () => asService('sns.amazonaws.com', { 'aws:SourceArn': findingsTopic() }),
    expected: 'Allowed',
  },
  {
    name: 'SNS, for a topic of another stack in the account, cannot use the key',
    source: SNS_DLQ_ENCRYPTED,
    guard: KEY,
    principal: () => 'sns.amazonaws.com',
    action: 'kms:GenerateDataKey',
    context: () =>
      asService('sns.amazonaws.com', {
        'aws:SourceArn': `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:OtherApp-Alerts`,
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'SNS, for a same-named topic of another account, cannot use the key',
    source: SNS_DLQ_ENCRYPTED,
    guard: KEY,
    principal: () => 'sns.amazonaws.com',
    action: 'kms:Decrypt',
    context: () =>
      asService('sns.amazonaws.com', {
        'aws:SourceArn': findingsTopic().replace(`:${ACCOUNT}:`, `:${OTHER_ACCOUNT}:`),
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role has SNS encrypt its findings with the key',
    source: SNS_KMS_FOR_SERVICES,
    guard: KEY,
    principal: scanRole,
    action: 'kms:GenerateDataKey',
    context: () => asRole(scanRole(), { 'kms:ViaService': `sns.${REGION}.amazonaws.com` }),
    expected: 'Allowed',
  },
  {
    name: 'a role of another account cannot use the key',
    source: SNS_KMS_FOR_SERVICES,
    guard: KEY,
    principal: () => role('intruder', OTHER_ACCOUNT),
    action: 'kms:Decrypt',
    context: () => asRole(role('intruder', OTHER_ACCOUNT)),
    identity: ADMIN_POLICY,
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role stores a new dated report with If-None-Match',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey(DATED),
    context: () => asRole(scanRole(), { 's3:if-none-match': '*' }),
    expected: 'Allowed',
  },
  {
    name: 'the scan role cannot overwrite a dated report (no If-None-Match)',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey(DATED),
    context: () => asRole(scanRole()),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role cannot overwrite a dated report even with its ETag (If-Match)',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey(DATED),
    context: () => asRole(scanRole(), { 's3:if-match': '"9b2cf535f27731c974343645a3985328"' }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role stores the HTML page beside a new dated report with If-None-Match',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey(DATED.replace(/\.json$/, '.html')),
    context: () => asRole(scanRole(), { 's3:if-none-match': '*' }),
    expected: 'Allowed',
  },
  {
    name: 'the scan role cannot overwrite a stored HTML page (no If-None-Match)',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey(DATED.replace(/\.json$/, '.html')),
    context: () => asRole(scanRole()),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role cannot store any other kind of object beside its reports',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey(DATED.replace(/\.json$/, '.js')),
    context: () => asRole(scanRole(), { 's3:if-none-match': '*' }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role replaces latest.json with If-Match on the ETag it read',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey('latest.json'),
    context: () => asRole(scanRole(), { 's3:if-match': '"9b2cf535f27731c974343645a3985328"' }),
    expected: 'Allowed',
  },
  {
    name: 'the first scan creates latest.json with If-None-Match',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey('latest.json'),
    context: () => asRole(scanRole(), { 's3:if-none-match': '*' }),
    expected: 'Allowed',
  },
  {
    name: 'the scan role cannot replace latest.json unconditionally',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey('latest.json'),
    context: () => asRole(scanRole()),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role cannot write under another account\u2019s prefix',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:PutObject',
    resource: () => reportKey(DATED, OTHER_ACCOUNT),
    context: () => asRole(scanRole(), { 's3:if-none-match': '*' }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role reads latest.json',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:GetObject',
    resource: () => reportKey('latest.json'),
    context: () => asRole(scanRole()),
    expected: 'Allowed',
  },
  {
    name: 'the scan role lists exactly latest.json, to tell a first scan from a denied read',
    source: S3_LIST_PREFIX,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:ListBucket',
    resource: () => arnOf('AWS::S3::Bucket', 'Reports'),
    context: () => asRole(scanRole(), { 's3:prefix': `reports/${ACCOUNT}/latest.json`, 's3:max-keys': '1' }),
    expected: 'Allowed',
  },
  {
    name: 'the scan role cannot list its dated reports',
    source: S3_LIST_PREFIX,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:ListBucket',
    resource: () => arnOf('AWS::S3::Bucket', 'Reports'),
    context: () => asRole(scanRole(), { 's3:prefix': `reports/${ACCOUNT}/`, 's3:max-keys': '1' }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'the scan role cannot read a dated report',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: scanRole,
    action: 's3:GetObject',
    resource: () => reportKey(DATED),
    context: () => asRole(scanRole()),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'nobody, however privileged, writes a report without TLS',
    source: S3_CONDITIONAL_WRITES,
    guard: BUCKET_POLICY,
    principal: () => ADMIN,
    action: 's3:PutObject',
    resource: () => reportKey(DATED),
    context: () => asRole(ADMIN, { 'aws:SecureTransport': 'false', 's3:if-none-match': '*' }),
    identity: ADMIN_POLICY,
    expected: 'ExplicitlyDenied',
  },
  {
    name: 'Lambda sends a failed event to the failure queue with the execution role',
    source: LAMBDA_ASYNC_DESTINATIONS,
    guard: FAILURES_POLICY,
    principal: scanRole,
    action: 'sqs:SendMessage',
    context: () => asRole(scanRole()),
    expected: 'Allowed',
  },
  {
    name: 'a role of another account cannot send to the failure queue',
    source: LAMBDA_ASYNC_DESTINATIONS,
    guard: FAILURES_POLICY,
    principal: () => role('intruder', OTHER_ACCOUNT),
    action: 'sqs:SendMessage',
    context: () => asRole(role('intruder', OTHER_ACCOUNT)),
    identity: ADMIN_POLICY,
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'Scheduler parks an undelivered invocation with the execution role',
    source: SCHEDULER_DLQ,
    guard: UNDELIVERED_POLICY,
    principal: schedulerRole,
    action: 'sqs:SendMessage',
    context: () => asRole(schedulerRole()),
    expected: 'Allowed',
  },
  {
    name: 'the scan role cannot send to Scheduler\u2019s dead-letter queue',
    source: SCHEDULER_DLQ,
    guard: UNDELIVERED_POLICY,
    principal: scanRole,
    action: 'sqs:SendMessage',
    context: () => asRole(scanRole()),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'SNS parks an undeliverable email of the findings topic',
    source: SNS_DLQ_POLICY,
    guard: NOTIFICATIONS_POLICY,
    principal: () => 'sns.amazonaws.com',
    action: 'sqs:SendMessage',
    context: () => asService('sns.amazonaws.com', { 'aws:SourceArn': findingsTopic() }),
    expected: 'Allowed',
  },
  {
    name: 'SNS, for another topic of the account, cannot send to the notifications dead-letter queue',
    source: SNS_DLQ_POLICY,
    guard: NOTIFICATIONS_POLICY,
    principal: () => 'sns.amazonaws.com',
    action: 'sqs:SendMessage',
    context: () =>
      asService('sns.amazonaws.com', {
        'aws:SourceArn': `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${STACK_NAME}-Impostor`,
      }),
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'nobody sends to a dead-letter queue without TLS',
    source: SCHEDULER_DLQ,
    guard: UNDELIVERED_POLICY,
    principal: schedulerRole,
    action: 'sqs:SendMessage',
    context: () => asRole(schedulerRole(), { 'aws:SecureTransport': 'false' }),
    expected: 'ExplicitlyDenied',
  },
];

describe('the synthesized template, asked the requests AWS makes', () => {
  it.each(CASES)('$name: $expected ($source)', async (testCase) => {
    // Prepare
    const request: Request = {
      ...testCase,
      principal: testCase.principal(),
      resource: testCase.resource?.(),
      context: testCase.context(),
    };

    // Act
    const outcome = await decide(request);

    // Assess
    expect(outcome).toBe(testCase.expected);
  });

  it('asks every trust and resource policy at least one request it must allow and one it must refuse', () => {
    // Prepare
    const labelOf = (guard: Case['guard']) => guardedBy(...guard).label;

    // Act
    const covered = (allowed: boolean) =>
      new Set(
        CASES.filter((testCase) => (testCase.expected === 'Allowed') === allowed).map((testCase) =>
          labelOf(testCase.guard),
        ),
      );

    // Assess
    const labels = [...new Set(guarded.map((entry) => entry.label))].sort();
    expect([...covered(true)].sort()).toEqual(labels);
    expect([...covered(false)].sort()).toEqual(labels);
    expect(alarmNames()).toHaveLength(6);
  });

  it('would have refused the schedule when the trust named the schedule instead of its group', async () => {
    // Prepare
    const scheduleArn = `arn:${PARTITION}:scheduler:${REGION}:${ACCOUNT}:schedule/default/${STACK_NAME}-nightly-scan`;
    const scopedToSchedule = JSON.parse(
      JSON.stringify(guardedBy(...SCHEDULER_ROLE).policy).replace(
        scheduleGroupArn(groupOfSchedule()),
        scheduleArn,
      ),
    );

    // Act
    const outcome = await decide({
      guard: SCHEDULER_ROLE,
      principal: 'scheduler.amazonaws.com',
      action: 'sts:AssumeRole',
      context: asService('scheduler.amazonaws.com', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': scheduleGroupArn(groupOfSchedule()),
      }),
      policy: scopedToSchedule,
    });

    // Assess
    expect(JSON.stringify(scopedToSchedule)).toContain(scheduleArn);
    expect(outcome).toBe('ImplicitlyDenied');
  });
});
