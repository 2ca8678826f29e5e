import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { AwsClients } from '../collect/clients.ts';
import type { LambdaEnvironment, NotifyMode } from '../config/env.ts';
import { runScan } from '../engine/scan.ts';
import { selectRules } from '../engine/select.ts';
import { UserInputError } from '../model/errors.ts';
import type { Report } from '../model/report.ts';
import { STATUSES } from '../model/result.ts';
import { fitResponse, type LambdaResponse } from '../report/lambda-response.ts';
import { buildNotifications, PublishError, publishNotifications, shouldNotify } from '../report/sns.ts';
import type { Rule } from '../rules/types.ts';
import { parseScanEvent, type ScanRequest } from './event.ts';

export const SERVICE_NAME = 'sagemaker-compliance-scanner';
export const METRICS_NAMESPACE = 'SageMakerComplianceScanner';

export interface ScanHandlerDependencies {
  environment: LambdaEnvironment;
  logger: Logger;
  metrics: Metrics;
  sns: SNSClient;
  /** AWS clients for one scan; a fresh set per invocation so the API call counts are per scan. */
  awsClients?: () => AwsClients;
}

export type ScanHandler = (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<LambdaResponse>;

function effectiveNotify(request: ScanRequest, environment: LambdaEnvironment): NotifyMode {
  if (request.dryRun) return 'never';
  return request.notify ?? environment.notify;
}

/** Each rule's general fix, worded as the engine words a result's default remediation. */
function remediationsOf(rules: readonly Rule[]): Record<string, string> {
  return Object.fromEntries(
    rules.map(({ meta }) => [
      meta.id,
      `${meta.remediation.text}${meta.remediation.cli ? ` (${meta.remediation.cli})` : ''}`,
    ]),
  );
}

function recordMetrics(metrics: Metrics, report: Report, durationMs: number): void {
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
  metrics.addMetric('ScanErrors', MetricUnit.Count, report.summary.error);
  metrics.addMetric('ScanDurationMs', MetricUnit.Milliseconds, durationMs);
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
  const { environment, logger, metrics, sns } = dependencies;
  const awsClients = dependencies.awsClients ?? (() => new AwsClients());
  return async (event, context) => {
    const scanId = randomUUID();
    logger.appendKeys({ scanId });
    const started = Date.now();
    try {
      const request = parseScanEvent(event);
      const notify = effectiveNotify(request, environment);
      const topicArn = environment.findingsTopicArn;
      if (notify !== 'never' && topicArn === undefined) {
        throw new UserInputError(
          'environment variable FINDINGS_TOPIC_ARN is not set: it is required to publish findings (invoke with {"dryRun": true} to scan without publishing)',
        );
      }
      const rules = selectRules(request.rules ?? environment.ruleIds, request.rules ? 'rules' : 'RULES');
      logger.info('Scan started', { trigger: request.trigger, dryRun: request.dryRun, notify });
      const { report } = await runScan({
        scanId,
        rules,
        config: {
          allowedSourceCidrs: request.allowedSourceCidrs ?? environment.allowedSourceCidrs,
          skipDefaultVpcs: request.skipDefaultVpcs ?? environment.skipDefaultVpcs,
        },
        source: {
          kind: 'live',
          clients: awsClients(),
          regions: request.regions ?? environment.regions,
          homeRegion: environment.homeRegion,
          regionConcurrency: environment.regionConcurrency,
          shouldStartRegion: () => context.getRemainingTimeInMillis() > environment.deadlineMarginMs,
          onProgress: (message) => logger.debug(message),
        },
      });
      recordMetrics(metrics, report, Date.now() - started);
      const { pass, fail, error } = report.summary;
      logger.info('Scan finished', {
        pass,
        fail,
        error,
        complete: report.complete,
        regions: report.scope.regions,
      });
      if (!report.complete) logger.warn('Scan incomplete: regions not started before the deadline are ERROR');

      let resultsPublished = 0;
      if (topicArn !== undefined && shouldNotify(notify, report)) {
        const notifications = buildNotifications(report, topicArn, { remediations: remediationsOf(rules) });
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
      metrics.addMetric('ResultsPublished', MetricUnit.Count, resultsPublished);
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
      metrics.addMetric('ScanErrors', MetricUnit.Count, 1);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
      logger.removeKeys(['scanId']);
    }
  };
}
