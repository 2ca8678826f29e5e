import type { Logger } from '@aws-lambda-powertools/logger';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { describeAwsError } from '../collect/errors.ts';
import { OrganizationReader } from '../collect/organization.ts';
import { ORGANIZATION_VARIABLES, type PlanEnvironment } from '../config/organization-env.ts';
import { UserInputError } from '../model/errors.ts';
import { type PlanItem, type PlanOutput, planInput, runPrefix } from '../model/organization-run.ts';
import { parseRunPayload } from './run-payload.ts';

/**
 * SCP paths read at once. The reader shares every OU and policy between accounts, so past the
 * first accounts most reads are cached; the bound keeps the first wave under Organizations' low
 * request rate (the SDK's adaptive retries absorb the rest).
 */
export const PLAN_SCP_CONCURRENCY = 8;

export interface PlanHandlerDependencies {
  environment: PlanEnvironment;
  logger: Logger;
  s3: S3Client;
  /** The management account's or a delegated administrator's Organizations client. */
  organizations: OrganizationsClient;
}

export type PlanHandler = (event: unknown) => Promise<PlanOutput>;

/** The plan file's key for a run: the Distributed Map's `ItemReader` reads it. */
export function planKey(runId: string): string {
  return `${runPrefix(runId)}plan.json`;
}

/**
 * The `plan` Lambda: lists the ACTIVE accounts to scan, reads the SCPs on each account's path once
 * for the whole Organization, and writes the plan file the Distributed Map iterates over. An
 * Organization that cannot be listed, or an SCP path that cannot be read, fails the run: a plan
 * without an account's SCPs would judge it as if none applied.
 *
 * @example
 * const plan = createPlanHandler({ environment, logger, s3, organizations });
 * await plan({ runId: 'nightly-2026-03-01' }); // { runId, bucket, key, accountCount, managementAccountId }
 */
export function createPlanHandler(dependencies: PlanHandlerDependencies): PlanHandler {
  const { environment, logger, s3 } = dependencies;
  return async (event) => {
    const { runId } = parseRunPayload(planInput, event, 'plan input');
    const reader = new OrganizationReader(dependencies.organizations);
    let accounts: { id: string; name: string }[];
    try {
      accounts = await reader.activeAccountsNamed(
        environment.ous,
        environment.excludeAccounts,
        `environment variable ${ORGANIZATION_VARIABLES.ous}`,
      );
    } catch (error) {
      if (error instanceof UserInputError) throw error;
      const { code, message } = describeAwsError(error);
      throw new Error(
        `plan: could not list the accounts of the Organization (${code}: ${message}); the plan Lambda needs the management account's or a delegated administrator's organizations:ListAccounts`,
      );
    }
    if (accounts.length === 0) {
      throw new UserInputError(
        'plan: no ACTIVE account is left to scan (check ORGANIZATION_OUS and EXCLUDE_ACCOUNTS)',
      );
    }
    const limit = pLimit(PLAN_SCP_CONCURRENCY);
    const items: PlanItem[] = await Promise.all(
      accounts.map(({ id, name }) =>
        limit(async () => {
          try {
            return { accountId: id, accountName: name, organization: await reader.accountSection(id) };
          } catch (error) {
            const { code, message } = describeAwsError(error);
            throw new Error(
              `plan: could not read the SCPs on the path of account ${id} (${code}: ${message}); no account is scanned without its SCPs`,
            );
          }
        }),
      ),
    );
    const key = planKey(runId);
    await s3.send(
      new PutObjectCommand({
        Bucket: environment.reportsBucket,
        Key: key,
        Body: JSON.stringify(items),
        ContentType: 'application/json',
      }),
    );
    const member = items.find((item) => item.organization.membership === 'member')?.organization;
    const managementAccountId = member?.membership === 'member' ? member.managementAccountId : undefined;
    logger.info('Plan written', { runId, key, accounts: items.length, managementAccountId });
    return {
      runId,
      bucket: environment.reportsBucket,
      key,
      accountCount: items.length,
      ...(managementAccountId === undefined ? {} : { managementAccountId }),
    };
  };
}
