import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadLambdaEnvironment } from '../config/env.ts';
import { createScanHandler, METRICS_NAMESPACE, type ScanHandler, SERVICE_NAME } from './scan-handler.ts';

// Cold start: a bad environment fails the function's initialisation with a message that names the
// variable, before any invocation can run half-configured.
const environment = loadLambdaEnvironment(process.env);
const logger = new Logger({ serviceName: SERVICE_NAME, logLevel: environment.logLevel });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const sns = new SNSClient({ region: environment.findingsTopicArn?.split(':')[3] ?? environment.homeRegion });

/** The Lambda entry point (`index.handler` in dist/scan/index.mjs). */
export const handler: ScanHandler = createScanHandler({ environment, logger, metrics, sns });
