import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadDeployedSuppressions, loadLambdaEnvironment } from '../config/env.ts';
import { createScanHandler, type ScanHandler } from './scan-handler.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from './service.ts';

// Cold start: a bad environment fails the function's initialisation with a message that names the
// variable, before any invocation can run half-configured.
const environment = loadLambdaEnvironment(process.env);
const suppressions = await loadDeployedSuppressions(environment, new Date());
const logger = new Logger({ serviceName: SERVICE_NAME, logLevel: environment.logLevel });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const sns = new SNSClient({ region: environment.findingsTopicArn?.split(':')[3] ?? environment.homeRegion });

// The stack creates the reports bucket in the function's own region.
const s3 =
  environment.reportsBucket === undefined ? undefined : new S3Client({ region: environment.homeRegion });

// Findings go to the Security Hub of the region they are about (global ones to the home region).
// The client loads only where the import is on: its finding schema is a fifth of the bundle. A
// member account's client (Organization mode) is its own: a warm function scans other accounts next.
const securityHub = environment.securityHub
  ? (await import('../report/security-hub.ts')).regionalClients()
  : undefined;

/** The Lambda entry point (`index.handler` in dist/scan/index.mjs). */
export const handler: ScanHandler = createScanHandler({
  environment,
  logger,
  metrics,
  sns,
  s3,
  suppressions,
  securityHub,
});
