import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { AwsClients, type ClientOptions } from '../collect/clients.ts';
import { hasIncompleteResponses } from '../collect/errors.ts';
import { plannedOrganization } from '../collect/organization.ts';
import type { LambdaEnvironment, NotifyMode } from '../config/env.ts';
import { type Annotations, annotateReport } from '../engine/annotate.ts';
import { generalRemediation } from '../engine/evaluate.ts';
import { runScan } from '../engine/scan.ts';
import { selectRules } from '../engine/select.ts';
import { describeStoreError, type PreviousReport, ReportStore } from '../history/store.ts';
import { UserInputError } from '../model/errors.ts';
import type { Inventory } from '../model/inventory.ts';
import type { AccountScanOutcome, OrganizationAccountEvent } from '../model/organization-run.ts';
import type { Report, TopicReach } from '../model/report.ts';
import { STATUSES } from '../model/result.ts';
import { toAsffFindings, workflowChanges } from '../report/asff.ts';
import { formatHtml } from '../report/html.ts';
import { fitResponse, type LambdaResponse } from '../report/lambda-response.ts';
import type { ImportOutcome } from '../report/security-hub.ts';
import { buildNotifications, PublishError, publishNotifications, shouldNotify } from '../report/sns.ts';
import { checkTopicReach } from '../report/sns-subscriptions.ts';
import type { Rule } from '../rules/types.ts';
import type { Suppression } from '../suppress/suppressions.ts';
import { parseScanEvent, type ScanRequest } from './event.ts';
import { CONFIRMED_SUBSCRIPTIONS_METRIC } from './service.ts';

export interface ScanHandlerDependencies {
  environment: LambdaEnvironment;
  logger: Logger;
  metrics: Metrics;
  sns: SNSClient;
  /** Where reports are stored; required when `environment.reportsBucket` is set. */
  s3?: S3Client;
  /** The deployed accepted exceptions, validated at cold start. */
  suppressions?: readonly Suppression[];
  /** AWS clients for one scan; a fresh set per invocation so the API call counts are per scan. */
  awsClients?: () => AwsClients;
  /**
   * The Security Hub client of a region; required when `environment.securityHub` is on. With
   * credentials (a member account's role), a client of that account.
   */
  securityHub?: (region: string, credentials?: ClientOptions['credentials']) => SecurityHubClient;
  /** Clients with a member account's credentials (Organization mode); default: the real SDK clients. */
  memberClients?: (options: Pick<ClientOptions, 'credentials' | 'counter'>) => AwsClients;
  /** Settings for the STS client that assumes the member role (an endpoint, in tests). */
  memberStsConfig?: Record<string, unknown>;
}

type InvocationContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>;

/**
 * The scan Lambda: a single-account invocation answers the report; one account of an Organization
 * run answers the small outcome the Distributed Map keeps for the digest.
 */
export interface ScanHandler {
  (event: OrganizationAccountEvent, context: InvocationContext): Promise<AccountScanOutcome>;
  (event: unknown, context: InvocationContext): Promise<LambdaResponse>;
}

/**
 * Lambda retries an asynchronous invocation under the same request id, so a scan id derived from it
 * is the same on every attempt and subscribers can drop the parts they already have. The id keeps
 * the UUID shape (RFC 9562 version 8) whatever the request id looks like, as it names an S3 key.
 * A caller without a request id (a direct call) gets a fresh random id.
 */
export function scanIdFor(awsRequestId: string | undefined): string {
  if (awsRequestId === undefined || awsRequestId === '') return randomUUID();
  const hex = createHash('sha256').update(`scan-id:${awsRequestId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function effectiveNotify(request: ScanRequest, environment: LambdaEnvironment): NotifyMode {
  // An Organization run's accounts are told in one digest, by the aggregate Lambda.
  if (request.dryRun || request.organizationAccount !== undefined) return 'never';
  const notify = request.notify ?? environment.notify;
  if (notify === 'changes' && environment.reportsBucket === undefined) {
    throw new UserInputError(
      'notify: "changes" needs the report history, and REPORTS_BUCKET is not set (use "on-findings" or "always")',
    );
  }
  return notify;
}

/**
 * Only a scan of the deployed scope may become the next baseline: a one-region manual audit would
 * otherwise make tomorrow's nightly scan report the other regions' problems as new.
 */
function usesDeployedScope(request: ScanRequest): boolean {
  return (
    request.regions === undefined &&
    request.rules === undefined &&
    request.allowedSourceCidrs === undefined &&
    request.skipDefaultVpcs === undefined
  );
}

function baselineOf(previous: PreviousReport | undefined): Annotations['baseline'] {
  if (previous === undefined) return undefined;
  if (previous.kind === 'unreadable') return { error: previous.error };
  return { previous: previous.kind === 'found' ? previous.previous : undefined, source: previous.source };
}

/** Each rule's general fix, worded as the engine words a result's default remediation. */
function remediationsOf(rules: readonly Rule[]): Record<string, string> {
  return Object.fromEntries(rules.map(({ meta }) => [meta.id, generalRemediation(meta)]));
}

function recordResultMetrics(metrics: Metrics, report: Report): void {
  for (const [ruleId, counts] of Object.entries(report.summary.byRule)) {
    for (const status of STATUSES) {
      const single = metrics.singleMetric();
      single.addDimension('ruleId', ruleId).addDimension('status', status);
      single.addMetric(
        'Results',
        MetricUnit.Count,
        counts[status.toLowerCase() as 'pass' | 'fail' | 'error'],
      );
    }
  }
}

/**
 * Logs and counts the Security Hub import. A region without Security Hub is a warning; a finding
 * that could not be imported is an error, counted in ScanErrors: nothing is dropped silently.
 */
function recordImport(logger: Logger, metrics: Metrics, outcome: ImportOutcome): number {
  metrics.addMetric('SecurityHubImported', MetricUnit.Count, outcome.imported);
  metrics.addMetric('SecurityHubFailed', MetricUnit.Count, outcome.failed.length);
  metrics.addMetric('SecurityHubWorkflowUpdated', MetricUnit.Count, outcome.workflowUpdated);
  // `message` is a key Powertools reserves for the log line itself: Security Hub's goes in `reason`.
  for (const { message, ...entry } of outcome.notEnabled) {
    logger.warn('Security Hub is not enabled: findings not imported (the scan results are unaffected)', {
      ...entry,
      reason: message,
    });
  }
  for (const { message, ...failure } of outcome.failed) {
    const what =
      failure.operation === undefined
        ? 'Security Hub did not import a finding'
        : 'Security Hub did not change the workflow status of a finding';
    logger.error(what, { ...failure, reason: message });
  }
  logger.info('Security Hub import finished', {
    imported: outcome.imported,
    workflowUpdated: outcome.workflowUpdated,
    failed: outcome.failed.length,
    notEnabled: outcome.notEnabled.length,
  });
  return outcome.failed.length;
}

/**
 * Logs and counts whether the findings topic reaches anyone; answers the ScanErrors it adds. The
 * metric is left out when the subscriptions could not be listed, so the alarm on it never reads an
 * unknown as "nobody", and ScanErrors raises its own alarm instead.
 */
function recordTopicReach(logger: Logger, metrics: Metrics, reach: TopicReach): number {
  if ('error' in reach) {
    logger.error('Checking the findings topic subscriptions failed', { error: reach.error });
    return 1;
  }
  metrics.addMetric(CONFIRMED_SUBSCRIPTIONS_METRIC, MetricUnit.Count, reach.confirmed);
  if (reach.warning !== undefined) logger.warn(reach.warning, { pending: reach.pending });
  return 0;
}

/** What the Distributed Map keeps of one account's scan: the digest reads the stored report. */
function accountOutcome(
  report: Report,
  inventory: Inventory,
  accountId: string,
  bucket: string,
  storageError: string | undefined,
): AccountScanOutcome {
  const prefix = `s3://${bucket}/`;
  const { pass, fail, error, muted } = report.summary;
  return {
    accountId,
    status: inventory.accounts.some((account) => account.unreadable !== undefined) ? 'unreadable' : 'scanned',
    ...(report.storedAt?.startsWith(prefix) ? { reportKey: report.storedAt.slice(prefix.length) } : {}),
    ...(storageError === undefined ? {} : { storageError }),
    complete: report.complete,
    summary: { pass, fail, error, muted },
  };
}

/**
 * The checks an `organization-account` event needs of the deployment: the member role to assume,
 * and the bucket the digest reads the account's report from.
 */
function memberSettings(environment: LambdaEnvironment): { roleName: string; bucket: string } {
  if (environment.memberRoleName === undefined) {
    throw new UserInputError(
      'environment variable MEMBER_ROLE_NAME is not set: an organization-account event is scanned through the member role it names',
    );
  }
  if (environment.reportsBucket === undefined) {
    throw new UserInputError(
      'environment variable REPORTS_BUCKET is not set: an organization-account scan stores its report there for the digest',
    );
  }
  return { roleName: environment.memberRoleName, bucket: environment.reportsBucket };
}

/**
 * The scan Lambda, with its collaborators passed in (the exported {@link handler} wires the real
 * ones once per cold start).
 *
 * @example
 * const handler = createScanHandler({ environment, logger, metrics, sns: new SNSClient({}) });
 * await handler({ dryRun: true }, context);
 */
export function createScanHandler(dependencies: ScanHandlerDependencies): ScanHandler {
  const { environment, logger, metrics, sns, suppressions } = dependencies;
  const awsClients = dependencies.awsClients ?? (() => new AwsClients({ rateShare: environment.rateShare }));
  // A member account's clients pace themselves on that account's own buckets.
  const memberClients =
    dependencies.memberClients ??
    ((options) => new AwsClients({ ...options, rateShare: environment.rateShare }));
  const { reportsBucket } = environment;
  const securityHub = environment.securityHub ? dependencies.securityHub : undefined;
  if (environment.securityHub && securityHub === undefined) {
    throw new Error('SECURITY_HUB is on but no Security Hub client was given to the scan handler');
  }
  if (reportsBucket !== undefined && dependencies.s3 === undefined) {
    throw new Error('REPORTS_BUCKET is set but no S3 client was given to the scan handler');
  }
  const store =
    reportsBucket === undefined || dependencies.s3 === undefined
      ? undefined
      : new ReportStore(dependencies.s3, reportsBucket);
  const scan = async (event: unknown, context: InvocationContext) => {
    const scanId = scanIdFor(context.awsRequestId);
    logger.appendKeys({ scanId });
    const started = Date.now();
    // One ScanErrors value per invocation: the scan's ERROR results, S3 writes that failed, and
    // the invocation itself when it fails.
    let scanErrors = 0;
    let resultsPublished = 0;
    try {
      const request = parseScanEvent(event);
      const member = request.organizationAccount;
      const memberSetup = member === undefined ? undefined : memberSettings(environment);
      // The member role's credentials as the scan assumed them, for the Security Hub import too.
      let memberCredentials: ClientOptions['credentials'];
      const notify = effectiveNotify(request, environment);
      const topicArn = environment.findingsTopicArn;
      if (notify !== 'never' && topicArn === undefined) {
        throw new UserInputError(
          'environment variable FINDINGS_TOPIC_ARN is not set: it is required to publish findings (invoke with {"dryRun": true} to scan without publishing)',
        );
      }
      const rules = selectRules(request.rules ?? environment.ruleIds, request.rules ? 'rules' : 'RULES');
      logger.info('Scan started', {
        trigger: request.trigger,
        dryRun: request.dryRun,
        notify,
        ...(member ? { accountId: member.account.accountId, runId: member.runId } : {}),
      });
      const clients = awsClients();
      const { report: scanned, inventory } = await runScan({
        scanId,
        rules,
        config: {
          allowedSourceCidrs: request.allowedSourceCidrs ?? environment.allowedSourceCidrs,
          approvedVpces: environment.approvedVpces,
          skipDefaultVpcs: request.skipDefaultVpcs ?? environment.skipDefaultVpcs,
        },
        source: {
          kind: 'live',
          clients,
          ...(member === undefined || memberSetup === undefined
            ? {}
            : {
                accounts: {
                  selection: {
                    kind: 'accounts',
                    accountIds: [member.account.accountId],
                    roleName: memberSetup.roleName,
                  },
                  clientsFor: (credentials) => {
                    memberCredentials = credentials;
                    return memberClients({ credentials, counter: clients.counter });
                  },
                  stsConfig: dependencies.memberStsConfig,
                  organization: plannedOrganization(
                    new Map([[member.account.accountId, member.account.organization]]),
                  ),
                },
              }),
          regions: request.regions ?? environment.regions,
          homeRegion: environment.homeRegion,
          regionConcurrency: environment.regionConcurrency,
          deadline: AbortSignal.timeout(
            Math.max(0, context.getRemainingTimeInMillis() - environment.deadlineMarginMs),
          ),
          timeLeftMs: () => context.getRemainingTimeInMillis() - environment.deadlineMarginMs,
          onNotice: (message) => logger.warn(message),
          onProgress: (message) => logger.debug(message),
        },
      });
      recordResultMetrics(metrics, scanned);
      const accountId = scanned.scope.accounts[0];
      const history = store !== undefined && accountId !== undefined ? { store, accountId } : undefined;
      const previous = await history?.store.readPrevious(accountId as string);
      if (previous?.kind === 'unreadable') {
        logger.warn('Previous report unreadable: every problem is treated as new', { error: previous.error });
      }
      let report = annotateReport(scanned, {
        suppressions,
        tagSuppression: environment.tagSuppressions
          ? { horizonDays: environment.suppressionHorizonDays }
          : undefined,
        baseline: baselineOf(previous),
        inventory,
        now: new Date(scanned.startedAt),
      });
      scanErrors = report.summary.error;
      // Each account of an Organization run publishes nothing: the digest checks no topic per account.
      if (topicArn !== undefined && member === undefined) {
        const topicReach = await checkTopicReach(sns, topicArn);
        scanErrors += recordTopicReach(logger, metrics, topicReach);
        report = { ...report, topicReach };
      }
      const { pass, fail, error, muted } = report.summary;
      logger.info('Scan finished', {
        pass,
        fail,
        error,
        muted,
        complete: report.complete,
        regions: report.scope.regions,
      });
      if (!report.complete) logger.warn('Scan incomplete: what was not read before the deadline is ERROR');

      // Stored before publishing so that the email can point to it. Storing is not publishing, so
      // dry runs are stored too. A failed store does not fail the invocation: an asynchronous
      // retry would run the whole scan again and send every alert twice, while the findings still
      // reach people through SNS and the failure is logged, counted and said in the email.
      let storageError: string | undefined;
      let htmlStorageError: string | undefined;
      if (history !== undefined) {
        try {
          report = await history.store.store(report, history.accountId);
          logger.info('Report stored', { storedAt: report.storedAt });
        } catch (failure) {
          storageError = describeStoreError(failure);
          scanErrors += 1;
          logger.error('Storing the report failed', { error: failure as Error });
        }
      }
      if (history !== undefined && storageError === undefined) {
        try {
          report = await history.store.storeHtml(report, formatHtml(report));
          logger.info('HTML report stored', { storedHtmlAt: report.storedHtmlAt });
        } catch (failure) {
          htmlStorageError = describeStoreError(failure);
          scanErrors += 1;
          logger.error('Storing the HTML report failed', { error: failure as Error });
        }
      }

      // Like publishing, importing is skipped on dry runs. Its failures never fail the invocation
      // (a retry would scan and alert again); findings carry stable ids, so the next import updates them.
      // An account of an Organization run imports into its own Security Hub, through its member role
      // (BatchImportFindings takes findings only from the account they name); not when it was unreadable.
      const unreadable = inventory.accounts.some((account) => account.unreadable !== undefined);
      if (securityHub !== undefined && !request.dryRun && !unreadable) {
        try {
          const asffOptions = { homeRegion: environment.homeRegion };
          // Imported here, not at cold start: the client's finding schema is a fifth of the bundle
          // and most deployments leave Security Hub off.
          const { importFindings } = await import('../report/security-hub.ts');
          scanErrors += recordImport(
            logger,
            metrics,
            await importFindings(
              toAsffFindings(report, asffOptions),
              ({ region }) => securityHub(region, memberCredentials),
              workflowChanges(report, asffOptions),
            ),
          );
        } catch (failure) {
          scanErrors += 1;
          logger.error('Importing into Security Hub failed', { error: failure as Error });
        }
      }

      if (topicArn !== undefined && shouldNotify(notify, report)) {
        const notifications = buildNotifications(report, topicArn, {
          remediations: remediationsOf(rules),
          storageError,
          htmlStorageError,
          reportsRegion: environment.homeRegion,
          chat: environment.chatNotifications,
        });
        const outcome = await publishNotifications(sns, notifications, (item, messageId) =>
          logger.info('Notification published', {
            part: item.part.number,
            parts: item.part.count,
            results: item.part.results.length,
            messageId,
          }),
        );
        resultsPublished = outcome.resultsPublished;
      }

      // The baseline moves only after the alert went out: if publishing fails, the retried
      // invocation must still see tonight's new problems as new, or NOTIFY=changes would stay quiet.
      // A partial scan, or one that got answers that were not AWS's, must not become the baseline:
      // tomorrow would report what it could not read as new.
      // An account that could not be read at all must not become its own baseline either: the next
      // readable scan would report every known failure as new, and Security Hub would archive them.
      const partial = !report.complete || hasIncompleteResponses(inventory) || unreadable;
      if (history !== undefined && usesDeployedScope(request) && !request.dryRun && partial) {
        logger.warn(
          'Baseline (latest.json) kept: this scan is incomplete, unreadable or got foreign answers',
        );
      } else if (history !== undefined && usesDeployedScope(request) && !request.dryRun) {
        try {
          const baselineUpdate = await history.store.updateLatest(report, history.accountId, previous);
          if (baselineUpdate.outcome === 'kept')
            logger.warn('Baseline (latest.json) not moved', baselineUpdate);
          report = { ...report, baselineUpdate };
        } catch (failure) {
          scanErrors += 1;
          logger.error('Updating the baseline (latest.json) failed', { error: failure as Error });
        }
      }
      if (memberSetup !== undefined && accountId !== undefined) {
        return accountOutcome(report, inventory, accountId, memberSetup.bucket, storageError);
      }
      return fitResponse(report);
    } catch (error) {
      if (error instanceof PublishError) {
        logger.error('Publishing the findings failed', {
          deliveredParts: error.deliveredParts,
          failedPart: error.failedPart,
          parts: error.partCount,
          error,
        });
      } else if (error instanceof UserInputError) {
        logger.error(error.message);
      } else {
        logger.error('Scan failed', { error: error as Error });
      }
      scanErrors += 1;
      throw error;
    } finally {
      metrics.addMetric('ScanErrors', MetricUnit.Count, scanErrors);
      metrics.addMetric('ScanDurationMs', MetricUnit.Milliseconds, Date.now() - started);
      metrics.addMetric('ResultsPublished', MetricUnit.Count, resultsPublished);
      metrics.publishStoredMetrics();
      logger.removeKeys(['scanId']);
    }
  };
  return scan as ScanHandler;
}
