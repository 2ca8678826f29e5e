import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { CHAT_LIST_LIMIT, type ChatNotification } from './chat.ts';
import { plural } from './email.ts';
import {
  type DigestChangedAccount,
  type DigestFinding,
  type DigestPart,
  digestSubject,
  errorResults,
  formatDigestEmail,
  notFullyScanned,
  type OrganizationDigest,
} from './organization-digest.ts';
import { printable } from './sanitize.ts';
import { halved, type PublishItem, publishBytes, SNS_MAX_BYTES } from './sns.ts';

/** Findings per account in the JSON variant; the stored digest holds them all. */
export const DIGEST_JSON_FINDINGS_PER_ACCOUNT = 100;

export interface DigestNotification extends PublishItem {
  input: PublishCommandInput & { Message: string; Subject: string };
  part: DigestPart & { results: readonly DigestFinding[] };
}

export interface DigestNotificationOptions {
  /** The publish limit; smaller in tests. */
  maxBytes?: number;
  /** Give HTTPS subscribers the chat digest (Amazon Q Developer in chat applications). */
  chat?: boolean;
}

function jsonAccount(account: DigestChangedAccount): DigestChangedAccount & { moreFindings?: number } {
  const more = account.findings.length - DIGEST_JSON_FINDINGS_PER_ACCOUNT;
  if (more <= 0) return account;
  return {
    ...account,
    findings: account.findings.slice(0, DIGEST_JSON_FINDINGS_PER_ACCOUNT),
    moreFindings: more,
  };
}

/** The `default` variant: the digest with this part's share of the changed accounts. */
function machineVariant(digest: OrganizationDigest, part: DigestPart): string {
  const { changed: _all, accounts, rules, errored, ...rest } = digest;
  return JSON.stringify({
    ...rest,
    // A failed Map item's whole Cause (up to 32,768 characters, stack trace included) would be in
    // every part; the stored digest, which every part points to, keeps it.
    errored: errored.map(({ mapItem: _whole, ...account }) => account),
    part: { number: part.number, count: part.count, changedAccounts: digest.changed.length },
    changed: part.changed.map(jsonAccount),
    ...(part.number === 1
      ? {
          accounts: part.cleanAccountsListed ? accounts : accounts.filter((a) => a.status !== 'clean'),
          rules,
        }
      : {}),
  });
}

function code(text: string): string {
  return `\`${printable(text).replaceAll('`', "'")}\``;
}

function statusOf(digest: OrganizationDigest, accountId: string): string {
  return digest.accounts.find((account) => account.accountId === accountId)?.status ?? 'not scanned';
}

/** The chat variant: a short markdown digest listing the part's new and regressed findings. */
export function digestChatNotification(digest: OrganizationDigest, part: DigestPart): ChatNotification {
  const { totals } = digest;
  const findings = part.changed.flatMap((account) =>
    account.findings.map((finding) => ({ account, finding })),
  );
  const shown = findings.slice(0, CHAT_LIST_LIMIT);
  const lines = [
    `${plural(totals.accounts, 'account')}: ${totals.fail} failing in ${plural(totals.accountsFailing, 'account')}, ${errorResults(totals.error)}, ${plural(totals.newOrRegressed, 'new or regressed finding')}${totals.accountsErrored > 0 ? `; ${notFullyScanned(totals.accountsErrored)}` : ''}${totals.muted > 0 ? `; ${totals.muted} muted, still failing` : ''}.`,
    ...(shown.length > 0 ? [`*New or regressed (${findings.length})*`] : []),
    ...shown.map(({ account, finding }) =>
      `• *${finding.severity}* ${code(account.accountId)} ${code(finding.ruleId)} ${code(finding.resourceId)} (${printable(finding.region)}): ${printable(finding.message)} Fix: ${printable(finding.fix)}`.slice(
        0,
        400,
      ),
    ),
    ...(findings.length > shown.length ? [`…and ${findings.length - shown.length} more in the digest`] : []),
    ...(digest.errored.length > 0
      ? [
          `*Not fully scanned (${digest.errored.length})*`,
          ...digest.errored
            .slice(0, CHAT_LIST_LIMIT)
            .map((account) =>
              `• ${code(account.accountId)} (${statusOf(digest, account.accountId)}): ${printable(account.reason)}`.slice(
                0,
                400,
              ),
            ),
          ...(digest.errored.length > CHAT_LIST_LIMIT
            ? [`…and ${digest.errored.length - CHAT_LIST_LIMIT} more in the digest`]
            : []),
        ]
      : []),
    ...(part.count > 1 ? [`Part ${part.number} of ${part.count}.`] : []),
  ];
  return {
    version: '1.0',
    source: 'custom',
    id: `${digest.runId}/${part.number}`,
    content: {
      textType: 'client-markdown',
      title: digestSubject(digest, part),
      description: lines.join('\n'),
      ...(digest.storedAt ? { nextSteps: [`Full digest: ${digest.storedAt}`] } : {}),
      keywords: ['sagemaker-compliance', 'organization'],
    },
    metadata: {
      threadId: 'sagemaker-compliance-organization',
      summary: digestSubject(digest, part),
      eventType: 'SageMakerComplianceOrganizationDigest',
      relatedResources: shown.map(({ finding }) => finding.resourceId),
      additionalContext: { runId: digest.runId },
    },
  };
}

function attributes(digest: OrganizationDigest, part: DigestPart): Record<string, MessageAttributeValue> {
  const number = (value: number): MessageAttributeValue => ({
    DataType: 'Number',
    StringValue: String(value),
  });
  return {
    kind: { DataType: 'String', StringValue: 'organization-digest' },
    runId: { DataType: 'String', StringValue: digest.runId },
    failCount: number(digest.totals.fail),
    errorCount: number(digest.totals.error),
    newCount: number(digest.totals.newOrRegressed),
    accountsErrored: number(digest.totals.accountsErrored),
    part: number(part.number),
    partCount: number(part.count),
  };
}

function notification(
  digest: OrganizationDigest,
  topicArn: string,
  part: DigestPart,
  options: DigestNotificationOptions,
): DigestNotification {
  return {
    part: { ...part, results: part.changed.flatMap((account) => account.findings) },
    input: {
      TopicArn: topicArn,
      MessageStructure: 'json',
      Subject: digestSubject(digest, part),
      Message: JSON.stringify({
        default: machineVariant(digest, part),
        email: formatDigestEmail(digest, part),
        ...(options.chat ? { https: JSON.stringify(digestChatNotification(digest, part)) } : {}),
      }),
      MessageAttributes: attributes(digest, part),
    },
  };
}

/**
 * The digest's one message set: a single message when it fits SNS's limit, else numbered parts
 * that each carry the totals and a share of the accounts with new or regressed findings (the
 * first also the totals per account and per rule). No changed account is dropped; when even the
 * totals of every clean account do not fit, clean accounts are counted instead of listed.
 *
 * @example for (const { input } of buildDigestNotifications(digest, topicArn)) await sns.send(new PublishCommand(input));
 */
export function buildDigestNotifications(
  digest: OrganizationDigest,
  topicArn: string,
  options: DigestNotificationOptions = {},
): DigestNotification[] {
  const { maxBytes = SNS_MAX_BYTES } = options;
  let cleanAccountsListed = true;
  let chunks: DigestChangedAccount[][] = [[...digest.changed]];
  for (;;) {
    const built = chunks.map((changed, index) =>
      notification(
        digest,
        topicArn,
        { changed, number: index + 1, count: chunks.length, cleanAccountsListed },
        options,
      ),
    );
    const tooBig = built.findIndex(({ input }) => publishBytes(input) > maxBytes);
    const oversized = built[tooBig];
    if (oversized === undefined) return built;
    const chunk = chunks[tooBig] as DigestChangedAccount[];
    if (chunk.length > 1) {
      chunks = halved(chunks, tooBig);
    } else if (tooBig === 0 && cleanAccountsListed) {
      cleanAccountsListed = false;
    } else if (tooBig === 0 && chunk.length > 0) {
      chunks = [[], ...chunks];
    } else {
      throw new Error(
        `SNS digest part ${tooBig + 1} is ${publishBytes(oversized.input)} bytes even with one account; the limit is ${maxBytes}`,
      );
    }
  }
}
