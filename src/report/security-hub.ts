import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandOutput,
  BatchUpdateFindingsCommand,
  type BatchUpdateFindingsCommandOutput,
  SecurityHubClient,
  type SecurityHubClientConfig,
} from '@aws-sdk/client-securityhub';
import type { Report } from '../model/report.ts';
import { type AsffOptions, toAsffFindings, type WorkflowChange, workflowChanges } from './asff.ts';
import { TOOL } from './build.ts';

/** `BatchImportFindings` and `BatchUpdateFindings` take at most 100 findings per call. */
export const MAX_FINDINGS_PER_BATCH = 100;

/** The note each workflow change leaves on the finding, saying who changed it and why. */
const WORKFLOW_NOTES: Record<WorkflowChange['status'], string> = {
  SUPPRESSED: `${TOOL.name}: an accepted exception covers this finding (reason and expiry in its ProductFields).`,
  NEW: `${TOOL.name}: the accepted exception no longer applies, so this finding is active again.`,
  RESOLVED: `${TOOL.name}: the accepted exception no longer applies, and the check now passes.`,
};

/** The error Security Hub answers with when it is not enabled in the account and region. */
const NOT_ENABLED = 'InvalidAccessException';

export interface SecurityHubTarget {
  accountId: string;
  region: string;
}

export interface FailedImport extends SecurityHubTarget {
  findingId: string;
  code: string;
  message: string;
  /** Set when the failure is of the workflow update of an imported finding, not of its import. */
  operation?: 'BatchUpdateFindings';
}

export interface ImportOutcome {
  imported: number;
  /** Findings whose workflow status was changed with `BatchUpdateFindings` (mute state changed). */
  workflowUpdated: number;
  /** Findings not imported after one retry, or whose batch failed: each is an ERROR of the run. */
  failed: FailedImport[];
  /** Account and region pairs without Security Hub: a notice, not an error of the scan. */
  notEnabled: Array<SecurityHubTarget & { findings: number; message: string }>;
}

/**
 * The client that imports into one account's own Security Hub in one region: the API accepts a
 * finding only from the account named in its `AwsAccountId`.
 */
export type SecurityHubClientFor = (target: SecurityHubTarget) => SecurityHubClient;

function targetOf(finding: AwsSecurityFinding): SecurityHubTarget {
  return { accountId: finding.AwsAccountId ?? '', region: finding.ProductArn?.split(':')[3] ?? '' };
}

function byTarget(findings: readonly AwsSecurityFinding[]): Map<string, AwsSecurityFinding[]> {
  const groups = new Map<string, AwsSecurityFinding[]>();
  for (const finding of findings) {
    const { accountId, region } = targetOf(finding);
    const key = `${accountId}/${region}`;
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  }
  return groups;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

interface BatchAnswer {
  imported: number;
  failed: Array<{ findingId: string; code: string; message: string }>;
}

/**
 * An answer without its counts, or with counts that do not add up to the batch, proves nothing
 * was imported: the whole batch is then failed rather than assumed done.
 */
function readAnswer(batch: AwsSecurityFinding[], answer: BatchImportFindingsCommandOutput): BatchAnswer {
  const failedFindings = answer.FailedFindings ?? [];
  if (
    typeof answer.SuccessCount !== 'number' ||
    typeof answer.FailedCount !== 'number' ||
    answer.SuccessCount + answer.FailedCount !== batch.length ||
    failedFindings.length !== answer.FailedCount
  ) {
    return {
      imported: 0,
      failed: batch.map((finding) => ({
        findingId: finding.Id ?? '',
        code: 'MalformedResponse',
        message: `BatchImportFindings answered SuccessCount ${answer.SuccessCount}, FailedCount ${answer.FailedCount} and ${failedFindings.length} FailedFindings for ${batch.length} findings`,
      })),
    };
  }
  return {
    imported: answer.SuccessCount,
    failed: failedFindings.map((failure) => ({
      findingId: failure.Id ?? '',
      code: failure.ErrorCode ?? 'Unknown',
      message: failure.ErrorMessage ?? '',
    })),
  };
}

async function send(client: SecurityHubClient, batch: AwsSecurityFinding[]): Promise<BatchAnswer> {
  return readAnswer(batch, await client.send(new BatchImportFindingsCommand({ Findings: batch })));
}

/** Sends one batch; the findings Security Hub refuses are sent once more, on their own. */
async function importBatch(client: SecurityHubClient, batch: AwsSecurityFinding[]): Promise<BatchAnswer> {
  const first = await send(client, batch);
  if (first.failed.length === 0) return first;
  const refused = new Set(first.failed.map((failure) => failure.findingId));
  try {
    const retry = await send(
      client,
      batch.filter((finding) => refused.has(finding.Id ?? '')),
    );
    return { imported: first.imported + retry.imported, failed: retry.failed };
  } catch (error) {
    const { name, message } = error as Error;
    return {
      imported: first.imported,
      failed: [...refused].map((findingId) => ({ findingId, code: name, message })),
    };
  }
}

/**
 * An answer whose processed and unprocessed findings do not add up to the batch proves nothing
 * was updated: the whole batch is then failed rather than assumed done.
 */
function readUpdateAnswer(batch: WorkflowChange[], answer: BatchUpdateFindingsCommandOutput): BatchAnswer {
  const processed = answer.ProcessedFindings;
  const unprocessed = answer.UnprocessedFindings;
  if (
    !Array.isArray(processed) ||
    !Array.isArray(unprocessed) ||
    processed.length + unprocessed.length !== batch.length
  ) {
    return {
      imported: 0,
      failed: batch.map((change) => ({
        findingId: change.Id,
        code: 'MalformedResponse',
        message: `BatchUpdateFindings answered ${processed?.length} ProcessedFindings and ${unprocessed?.length} UnprocessedFindings for ${batch.length} findings`,
      })),
    };
  }
  return {
    imported: processed.length,
    failed: unprocessed.map((failure) => ({
      findingId: failure.FindingIdentifier?.Id ?? '',
      code: failure.ErrorCode ?? 'Unknown',
      message: failure.ErrorMessage ?? '',
    })),
  };
}

/** Sets one workflow status on up to 100 findings of one account and region, with its note. */
async function updateBatch(client: SecurityHubClient, batch: WorkflowChange[]): Promise<BatchAnswer> {
  const status = (batch[0] as WorkflowChange).status;
  try {
    const answer = await client.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: batch.map(({ Id, ProductArn }) => ({ Id, ProductArn })),
        Workflow: { Status: status },
        Note: { Text: WORKFLOW_NOTES[status], UpdatedBy: TOOL.name },
      }),
    );
    return readUpdateAnswer(batch, answer);
  } catch (error) {
    const { name, message } = error as Error;
    return { imported: 0, failed: batch.map((change) => ({ findingId: change.Id, code: name, message })) };
  }
}

/**
 * Tells Security Hub the workflow status of findings whose mute state changed, after they were
 * imported: by account and region (skipping those without Security Hub), then by status, in
 * batches of at most 100. A finding not updated is a failure, like one not imported.
 */
async function updateWorkflows(
  changes: readonly WorkflowChange[],
  clientFor: SecurityHubClientFor,
  outcome: ImportOutcome,
): Promise<void> {
  const skipped = new Set(outcome.notEnabled.map(({ accountId, region }) => `${accountId}/${region}`));
  const groups = new Map<string, WorkflowChange[]>();
  for (const change of changes) {
    const region = change.ProductArn.split(':')[3] ?? '';
    const target = `${change.AwsAccountId}/${region}`;
    if (skipped.has(target)) continue;
    const key = `${target}/${change.status}`;
    groups.set(key, [...(groups.get(key) ?? []), change]);
  }
  for (const group of groups.values()) {
    const first = group[0] as WorkflowChange;
    const target = { accountId: first.AwsAccountId, region: first.ProductArn.split(':')[3] ?? '' };
    for (const batch of chunks(group, MAX_FINDINGS_PER_BATCH)) {
      const answer = await updateBatch(clientFor(target), batch);
      outcome.workflowUpdated += answer.imported;
      outcome.failed.push(
        ...answer.failed.map((failure) => ({
          ...target,
          ...failure,
          operation: 'BatchUpdateFindings' as const,
        })),
      );
    }
  }
}

/**
 * Imports findings with `BatchImportFindings`, into each finding's own account and region, in
 * batches of at most 100, then sets the workflow status of those whose mute state changed
 * ({@link workflowChanges}) with `BatchUpdateFindings`. Nothing is dropped silently: every finding
 * is imported, failed (with Security Hub's error code) or counted under `notEnabled`.
 *
 * @example await importFindings(toAsffFindings(report), ({ region }) => new SecurityHubClient({ region }))
 */
export async function importFindings(
  findings: readonly AwsSecurityFinding[],
  clientFor: SecurityHubClientFor,
  changes: readonly WorkflowChange[] = [],
): Promise<ImportOutcome> {
  const outcome: ImportOutcome = { imported: 0, workflowUpdated: 0, failed: [], notEnabled: [] };
  for (const group of byTarget(findings).values()) {
    const target = targetOf(group[0] as AwsSecurityFinding);
    const client = clientFor(target);
    const batches = chunks(group, MAX_FINDINGS_PER_BATCH);
    for (const [index, batch] of batches.entries()) {
      try {
        const answer = await importBatch(client, batch);
        outcome.imported += answer.imported;
        outcome.failed.push(...answer.failed.map((failure) => ({ ...target, ...failure })));
      } catch (error) {
        const { name, message } = error as Error;
        if (name === NOT_ENABLED) {
          const left = batches.slice(index).reduce((sum, rest) => sum + rest.length, 0);
          outcome.notEnabled.push({ ...target, findings: left, message });
          break;
        }
        outcome.failed.push(
          ...batch.map((finding) => ({ ...target, findingId: finding.Id ?? '', code: name, message })),
        );
      }
    }
  }
  await updateWorkflows(changes, clientFor, outcome);
  return outcome;
}

/** The run summary's lines about the import: a count, a notice per region without Security Hub, and the errors. */
export function importSummaryLines(outcome: ImportOutcome): string[] {
  const lines = [
    `Security Hub: ${outcome.imported} findings imported${outcome.workflowUpdated > 0 ? `, ${outcome.workflowUpdated} with their workflow status changed (accepted exceptions that began or ended)` : ''}.`,
  ];
  for (const entry of outcome.notEnabled) {
    lines.push(
      `Security Hub is not enabled in account ${entry.accountId}, region ${entry.region}: ${entry.findings} findings not imported (the scan's results are unaffected). Enable it, or leave --security-hub off there. (${entry.message})`,
    );
  }
  const groups = new Map<string, FailedImport[]>();
  for (const failure of outcome.failed) {
    const key = `${failure.operation}\u0000${failure.accountId}\u0000${failure.region}\u0000${failure.code}\u0000${failure.message}`;
    groups.set(key, [...(groups.get(key) ?? []), failure]);
  }
  for (const failures of groups.values()) {
    const { accountId, region, code, message, operation } = failures[0] as FailedImport;
    const what =
      operation === undefined ? 'not imported into' : 'imported without their workflow status into';
    const ids = failures.map((failure) => failure.findingId);
    const shown =
      ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
    lines.push(
      `ERROR Security Hub: ${failures.length} findings ${what} account ${accountId}, region ${region}: ${code}: ${message} (${shown})`,
    );
  }
  return lines;
}

/**
 * A Security Hub client per region, made on first use, each with `config` (an endpoint, in tests).
 * A call with `credentials` (another account's) gets a client of its own, never cached.
 */
export function regionalClients(
  config: Record<string, unknown> = {},
): (region: string, credentials?: SecurityHubClientConfig['credentials']) => SecurityHubClient {
  const clients = new Map<string, SecurityHubClient>();
  return (region, credentials) => {
    if (credentials !== undefined) return new SecurityHubClient({ region, ...config, credentials });
    const client = clients.get(region) ?? new SecurityHubClient({ region, ...config });
    clients.set(region, client);
    return client;
  };
}

/**
 * `--security-hub`: imports the report's findings with the caller's credentials, one client per
 * region. `ok` is false when a finding could not be imported (an ERROR of the run); Security Hub
 * not being enabled somewhere is a notice and leaves `ok` true.
 */
export async function exportToSecurityHub(
  report: Report,
  options: AsffOptions & { clientConfig?: Record<string, unknown> },
): Promise<{ lines: string[]; ok: boolean }> {
  const clientOf = regionalClients(options.clientConfig);
  const outcome = await importFindings(
    toAsffFindings(report, options),
    ({ region }) => clientOf(region),
    workflowChanges(report, options),
  );
  return { lines: importSummaryLines(outcome), ok: outcome.failed.length === 0 };
}
