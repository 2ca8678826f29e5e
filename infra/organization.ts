import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ORGANIZATION_ACCOUNT_EVENT, runPrefix } from '../src/model/organization-run.ts';

/** Accounts scanned at once by default: see "Organization" in the README for the wall time it implies. */
export const DEFAULT_MAX_CONCURRENCY = 20;
/**
 * Above this share of accounts whose scan failed (after the retries), the run fails and alarms
 * instead of mailing a digest that mostly says "errored": something systemic (the member role, a
 * quota) is wrong. An account whose role cannot be assumed is not a failure: its scan succeeds
 * with one ERROR result, which the digest names.
 */
export const DEFAULT_TOLERATED_FAILURE_PERCENTAGE = 10;
export const DEFAULT_MEMBER_ROLE_NAME = 'SageMakerComplianceMember';
/** The Distributed Map accepts at most 10,000 parallel child executions. */
export const MAX_CONCURRENCY_LIMIT = 10_000;
/** A run that has not ended by then would overlap the next night's. */
export const RUN_TIMEOUT = Duration.hours(20);
/**
 * The quiet alarm's period. An alarm's periods times its evaluation periods may reach seven days
 * when the period is an hour or more (PutMetricAlarm, `Period`), so 26 one-hour periods are allowed.
 */
export const QUIET_ALARM_PERIOD = Duration.hours(1);
/** The plan file's name under the run prefix, as the plan Lambda writes it. */
export const PLAN_FILE = 'plan.json';
/** The Distributed Map's results (manifest.json and result files) under the run prefix. */
export const RESULTS_FOLDER = 'results';

/**
 * Where the deployment runs: in the Organization's management account, or in a member account that
 * the management account made a delegated administrator. StackSets never reach the management
 * account, and a delegated administrator needs the management account's delegation policy to read
 * the SCPs (see "Organization" in the README).
 */
export const ORGANIZATION_ADMINISTRATORS = ['management', 'delegated'] as const;
export type OrganizationAdministrator = (typeof ORGANIZATION_ADMINISTRATORS)[number];

/** The Organization mode of the stack: off unless given. */
export interface OrganizationProps {
  /** The member role's name in every account (the StackSet creates it). Default {@link DEFAULT_MEMBER_ROLE_NAME}. */
  memberRoleName?: string;
  /** Which account the stack is deployed in. Default `delegated`. */
  administrator?: OrganizationAdministrator;
  /** Accounts scanned at once. Default {@link DEFAULT_MAX_CONCURRENCY}. */
  maxConcurrency?: number;
  /** Default {@link DEFAULT_TOLERATED_FAILURE_PERCENTAGE}. */
  toleratedFailurePercentage?: number;
  /** Only the accounts under these OU or root ids. Default: the whole Organization. */
  ous?: string[];
  /** Accounts left out. */
  excludeAccounts?: string[];
}

/** {@link OrganizationProps} with every default applied and every value checked. */
export interface OrganizationSettings {
  memberRoleName: string;
  administrator: OrganizationAdministrator;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  ous: string[];
  excludeAccounts: string[];
}

/** IAM role names: up to 64 of these characters (a path is not part of the name). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const OU_OR_ROOT = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * Applies the defaults and refuses what AWS would refuse at deploy or run time, naming the setting.
 *
 * @example organizationSettings({ maxConcurrency: 40 }); // { memberRoleName: 'SageMakerComplianceMember', … }
 */
export function organizationSettings(props: OrganizationProps): OrganizationSettings {
  const settings: OrganizationSettings = {
    memberRoleName: props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME,
    administrator: props.administrator ?? 'delegated',
    maxConcurrency: props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    toleratedFailurePercentage: props.toleratedFailurePercentage ?? DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
    ous: props.ous ?? [],
    excludeAccounts: props.excludeAccounts ?? [],
  };
  if (!ROLE_NAME.test(settings.memberRoleName)) {
    throw new Error(`memberRoleName: "${settings.memberRoleName}" is not an IAM role name`);
  }
  if (!ORGANIZATION_ADMINISTRATORS.includes(settings.administrator)) {
    throw new Error(
      `organizationAdministrator: expected one of ${ORGANIZATION_ADMINISTRATORS.join(', ')}, got "${settings.administrator}"`,
    );
  }
  const { maxConcurrency, toleratedFailurePercentage } = settings;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > MAX_CONCURRENCY_LIMIT) {
    throw new Error(
      `maxConcurrency: expected a whole number from 1 to ${MAX_CONCURRENCY_LIMIT}, got ${maxConcurrency}`,
    );
  }
  if (
    !Number.isFinite(toleratedFailurePercentage) ||
    toleratedFailurePercentage < 0 ||
    toleratedFailurePercentage > 100
  ) {
    throw new Error(
      `toleratedFailurePercentage: expected a number from 0 to 100, got ${toleratedFailurePercentage}`,
    );
  }
  const badOu = settings.ous.find((id) => !OU_OR_ROOT.test(id));
  if (badOu !== undefined)
    throw new Error(`organizationOus: "${badOu}" is not an OU id (ou-…) or root id (r-…)`);
  const badAccount = settings.excludeAccounts.find((id) => !ACCOUNT_ID.test(id));
  if (badAccount !== undefined)
    throw new Error(`excludeAccounts: "${badAccount}" is not a 12-digit account id`);
  return settings;
}

/**
 * Lambda's own faults and throttling (the scan function's concurrency is reserved, so a burst
 * above it is refused with TooManyRequestsException), retried with exponential backoff and full
 * jitter so that throttled items do not retry in lockstep. A scan that threw is not retried: it
 * would read the same account the same way.
 */
export const LAMBDA_RETRY = {
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
} as const;

/** The names `${…}` in {@link organizationRunDefinition}, substituted by CloudFormation. */
export const DEFINITION_SUBSTITUTIONS = [
  'Partition',
  'ReportsBucket',
  'PlanFunctionArn',
  'ScanFunctionArn',
  'AggregateFunctionArn',
] as const;

export interface RunTimeouts {
  plan: Duration;
  scan: Duration;
  aggregate: Duration;
}

/** `${name}` in the definition: CloudFormation replaces it with the value of `DefinitionSubstitutions`. */
function substitution(name: (typeof DEFINITION_SUBSTITUTIONS)[number]): string {
  return `\${${name}}`;
}

/** Seconds a task may run: the function's own timeout plus a minute for the invocation itself. */
function taskTimeout(timeout: Duration): number {
  return timeout.toSeconds() + 60;
}

/**
 * The state machine's definition (Amazon States Language), with the payloads of
 * src/model/organization-run.ts: `plan` (its result at `$.plan`), a Distributed Map that reads the
 * plan file and runs the scan function once per account, and `aggregate`.
 *
 * The Map's child executions are STANDARD: an EXPRESS child lasts at most 5 minutes, and one
 * account's scan may take up to the scan function's timeout.
 *
 * @example organizationRunDefinition(settings, timeouts); // { StartAt: 'Plan', States: { … } }
 */
export function organizationRunDefinition(
  settings: Pick<OrganizationSettings, 'maxConcurrency' | 'toleratedFailurePercentage'>,
  timeouts: RunTimeouts,
): Record<string, unknown> {
  const runFolder = runPrefix('{}');
  return {
    Comment: 'Scans every account of the Organization and mails one digest',
    StartAt: 'Plan',
    TimeoutSeconds: RUN_TIMEOUT.toSeconds(),
    States: {
      Plan: {
        Type: 'Task',
        Resource: substitution('PlanFunctionArn'),
        Parameters: { 'runId.$': '$$.Execution.Name' },
        ResultPath: '$.plan',
        TimeoutSeconds: taskTimeout(timeouts.plan),
        Retry: [LAMBDA_RETRY],
        Next: 'ScanAccounts',
      },
      ScanAccounts: {
        Type: 'Map',
        ItemReader: {
          Resource: `arn:${substitution('Partition')}:states:::s3:getObject`,
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: substitution('ReportsBucket'), 'Key.$': '$.plan.key' },
        },
        ItemSelector: {
          kind: ORGANIZATION_ACCOUNT_EVENT,
          'runId.$': '$.plan.runId',
          'account.$': '$$.Map.Item.Value',
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'ScanAccount',
          States: {
            ScanAccount: {
              Type: 'Task',
              Resource: substitution('ScanFunctionArn'),
              TimeoutSeconds: taskTimeout(timeouts.scan),
              Retry: [LAMBDA_RETRY],
              End: true,
            },
          },
        },
        MaxConcurrency: settings.maxConcurrency,
        ToleratedFailurePercentage: settings.toleratedFailurePercentage,
        ResultWriter: {
          Resource: `arn:${substitution('Partition')}:states:::s3:putObject`,
          Parameters: {
            Bucket: substitution('ReportsBucket'),
            'Prefix.$': `States.Format('${runFolder}${RESULTS_FOLDER}', $.plan.runId)`,
          },
        },
        ResultPath: '$.map',
        Next: 'Aggregate',
      },
      Aggregate: {
        Type: 'Task',
        Resource: substitution('AggregateFunctionArn'),
        Parameters: {
          'runId.$': '$.plan.runId',
          'plan.$': '$.plan',
          'results.$': '$.map.ResultWriterDetails',
        },
        TimeoutSeconds: taskTimeout(timeouts.aggregate),
        Retry: [LAMBDA_RETRY],
        End: true,
      },
    },
  };
}

export interface OrganizationRunProps {
  settings: OrganizationSettings;
  plan: lambda.IFunction;
  scan: lambda.IFunction;
  aggregate: lambda.IFunction;
  /** The three functions' own timeouts: each task waits a minute longer. */
  timeouts: RunTimeouts;
  reportsBucket: s3.IBucket;
  /** Fixed, so the role can name the state machine's own ARN without depending on it. */
  stateMachineName: string;
}

/**
 * The Step Functions STANDARD state machine of an Organization run and its role, which may invoke
 * exactly the three functions, start and watch its own Distributed Map child executions, read the
 * plan files and write the Map results, and nothing else.
 *
 * @example new OrganizationRun(stack, 'OrganizationRun', { settings, plan, scan, aggregate, reportsBucket, stateMachineName });
 */
export class OrganizationRun extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: OrganizationRunProps) {
    super(scope, id);
    this.stateMachineName = props.stateMachineName;
    const stack = Stack.of(this);
    const { reportsBucket } = props;
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: props.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role = new iam.Role(this, 'Role', {
      description:
        'Runs the Organization scan: invokes its three functions, reads the plan and writes the Map results',
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': stateMachineArn },
        },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeRunFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: [props.plan.functionArn, props.scan.functionArn, props.aggregate.functionArn],
      }),
    );
    // "IAM policies for using Distributed Map states": the Map starts child executions of this
    // state machine, and watches and stops them (their ARNs are execution:<name>/<map run>:<id>).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StartMapChildExecutions',
        actions: ['states:StartExecution'],
        resources: [stateMachineArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WatchMapChildExecutions',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          stack.formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: `${props.stateMachineName}/*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    const runs = runPrefix('*');
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPlan',
        actions: ['s3:GetObject'],
        resources: [reportsBucket.arnForObjects(`${runs}${PLAN_FILE}`)],
      }),
    );
    // "IAM policies for ResultWriter": results are written in multipart uploads.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteMapResults',
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [reportsBucket.arnForObjects(`${runs}${RESULTS_FOLDER}/*`)],
      }),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(
        JSON.stringify(organizationRunDefinition(props.settings, props.timeouts)),
      ),
      definitionSubstitutions: {
        Partition: Aws.PARTITION,
        ReportsBucket: reportsBucket.bucketName,
        PlanFunctionArn: props.plan.functionArn,
        ScanFunctionArn: props.scan.functionArn,
        AggregateFunctionArn: props.aggregate.functionArn,
      },
      role: this.role,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: false,
    });
    this.acknowledgeFindings(logGroup, reportsBucket);
  }

  /**
   * Alarms on the runs: one that failed, timed out or was aborted (one metric-math alarm over the
   * three counts), and none that succeeded for `quietHours` (see {@link QUIET_ALARM_PERIOD}).
   */
  alarms(prefix: string, quietHours: number): cloudwatch.Alarm[] {
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/States',
        metricName,
        dimensionsMap: { StateMachineArn: this.stateMachine.stateMachineArn },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      });
    return [
      new cloudwatch.Alarm(this, 'RunFailedAlarm', {
        alarmName: `${prefix}organization-run-failed`,
        alarmDescription: `An Organization run failed, timed out (after ${RUN_TIMEOUT.toHours()} hours) or was aborted, so no digest was mailed for it. Open the execution in the Step Functions console (state machine ${this.stateMachineName}), read the failed state's error (a plan that could not list the accounts, more accounts failing than the tolerated percentage, the aggregate), fix the cause and start a new execution.`,
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
          usingMetrics: {
            failed: metric('ExecutionsFailed'),
            timedOut: metric('ExecutionsTimedOut'),
            aborted: metric('ExecutionsAborted'),
          },
          period: Duration.minutes(5),
          label: 'Organization runs that did not succeed',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'RunQuietAlarm', {
        alarmName: `${prefix}organization-quiet`,
        alarmDescription: `No Organization run has succeeded in ${quietHours} hours: the schedule may be disabled or deleted, or every run fails. Check that the schedule is enabled, look at the organization-run-failed alarm and the state machine's executions, then start an execution by hand.`,
        // One-hour periods, all of them breaching: a single success in the last 26 hours keeps
        // the alarm OK. A 26-hour period is impossible (above an hour, periods are whole days).
        metric: new cloudwatch.Metric({
          namespace: 'AWS/States',
          metricName: 'ExecutionsSucceeded',
          dimensionsMap: { StateMachineArn: this.stateMachine.stateMachineArn },
          period: QUIET_ALARM_PERIOD,
          statistic: cloudwatch.Stats.SUM,
        }),
        threshold: 1,
        evaluationPeriods: quietHours,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // Step Functions publishes nothing for an hour without executions: no data is the symptom.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    ];
  }

  private acknowledgeFindings(logGroup: logs.LogGroup, reportsBucket: s3.IBucket): void {
    const stack = Stack.of(this);
    const bucketArn = stack.resolve(reportsBucket.bucketArn) as { 'Fn::GetAtt': [string, string] };
    const bucket = `<${bucketArn['Fn::GetAtt'][0]}.Arn>`;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucket}/organization/runs/*/${PLAN_FILE}]`,
      reason:
        'Each run writes its plan under its own execution name, known only at run time; the wildcard is that one path segment, for s3:GetObject of plan.json files only.',
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucket}/organization/runs/*/${RESULTS_FOLDER}/*]`,
      reason:
        "The Distributed Map writes its manifest and result files under the run's own execution name and Map run id, both known only at run time; confined to the results folders of the runs.",
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<name>/*]'.replace(
        '<name>',
        this.stateMachineName,
      ),
      reason:
        'The Distributed Map names its child executions at run time (execution:<state machine>/<map run>:<id>); the wildcard covers only the child executions of this state machine, for DescribeExecution and StopExecution.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions delivers execution logs through CloudWatch Logs vended log deliveries, whose actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) accept only "*" ("Logging using CloudWatch Logs" in the Step Functions guide).',
    });
    Validations.of(this.role).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        "The role's only policies name this stack's own functions, bucket paths and state machine, and are created, changed and deleted with the role; a managed policy could be attached to other principals.",
    });
    Validations.of(logGroup).acknowledge({
      id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      reason:
        'CloudWatch Logs encrypts every log group at rest; these logs carry state transitions without execution data (includeExecutionData is off), and the stack key is deleted with the stack while this log group is retained.',
    });
    const noTracing =
      'The functions carry no X-Ray instrumentation, so a trace would show the states and invocations that the execution history and its logs already record; tracing would add xray:PutTraceSegments on "*" to the role.';
    Validations.of(this.stateMachine).acknowledge({ id: 'AwsSolutions-SF2', reason: noTracing });
    Validations.of(this.stateMachine).acknowledge({
      id: 'Serverless-StepFunctionStateMachineXray',
      reason: noTracing,
    });
  }
}
