import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Aws,
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLE } from '../scripts/lambda-bundle.ts';
import { SCAN_CONFIG_NAME, SCAN_CONFIG_PATH, type ScanConfig } from '../src/config/bundled.ts';
import { type LogLevel, MAX_HORIZON_DAYS, type NotifyMode } from '../src/config/env.ts';
import { parseCidrs, parseRegions, parseVpceIds } from '../src/config/parse.ts';
import { selectRules } from '../src/engine/select.ts';
import {
  CONFIRMED_SUBSCRIPTIONS_METRIC,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../src/handlers/scan-handler.ts';
import { DEFAULT_HORIZON_DAYS } from '../src/suppress/suppressions.ts';
import { scannerReadActions } from './permissions.ts';
import { type SettingsRecord, type SuppressionScope, settingsRecord } from './settings-lock.ts';
import { SHIPPED_SUPPRESSIONS_NAME, SHIPPED_SUPPRESSIONS_PATH, stageSuppressions } from './suppressions.ts';
import { emailProblem, environmentProblem, scheduleProblem, timeZoneProblem } from './validate.ts';

/** 02:00 every night. */
export const DEFAULT_SCHEDULE = 'cron(0 2 * * ? *)';
export const DEFAULT_TIME_ZONE = 'UTC';
/** Emitted once by every scan that finished (complete or not), so its absence means "quiet". */
export const SCAN_COMPLETED_METRIC = 'ScanDurationMs';
/**
 * The schedule sets no `GroupName`, so Scheduler puts it in this group. Scheduler assumes the
 * execution role with `aws:SourceArn` = the group's ARN, never the schedule's.
 */
export const SCHEDULE_GROUP = 'default';
/** One night plus two hours of slack for a late or retried run. */
export const QUIET_HOURS = 26;

/** Sized for a large account: see "Memory and timeout" in the README. */
export const MEMORY_MB = 1024;
export const TIMEOUT = Duration.minutes(10);

/**
 * One scan at a time: an overlapping run (the schedule and a manual audit) is throttled instead of
 * racing the other for latest.json.
 */
export const DEFAULT_RESERVED_CONCURRENCY = 1;

/** A year of nightly reports plus a month, so last year's audit can still be compared. */
export const DEFAULT_REPORT_RETENTION_DAYS = 400;
/** Every report key starts `reports/<accountId>/`; the role can touch nothing else. */
export const REPORTS_PREFIX = 'reports';
/** What a scan stores under its account's prefix: the JSON report (and latest.json) and the HTML page. */
const REPORT_EXTENSIONS = ['json', 'html'] as const;

const HANDLER_ENTRY = fileURLToPath(new URL('../src/handlers/scan.ts', import.meta.url));

/** What a deployment may choose; everything has a default suited to a nightly scan. */
export interface ScannerStackProps extends StackProps {
  /** Email addresses subscribed to the findings topic. Each must confirm the subscription. */
  alertEmails?: string[];
  /**
   * Email addresses for the scanner's own alarms, on a second topic that gets only those. Default:
   * the alarms publish to the findings topic, and reach nobody when no one confirmed it.
   */
  operationsEmails?: string[];
  /** EventBridge Scheduler expression. Default {@link DEFAULT_SCHEDULE}. */
  schedule?: string;
  /** IANA time zone the schedule is read in, e.g. `Europe/Paris`. Default `UTC`. */
  timeZone?: string;
  /** Regions to scan, or `all` enabled regions. Default: the region the stack is deployed in. */
  regions?: string[] | 'all';
  /** Rule ids to run. Default: every rule in the registry. */
  rules?: string[];
  /** Approved source CIDRs for `aws:SourceIp` conditions. Default: none. */
  allowedSourceCidrs?: string[];
  /** VPC endpoint IDs (e.g. of a shared-services account) that aws:SourceVpce may name. Default: none. */
  approvedVpces?: string[];
  skipDefaultVpcs?: boolean;
  /** `always` also mails the nightly all-clear; `never` only returns reports. Default `on-findings`. */
  notify?: NotifyMode;
  /** Regions read at once, or `all` (the handler's default). */
  regionConcurrency?: number | 'all';
  /** The share of each documented AWS request rate the scan may use (API_RATE_SHARE). Default: the handler's 0.5. */
  apiRateShare?: number;
  logLevel?: LogLevel;
  /**
   * Default {@link DEFAULT_RESERVED_CONCURRENCY}, so two scans never overlap. `off` where the
   * account's concurrency quota is still 10: Lambda keeps 10 unreserved, so any reservation fails.
   */
  reservedConcurrency?: number | 'off';
  logRetention?: logs.RetentionDays;
  /**
   * The deployer's suppressions file (JSON, or YAML by extension), validated at synth and shipped
   * inside the function bundle as JSON, so every change to an exception is a reviewed commit.
   */
  suppressionsFile?: string;
  /**
   * Honour `sagemaker-compliance:suppress` resource tags. Off by default: anyone who can tag a
   * resource could then silence the scanner.
   */
  tagSuppressions?: boolean;
  /** How far ahead an exception may expire. Default 365 days. */
  suppressionHorizonDays?: number;
  /** Import the findings into the account's own Security Hub after each scan. Off by default. */
  securityHub?: boolean;
  /**
   * HTTPS subscribers of the topic (Amazon Q Developer in chat applications) get a chat digest
   * instead of the JSON report. Off by default: it changes what every HTTPS subscriber receives.
   */
  chatNotifications?: boolean;
  /** Days a report (and each replaced `latest.json`) is kept in the reports bucket. Default 400. */
  reportRetentionDays?: number;
}

/**
 * The nightly SageMaker compliance scanner: a scheduled Lambda that reads the account, keeps every
 * report in a retained S3 bucket, publishes findings (or only what changed) to an encrypted SNS
 * topic, and raises alarms on that topic when it fails or goes quiet.
 *
 * @example
 * new ScannerStack(app, 'SageMakerComplianceScanner', { alertEmails: ['secops@example.com'] });
 */
export class ScannerStack extends Stack {
  readonly topic: sns.Topic;
  /** Where the alarms publish: the operations topic with `operationsEmails`, else {@link topic}. */
  readonly alarmTopic: sns.Topic;
  readonly function: nodejs.NodejsFunction;
  readonly reportsBucket: s3.Bucket;
  /** The lists shipped as {@link SCAN_CONFIG_PATH} in the function bundle. */
  readonly scanConfig: ScanConfig;
  /** The validated entries of the suppressions file shipped with the function; none without one. */
  readonly suppressions: readonly SuppressionScope[];
  /** The subscriptions and suppressions this stack deploys, as the settings lock records them. */
  readonly settingsRecord: SettingsRecord;

  constructor(scope: Construct, id: string, props: ScannerStackProps = {}) {
    super(scope, id, props);
    const rules = selectRules(props.rules, 'rules');
    const alarmNamePrefix = `${this.stackName}-`;

    const key = new kms.Key(this, 'FindingsKey', {
      description: 'Encrypts the SageMaker compliance findings topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.topic = new sns.Topic(this, 'Findings', {
      displayName: 'SageMaker compliance findings',
      masterKey: key,
      enforceSSL: true,
    });
    // SNS can write to an encrypted dead-letter queue only with a customer managed key whose policy
    // lets SNS use it ("Amazon SNS dead-letter queues"), so this one shares the topics' key.
    const undeliveredNotifications =
      (props.alertEmails?.length ?? 0) + (props.operationsEmails?.length ?? 0) === 0
        ? undefined
        : encryptedQueue(this, 'UndeliveredNotifications', 'emails SNS could not deliver', key);
    subscribeEmails(this.topic, 'alertEmails', props.alertEmails, undeliveredNotifications);
    this.alarmTopic = this.topic;
    if ((props.operationsEmails ?? []).length > 0) {
      this.alarmTopic = new sns.Topic(this, 'OperationsAlarms', {
        displayName: 'SageMaker compliance scanner alarms',
        masterKey: key,
        enforceSSL: true,
      });
      subscribeEmails(this.alarmTopic, 'operationsEmails', props.operationsEmails, undeliveredNotifications);
    }
    if (undeliveredNotifications !== undefined) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'TopicsParkUndeliveredNotifications',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          // The topics' own ARNs would make the key depend on the topics that depend on it; the
          // names CloudFormation gives them start with the stack's. The queue policy names each.
          conditions: {
            ArnLike: {
              'aws:SourceArn': `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${this.stackName}-*`,
            },
          },
        }),
      );
    }

    const logGroup = new logs.LogGroup(this, 'ScanLogs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    Validations.of(logGroup).acknowledge({
      id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      reason:
        'CloudWatch Logs encrypts every log group at rest with its own keys. The log lines hold what the reports hold (resource ids and verdicts, no secrets), which the bucket keeps under SSE-S3; the stack key is deleted with the stack while this log group is retained, and would make the retained logs unreadable.',
    });
    this.reportsBucket = reportsBucket(
      this,
      positiveWholeNumber('reportRetentionDays', props.reportRetentionDays ?? DEFAULT_REPORT_RETENTION_DAYS),
    );
    const horizonDays = positiveWholeNumber(
      'suppressionHorizonDays',
      props.suppressionHorizonDays ?? DEFAULT_HORIZON_DAYS,
      MAX_HORIZON_DAYS,
    );
    const stagedSuppressions =
      props.suppressionsFile === undefined
        ? undefined
        : stageSuppressions(props.suppressionsFile, horizonDays);
    this.suppressions = stagedSuppressions?.suppressions ?? [];
    this.settingsRecord = settingsRecord(props, this.suppressions);
    this.scanConfig = {
      version: 1,
      rules: rules.map((rule) => rule.meta.id),
      ...(props.allowedSourceCidrs?.length
        ? { allowedSourceCidrs: parseCidrs(props.allowedSourceCidrs, 'allowedSourceCidrs') }
        : {}),
      ...(props.approvedVpces?.length
        ? { approvedVpces: parseVpceIds(props.approvedVpces, 'approvedVpces') }
        : {}),
    };

    const failureQueue = encryptedQueue(this, 'ScanFailures', 'failed scans after Lambda retries');
    const undeliveredQueue = encryptedQueue(this, 'UndeliveredInvocations', 'schedules Scheduler gave up on');

    const role = new iam.Role(this, 'ScanRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Reads what the enabled compliance rules need, stores its reports and publishes findings; changes nothing it scans',
    });
    const readActions = scannerReadActions(rules);
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ReadAccountForRules', actions: readActions, resources: ['*'] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishFindings',
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SeeWhoFindingsReach',
        actions: ['sns:ListSubscriptionsByTopic'],
        resources: [this.topic.topicArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptFindings',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
      }),
    );
    const ownReports = `${REPORTS_PREFIX}/${Aws.ACCOUNT_ID}`;
    // Only with If-None-Match (S3 then refuses a key that exists), so the role cannot rewrite a past
    // report; latest.json is replaced only with If-Match on the ETag its scan read, so an older run
    // cannot overwrite a newer baseline ("Enforce conditional writes on Amazon S3 buckets"). Only
    // the two kinds of object a scan stores: the JSON report and its HTML page.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StoreNewReports',
        actions: ['s3:PutObject'],
        resources: REPORT_EXTENSIONS.map((extension) =>
          this.reportsBucket.arnForObjects(`${ownReports}/*.${extension}`),
        ),
        conditions: { Null: { 's3:if-none-match': 'false' } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReplaceBaselineItRead',
        actions: ['s3:PutObject'],
        resources: [this.reportsBucket.arnForObjects(`${ownReports}/latest.json`)],
        conditions: { Null: { 's3:if-match': 'false' } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPreviousReport',
        actions: ['s3:GetObject'],
        resources: [this.reportsBucket.arnForObjects(`${ownReports}/latest.json`)],
      }),
    );
    // Without list permission S3 answers a missing key with 403, which would make the first scan
    // report "cannot read the previous report". Listing exactly that one key lets the first scan
    // see 404 (no previous report) while a real permission problem still shows as 403.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SeeWhetherPreviousReportExists',
        actions: ['s3:ListBucket'],
        resources: [this.reportsBucket.bucketArn],
        conditions: { StringEquals: { 's3:prefix': `${ownReports}/latest.json` } },
      }),
    );
    for (const extension of REPORT_EXTENSIONS) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.reportsBucket.node.defaultChild as s3.CfnBucket)}.Arn>/${REPORTS_PREFIX}/<AWS::AccountId>/*.${extension}]`,
        reason:
          "The scan writes new objects per run (the JSON report and its HTML page) whose keys (date and scan id) are only known at run time; the wildcard is confined to this account's prefix in this stack's bucket and to those two extensions, for s3:PutObject with If-None-Match only (no overwrite, read, list or delete).",
      });
    }
    if (props.securityHub) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ImportFindingsIntoOwnSecurityHub',
          actions: ['securityhub:BatchImportFindings'],
          resources: [
            `arn:${Aws.PARTITION}:securityhub:*:${Aws.ACCOUNT_ID}:product/${Aws.ACCOUNT_ID}/default`,
          ],
        }),
      );
      // A re-import cannot change a finding's workflow status: when an accepted exception begins or
      // ends, the scan sets it (SUPPRESSED, NEW, RESOLVED) on the account's own hub.
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SetWorkflowWhenMuteStateChanges',
          actions: ['securityhub:BatchUpdateFindings'],
          resources: [`arn:${Aws.PARTITION}:securityhub:*:${Aws.ACCOUNT_ID}:hub/default`],
        }),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:product/<AWS::AccountId>/default]',
        reason:
          "Findings go to the Security Hub of the region they are about, so the region is a wildcard; the resource is only this account's own default product, for securityhub:BatchImportFindings only.",
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:hub/default]',
        reason:
          "Findings are updated in the Security Hub of the region they are about, so the region is a wildcard; the resource is only this account's own hub, for securityhub:BatchUpdateFindings only (the workflow status of findings whose accepted exception began or ended).",
      });
    }
    acknowledgeInlinePolicy(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `${readActions.join(', ')} accept no resource but "*": EC2 Describe actions have no resource types, and iam:GetAccountAuthorizationDetails and iam:ListAccountAliases are account-wide; the Organizations reads name the root, OUs and policies of the management account, unknown when the stack is made. All are reads; infra/permissions.ts refuses any other action on "*".`,
    });
    const environment = {
      ...scanEnvironment(this.topic, props),
      SCAN_CONFIG_FILE: SCAN_CONFIG_PATH,
      REPORTS_BUCKET: this.reportsBucket.bucketName,
      SUPPRESSION_HORIZON_DAYS: String(horizonDays),
      TAG_SUPPRESSIONS: String(props.tagSuppressions ?? false),
      ...(props.securityHub ? { SECURITY_HUB: 'true' } : {}),
      ...(props.chatNotifications ? { CHAT_NOTIFICATIONS: 'true' } : {}),
      ...(stagedSuppressions === undefined ? {} : { SUPPRESSIONS_FILE: SHIPPED_SUPPRESSIONS_PATH }),
    };
    const environmentIssue = environmentProblem(environment, (value) => Token.isUnresolved(value));
    if (environmentIssue !== undefined) {
      throw new Error(`${environmentIssue}: shorten it`);
    }
    this.function = new nodejs.NodejsFunction(this, 'Scan', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: MEMORY_MB,
      timeout: TIMEOUT,
      role,
      logGroup,
      reservedConcurrentExecutions:
        props.reservedConcurrency === 'off'
          ? undefined
          : (props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY),
      description: 'Nightly and on-demand SageMaker PrivateLink compliance scan',
      environment,
      onFailure: new destinations.SqsDestination(failureQueue),
      retryAttempts: 2,
      bundling: scanBundling({
        [SCAN_CONFIG_NAME]: stageFile(SCAN_CONFIG_NAME, this.scanConfig),
        ...(stagedSuppressions === undefined ? {} : { [SHIPPED_SUPPRESSIONS_NAME]: stagedSuppressions.path }),
      }),
    });
    acknowledgeFunctionFindings(this.function);
    if (props.reservedConcurrency === 'off') {
      Validations.of(this.function).acknowledge({
        id: 'NIST.800.53.R5-LambdaConcurrency',
        reason:
          'reservedConcurrency is off on purpose: where the account concurrency quota is still 10, Lambda keeps 10 unreserved and refuses any reservation. Overlapping scans are then possible; the conditional writes of latest.json keep the baseline consistent (see Reliability in the README).',
      });
    }

    this.scheduleNightlyScan(props, undeliveredQueue);
    this.addAlarms(alarmNamePrefix, failureQueue, undeliveredQueue, undeliveredNotifications);
    this.restrictPublishers(key, role, alarmNamePrefix);

    new CfnOutput(this, 'FindingsTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'ScanFunctionName', { value: this.function.functionName });
    new CfnOutput(this, 'ReportsBucketName', {
      description: `Every scan report, under ${REPORTS_PREFIX}/<accountId>/<yyyy>/<mm>/<dd>/<scanId>.json and ${REPORTS_PREFIX}/<accountId>/latest.json`,
      value: this.reportsBucket.bucketName,
    });
    new CfnOutput(this, 'AuditCommand', {
      description:
        'Runs an audit now and prints the JSON report (the read timeout covers the function timeout)',
      value: Fn.join('', [
        'aws lambda invoke --region ',
        Aws.REGION,
        ' --function-name ',
        this.function.functionName,
        ` --cli-read-timeout ${TIMEOUT.toSeconds() + 60} --cli-binary-format raw-in-base64-out --payload '{}' report.json`,
      ]),
    });
  }

  private scheduleNightlyScan(props: ScannerStackProps, undeliveredQueue: sqs.Queue): void {
    const schedule = props.schedule ?? DEFAULT_SCHEDULE;
    const scheduleIssue = scheduleProblem(schedule);
    if (scheduleIssue !== undefined) {
      throw new Error(
        `schedule "${schedule}" is not a Scheduler expression such as ${DEFAULT_SCHEDULE}: ${scheduleIssue}`,
      );
    }
    const timeZone = props.timeZone ?? DEFAULT_TIME_ZONE;
    const timeZoneIssue = timeZoneProblem(timeZone);
    if (timeZoneIssue !== undefined) throw new Error(`timeZone: ${timeZoneIssue}`);
    const scheduleName = `${this.stackName}-nightly-scan`;
    const role = new iam.Role(this, 'SchedulerRole', {
      description: 'Lets the nightly schedule invoke the scan function and nothing else',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            // "Confused deputy prevention in EventBridge Scheduler": the ARN must be a schedule
            // group's; scoped to a schedule, AWS never lets the schedule assume the role.
            'aws:SourceArn': this.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: SCHEDULE_GROUP,
            }),
          },
        },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeScan',
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.functionArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ParkUndelivered',
        actions: ['sqs:SendMessage'],
        resources: [undeliveredQueue.queueArn],
      }),
    );
    acknowledgeInlinePolicy(role);
    new scheduler.CfnSchedule(this, 'NightlyScan', {
      name: scheduleName,
      description: 'Runs the SageMaker compliance scan with the deployed configuration',
      scheduleExpression: schedule,
      scheduleExpressionTimezone: timeZone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.function.functionArn,
        roleArn: role.roleArn,
        // Scheduler passes this as the event; an empty payload means "the deployed configuration".
        input: '{}',
        retryPolicy: { maximumRetryAttempts: 4, maximumEventAgeInSeconds: Duration.hours(2).toSeconds() },
        deadLetterConfig: { arn: undeliveredQueue.queueArn },
      },
    });
  }

  /** A dead-letter queue that holds anything means a run that did not happen: a person must look. */
  private queueNotEmptyAlarm(id: string, alarmName: string, alarmDescription: string, queue: sqs.Queue) {
    return new cloudwatch.Alarm(this, id, {
      alarmName,
      alarmDescription,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private addAlarms(
    prefix: string,
    failureQueue: sqs.Queue,
    undeliveredQueue: sqs.Queue,
    undeliveredNotifications: sqs.Queue | undefined,
  ): void {
    const notify = new cloudwatchActions.SnsAction(this.alarmTopic);
    const alarms = [
      new cloudwatch.Alarm(this, 'ScanErrorsAlarm', {
        alarmName: `${prefix}scan-errors`,
        alarmDescription:
          'The compliance scan function failed (it threw or timed out), so last night\'s findings may be missing. Open the function\'s log group, filter on "ERROR", fix the cause (permissions, quota, bad configuration) and run an audit by hand with the AuditCommand stack output.',
        metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      this.queueNotEmptyAlarm(
        'ScanFailuresQueueAlarm',
        `${prefix}scan-failures-queued`,
        'A scan failed on every Lambda retry and its event is in the ScanFailures queue: no findings were published for that run. Read the message (it holds the error), fix the cause, run an audit by hand, then purge the queue to clear this alarm.',
        failureQueue,
      ),
      this.queueNotEmptyAlarm(
        'UndeliveredInvocationsAlarm',
        `${prefix}schedule-undelivered`,
        'EventBridge Scheduler could not invoke the scan function (throttled, deleted or not permitted), so the nightly scan did not start. Read the message in the UndeliveredInvocations queue for the error code, fix it, run an audit by hand, then purge the queue.',
        undeliveredQueue,
      ),
      new cloudwatch.Alarm(this, 'ScannerQuietAlarm', {
        alarmName: `${prefix}scanner-quiet`,
        alarmDescription: `No compliance scan has finished in ${QUIET_HOURS} hours: the schedule may be disabled or deleted, or every run is failing before it reports. Check that the ${this.stackName}-nightly-scan schedule is enabled, look at the other scanner alarms and the function's logs, then run an audit by hand.`,
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: SCAN_COMPLETED_METRIC,
          // Powertools adds the service as a dimension to every metric it emits.
          dimensionsMap: { service: SERVICE_NAME },
          period: Duration.hours(1),
          statistic: cloudwatch.Stats.SAMPLE_COUNT,
        }),
        threshold: 1,
        evaluationPeriods: QUIET_HOURS,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // No data is exactly the symptom: a scanner that stopped emits nothing at all.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      new cloudwatch.Alarm(this, 'AlertsUnconfirmedAlarm', {
        alarmName: `${prefix}alerts-unconfirmed`,
        alarmDescription: `The last scan found no confirmed subscription on the findings topic: its findings, and this stack's alarms on that topic, reach nobody. Confirm a pending email subscription (the link in the "AWS Notification - Subscription Confirmation" email) or add a subscriber, then run an audit by hand; the report's topicReach says what the scan saw.`,
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: CONFIRMED_SUBSCRIPTIONS_METRIC,
          dimensionsMap: { service: SERVICE_NAME },
          period: Duration.hours(1),
          statistic: cloudwatch.Stats.MINIMUM,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // One value per scan: the alarm keeps the last scan's answer until the next one.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      }),
    ];
    if (undeliveredNotifications !== undefined) {
      alarms.push(
        this.queueNotEmptyAlarm(
          'UndeliveredNotificationsAlarm',
          `${prefix}notifications-undelivered`,
          'SNS gave up delivering a findings or alarm email after its retries and parked it in the UndeliveredNotifications queue, so someone missed it. Read the message there (it names the topic and holds the notification), check the subscription and the address, then purge the queue to clear this alarm and run an audit by hand with {"notify": "always"} to send the findings again.',
          undeliveredNotifications,
        ),
      );
    }
    for (const alarm of alarms) alarm.addAlarmAction(notify);
  }

  /**
   * Same-account principals with `sns:Publish` in their own policies could publish without the
   * topic's consent, so a Deny shuts out everyone but the scan role and this stack's alarms.
   */
  private restrictPublishers(key: kms.Key, scanRole: iam.Role, alarmNamePrefix: string): void {
    const ownAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: {
        'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${alarmNamePrefix}*`,
      },
    };
    const cloudwatchPrincipal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    for (const topic of new Set([this.topic, this.alarmTopic])) {
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AlarmsPublish',
          principals: [cloudwatchPrincipal],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: ownAlarms,
        }),
      );
    }
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ScannerPublishes',
        principals: [new iam.ArnPrincipal(scanRole.roleArn)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyScannerAndAlarmsPublish',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          // Both must hold to deny: a service principal has no PrincipalArn, a role no service name.
          StringNotEquals: {
            'aws:PrincipalArn': scanRole.roleArn,
            'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com',
          },
        },
      }),
    );
    if (this.alarmTopic !== this.topic) {
      this.alarmTopic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyAlarmsPublish',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['sns:Publish'],
          resources: [this.alarmTopic.topicArn],
          conditions: { StringNotEquals: { 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com' } },
        }),
      );
    }
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsEncryptNotifications',
        principals: [cloudwatchPrincipal],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: ownAlarms,
      }),
    );
  }
}

function subscribeEmails(
  topic: sns.Topic,
  setting: string,
  emails: readonly string[] = [],
  deadLetterQueue: sqs.Queue | undefined,
): void {
  for (const email of emails) {
    const emailIssue = emailProblem(email);
    if (emailIssue !== undefined) throw new Error(`${setting}: ${emailIssue}`);
    topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue }));
  }
}

/** Writes `content` as JSON to a fresh temporary directory, to be copied into the bundle. */
function stageFile(name: string, content: unknown): string {
  const staged = join(mkdtempSync(join(tmpdir(), 'scanner-bundle-')), name);
  writeFileSync(staged, `${JSON.stringify(content, null, 2)}\n`);
  return staged;
}

/**
 * How the handler is bundled. Each staged file (by its name in the bundle) is copied next to the
 * handler, where the function reads it under `/var/task` ({@link SCAN_CONFIG_PATH},
 * {@link SHIPPED_SUPPRESSIONS_PATH}); since the asset hash covers the bundle's output, a changed
 * list or exception redeploys the function.
 */
export function scanBundling(stagedFiles: Record<string, string> = {}): nodejs.BundlingOptions {
  return {
    forceDockerBundling: false,
    format: nodejs.OutputFormat.ESM,
    target: LAMBDA_BUNDLE.target,
    minify: true,
    sourceMap: true,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: LAMBDA_BUNDLE.banner,
    define: { ...LAMBDA_BUNDLE.define },
    bundleAwsSDK: true,
    externalModules: [],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      // Node, not `cp`, so the hook also runs where bundling uses cmd.exe.
      afterBundling: (_inputDir, outputDir) =>
        Object.entries(stagedFiles).map(
          ([name, staged]) =>
            `node -e "require('node:fs').copyFileSync(process.argv[1], process.argv[2])" ${JSON.stringify(staged)} ${JSON.stringify(join(outputDir, name))}`,
        ),
    },
  };
}

/**
 * The audit trail. SSE-S3 rather than the stack's KMS key: the bucket is retained when the stack is
 * deleted but the key is not, and reports encrypted with a deleted key could never be read again.
 */
function reportsBucket(scope: Construct, retentionDays: number): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'Reports', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        id: 'ExpireOldReports',
        expiration: Duration.days(retentionDays),
        noncurrentVersionExpiration: Duration.days(retentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'Only the scan role can write here, only under its own account prefix, and versioning keeps every overwritten latest.json; access logs would need a second bucket with the same question about its own logs. Enable CloudTrail S3 data events on this bucket where reads of the reports must be audited.',
  });
  Validations.of(bucket).acknowledge({
    id: 'NIST.800.53.R5-S3BucketLoggingEnabled',
    reason:
      'As AwsSolutions-S1: only the scan role writes, under its own prefix, and versioning keeps every replaced object; CloudTrail S3 data events audit reads where that is required.',
  });
  Validations.of(bucket).acknowledge({
    id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
    reason:
      'SSE-S3, not the stack key: the bucket is retained when the stack is deleted and the key is not, and reports encrypted with a deleted key could never be read again.',
  });
  Validations.of(bucket).acknowledge({
    id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
    reason:
      'The reports are versioned, retained on stack deletion and within S3 durability; a second copy would need a second bucket in another region and a replication role. Deployments that must keep an off-region copy add replication or AWS Backup to this bucket.',
  });
  return bucket;
}

function acknowledgeInlinePolicy(role: iam.Role): void {
  Validations.of(role).acknowledge({
    id: 'NIST.800.53.R5-IAMNoInlinePolicy',
    reason:
      "The role's only policy names this stack's own resources, and is created, changed and deleted with the role in the same stack; a managed policy could be attached to other principals, which is what this rule guards against.",
  });
}

/** The scan function's Serverless and NIST 800-53 findings that are accepted, and why. */
function acknowledgeFunctionFindings(fn: nodejs.NodejsFunction): void {
  const onFailure =
    'Asynchronous invocations that fail every retry go to the ScanFailures queue through an on-failure destination, which records the error with the event (Lambda recommends destinations over a dead-letter queue); a dead-letter queue as well would hold a second copy.';
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: onFailure });
  Validations.of(fn).acknowledge({ id: 'NIST.800.53.R5-LambdaDLQ', reason: onFailure });
  Validations.of(fn).acknowledge({
    id: 'NIST.800.53.R5-LambdaInsideVPC',
    reason:
      'The function only calls AWS APIs (EC2, IAM, SageMaker, SNS, S3, STS, Security Hub) and has no inbound path: no URL, only Scheduler and the account may invoke it. In a VPC it would need an interface endpoint per service in every scanned region, or a NAT gateway, at a fixed monthly cost and with no data kept inside the VPC.',
  });
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaTracing',
    reason:
      'The handler carries no X-Ray instrumentation, so active tracing would record only the invocation segment that the Lambda metrics already show; each scan logs its duration and the count of every AWS call it made, and tracing would add xray:PutTraceSegments on "*" to the role.',
  });
}

/** Checked here too, so a value the handler would refuse at every cold start never deploys. */
function positiveWholeNumber(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name}: expected a whole number from 1 to ${max}, got ${value}`);
  }
  return value;
}

/** A dead-letter queue, SQS-managed encryption unless `key` is given. */
function encryptedQueue(scope: Construct, id: string, purpose: string, key?: kms.Key): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    ...(key === undefined
      ? { encryption: sqs.QueueEncryption.SQS_MANAGED }
      : { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const reason = `This queue is itself a dead-letter queue (${purpose}); nothing consumes it automatically, an alarm tells a person to read it.`;
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  Validations.of(queue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason });
  return queue;
}

function scanEnvironment(topic: sns.Topic, props: ScannerStackProps): Record<string, string> {
  const regions =
    props.regions === undefined || props.regions === 'all'
      ? props.regions
      : parseRegions(props.regions, 'regions');
  const environment: Record<string, string> = {
    FINDINGS_TOPIC_ARN: topic.topicArn,
    // The handler's own default is its region; spelt out so the console shows what is scanned.
    SCAN_REGIONS: regions === undefined ? Aws.REGION : regions === 'all' ? 'all' : regions.join(','),
    SKIP_DEFAULT_VPCS: String(props.skipDefaultVpcs ?? false),
    NOTIFY: props.notify ?? 'on-findings',
    LOG_LEVEL: props.logLevel ?? 'INFO',
    NODE_OPTIONS: '--enable-source-maps',
  };
  if (props.regionConcurrency !== undefined) environment.REGION_CONCURRENCY = String(props.regionConcurrency);
  if (props.apiRateShare !== undefined) environment.API_RATE_SHARE = String(props.apiRateShare);
  return environment;
}
