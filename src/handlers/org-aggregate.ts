import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadAggregateEnvironment } from '../config/organization-env.ts';
import { type AggregateHandler, createAggregateHandler } from './org-aggregate-handler.ts';
import { SERVICE_NAME } from './service.ts';

// Cold start: a bad environment fails the initialisation with a message naming the variable.
const environment = loadAggregateEnvironment(process.env);

/** The Lambda entry point (`index.handler` in dist/org-aggregate/index.mjs). */
export const handler: AggregateHandler = createAggregateHandler({
  environment,
  logger: new Logger({ serviceName: `${SERVICE_NAME}-aggregate`, logLevel: environment.logLevel }),
  s3: new S3Client({ region: environment.homeRegion }),
  sns: new SNSClient({ region: environment.findingsTopicArn.split(':')[3] }),
});
