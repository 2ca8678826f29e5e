import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { AwsClients } from '../collect/clients.ts';
import { loadPlanEnvironment } from '../config/organization-env.ts';
import { createPlanHandler, type PlanHandler } from './org-plan-handler.ts';
import { SERVICE_NAME } from './service.ts';

// Cold start: a bad environment fails the initialisation with a message naming the variable.
const environment = loadPlanEnvironment(process.env);

/** The Lambda entry point (`index.handler` in dist/org-plan/index.mjs). */
export const handler: PlanHandler = createPlanHandler({
  environment,
  logger: new Logger({ serviceName: `${SERVICE_NAME}-plan`, logLevel: environment.logLevel }),
  s3: new S3Client({ region: environment.homeRegion }),
  // Adaptive retries and the response checks of the scan's own clients.
  organizations: new AwsClients().organizations(environment.homeRegion),
});
