import type { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import pLimit from 'p-limit';
import * as z from 'zod';
import type { AggregateEnvironment } from '../config/organization-env.ts';
import {
  describeExecutionFailure,
  type ListedExecution,
  parseJsonText,
  readJson,
  readMapResults,
} from '../history/map-results.ts';
import { describeStoreError } from '../history/store.ts';
import {
  type AccountScanOutcome,
  accountScanOutcome,
  aggregateInput,
  organizationAccountEvent,
  type PlanItem,
  planItem,
} from '../model/organization-run.ts';
import type { Report } from '../model/report.ts';
import {
  buildDigest,
  type DigestAccountSummary,
  type DigestMapItemFailure,
  formatDigestEmail,
  type OrganizationDigest,
  summarizeAccount,
} from '../report/organization-digest.ts';
import { buildDigestNotifications } from '../report/organization-sns.ts';
import { publishNotifications } from '../report/sns.ts';
import { parseRunPayload } from './run-payload.ts';

/** Stored reports read at once: enough to hide S3's latency, few enough to bound the memory. */
export const AGGREGATE_READ_CONCURRENCY = 16;

export interface AggregateHandlerDependencies {
  environment: AggregateEnvironment;
  logger: Logger;
  s3: S3Client;
  sns: SNSClient;
  now?: () => Date;
}

export interface AggregateOutput {
  runId: string;
  digestKey: string;
  accounts: number;
  accountsErrored: number;
  newOrRegressed: number;
  messageIds: string[];
}

export type AggregateHandler = (event: unknown) => Promise<AggregateOutput>;

/** `reports/organization/<yyyy>/<mm>/<dd>/<runId>.json`, dated by the UTC day of the digest. */
export function digestKey(runId: string, at: Date): string {
  return `reports/organization/${at.toISOString().slice(0, 10).replaceAll('-', '/')}/${runId}.json`;
}

/** What the Map Run says of one account: its scan's outcome, or why there is none. */
type MapVerdict = { outcome: AccountScanOutcome } | { failure: string; mapItem?: DigestMapItemFailure };

/** The JSON value of a field of a Map Run record, or why there is none (`what` names the field). */
function recordJson(text: string | undefined, what: string): { value: unknown } | { problem: string } {
  try {
    return { value: parseJsonText(text ?? '', what) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** A succeeded execution's verdict: its output, if that is the scan outcome of its account. */
function succeededVerdict(record: ListedExecution['record'], accountId: string): MapVerdict {
  const output = recordJson(record.Output, 'its output');
  if ('problem' in output) return { failure: `its scan succeeded, but ${output.problem}` };
  const outcome = accountScanOutcome.safeParse(output.value);
  return outcome.success && outcome.data.accountId === accountId
    ? { outcome: outcome.data }
    : { failure: 'its scan succeeded, but its output is not the scan outcome of this account' };
}

/**
 * Each account's verdict from the child executions. A succeeded execution whose output is not an
 * AccountScanOutcome is a failure too: the digest never counts an answer it cannot read as clean.
 */
function verdictsOf(executions: readonly ListedExecution[], logger: Logger): Map<string, MapVerdict> {
  const verdicts = new Map<string, MapVerdict>();
  for (const { file, record } of executions) {
    const input = recordJson(record.Input, 'its input');
    const event = organizationAccountEvent.safeParse('value' in input ? input.value : undefined);
    if (!event.success) {
      logger.error('A Map Run execution names no account of the plan', {
        execution: record.ExecutionArn ?? record.Name,
        status: record.Status,
        ...('problem' in input ? { problem: input.problem } : {}),
      });
      continue;
    }
    const { accountId } = event.data.account;
    let verdict: MapVerdict;
    if (file === 'SUCCEEDED') {
      verdict = succeededVerdict(record, accountId);
    } else if (file === 'PENDING') {
      verdict = { failure: 'its scan never ran: the Map Run ended before it started' };
    } else {
      const why = describeExecutionFailure(record.Error, record.Cause);
      verdict = {
        failure: `its scan failed (Map item ${record.Status}${why ? `: ${why}` : ''})`,
        mapItem: {
          status: record.Status,
          ...(record.Error === undefined ? {} : { error: record.Error }),
          ...(record.Cause === undefined ? {} : { cause: record.Cause }),
        },
      };
    }
    // A redriven item may be listed more than once: a success wins over the failures before it.
    if (!('outcome' in (verdicts.get(accountId) ?? {}))) verdicts.set(accountId, verdict);
  }
  return verdicts;
}

const storedReport = z.looseObject({
  scanId: z.string(),
  complete: z.boolean(),
  scope: z.looseObject({ accounts: z.array(z.string()) }),
  summary: z.looseObject({ pass: z.number(), fail: z.number(), error: z.number(), muted: z.number() }),
  results: z.array(z.looseObject({ ruleId: z.string(), status: z.enum(['PASS', 'FAIL', 'ERROR']) })),
});

/**
 * The `aggregate` Lambda: reads the plan and the Map Run's results, reads each account's stored
 * report (a bounded number at a time, each reduced to its summary at once), builds the
 * Organization digest, stores it (JSON and text) and publishes its one message set.
 *
 * @example
 * const aggregate = createAggregateHandler({ environment, logger, s3, sns });
 * await aggregate({ runId, plan, results: { Bucket, Key } });
 */
export function createAggregateHandler(dependencies: AggregateHandlerDependencies): AggregateHandler {
  const { environment, logger, s3, sns } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  return async (event) => {
    const { runId, plan, results } = parseRunPayload(aggregateInput, event, 'aggregate input');
    const planned = parseRunPayload(
      z.array(planItem),
      await readJson(s3, plan.bucket, plan.key, 'the plan'),
      `the plan s3://${plan.bucket}/${plan.key}`,
    );
    const verdicts = verdictsOf(await readMapResults(s3, results), logger);
    const limit = pLimit(AGGREGATE_READ_CONCURRENCY);
    const summaries = await Promise.all(
      planned.map((item) => limit(() => summarize(item, verdicts.get(item.accountId)))),
    );
    const generated = now();
    const key = digestKey(runId, generated);
    const digest: OrganizationDigest = buildDigest({
      runId,
      generatedAt: generated.toISOString(),
      managementAccountId: plan.managementAccountId,
      accounts: summaries,
      storedAt: `s3://${environment.reportsBucket}/${key}`,
    });
    await put(key, JSON.stringify(digest), 'application/json');
    await put(key.replace(/\.json$/, '.txt'), formatDigestEmail(digest), 'text/plain; charset=utf-8');
    logger.info('Digest stored', { key, ...digest.totals });
    const notifications = buildDigestNotifications(digest, environment.findingsTopicArn, {
      chat: environment.chatNotifications,
    });
    const { messageIds } = await publishNotifications(sns, notifications, (item, messageId) =>
      logger.info('Digest published', { part: item.part.number, parts: item.part.count, messageId }),
    );
    return {
      runId,
      digestKey: key,
      accounts: digest.totals.accounts,
      accountsErrored: digest.totals.accountsErrored,
      newOrRegressed: digest.totals.newOrRegressed,
      messageIds,
    };
  };

  async function put(key: string, body: string, contentType: string): Promise<void> {
    await s3.send(
      new PutObjectCommand({
        Bucket: environment.reportsBucket,
        Key: key,
        Body: body,
        ContentType: contentType,
      }),
    );
  }

  async function summarize(item: PlanItem, verdict: MapVerdict | undefined): Promise<DigestAccountSummary> {
    const { accountId, accountName } = item;
    const bucket = environment.reportsBucket;
    if (verdict === undefined) {
      return summarizeAccount({ accountId, accountName, failure: 'the Map Run has no result for it' });
    }
    if ('failure' in verdict) return summarizeAccount({ accountId, accountName, ...verdict });
    const { outcome } = verdict;
    if (outcome.reportKey === undefined) {
      return summarizeAccount({
        accountId,
        accountName,
        outcome,
        failure: `its report was not stored${outcome.storageError ? ` (${outcome.storageError})` : ''}`,
      });
    }
    try {
      const report = parseRunPayload(
        storedReport,
        await readJson(s3, bucket, outcome.reportKey, 'the report'),
        `the report s3://${bucket}/${outcome.reportKey}`,
      ) as unknown as Report;
      if (!report.scope.accounts.includes(accountId)) {
        throw new Error(`the report s3://${bucket}/${outcome.reportKey} is not about account ${accountId}`);
      }
      return summarizeAccount({ accountId, accountName, outcome, report });
    } catch (error) {
      logger.error('Reading an account report failed', { accountId, error: error as Error });
      return summarizeAccount({
        accountId,
        accountName,
        outcome,
        failure: `its report could not be read: ${describeStoreError(error)}`,
      });
    }
  }
}
