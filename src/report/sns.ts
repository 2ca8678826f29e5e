import {
  type MessageAttributeValue,
  PublishCommand,
  type PublishCommandInput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { NotifyMode } from '../config/env.ts';
import { countedFailures, isCountedFailure, isNewFailure, type Report } from '../model/report.ts';
import { type Result, SEVERITIES } from '../model/result.ts';
import { chatNotification } from './chat.ts';
import {
  consoleLine,
  type EmailOptions,
  formatEmail,
  formatSubject,
  hasHistory,
  type MessagePart,
  notableResults,
  resourceLine,
  worstSeverity,
} from './email.ts';

/** SNS's publish limit: message, both variants inside it, and the attributes, in UTF-8 bytes. */
export const SNS_MAX_BYTES = 262_144;

/** A notification as published, with the results it carries (for counting and logging). */
export interface Notification {
  input: PublishCommandInput & { Message: string; Subject: string };
  part: MessagePart;
}

/**
 * Whether this report is sent under the given notification policy. Muted FAILs never trigger a
 * message on their own. `changes` sends when a counted failure is new or regressed, when something
 * was resolved, and on any ERROR (an error may hide a change, so it is never kept quiet).
 *
 * @example shouldNotify('changes', report) // false when every failure was already there last night
 */
export function shouldNotify(mode: NotifyMode, report: Report): boolean {
  switch (mode) {
    case 'never':
      return false;
    case 'always':
      return true;
    case 'on-findings':
      return countedFailures(report) + report.summary.error > 0;
    case 'changes':
      return (
        report.summary.error > 0 ||
        report.results.some(isNewFailure) ||
        (hasHistory(report) && report.resolved.length > 0)
      );
  }
}

/** The size SNS counts: the message, the subject and every attribute's name, type and value. */
export function publishBytes(input: PublishCommandInput): number {
  let bytes = Buffer.byteLength(input.Message ?? '') + Buffer.byteLength(input.Subject ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** The bytes `text` takes once escaped inside a JSON string. */
function escapedBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}

/** The worst severity of a counted FAIL or an ERROR; muted FAILs do not raise it. */
function maxSeverity(report: Report): string {
  const fail = worstSeverity(report, 'fail')?.severity;
  const error = worstSeverity(report, 'error')?.severity;
  const ranked = [fail, error].filter((severity) => severity !== undefined);
  return ranked.sort((a, b) => SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b))[0] ?? 'none';
}

function attributes(report: Report, part: MessagePart): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const number = (value: number): MessageAttributeValue => ({
    DataType: 'Number',
    StringValue: String(value),
  });
  return {
    maxSeverity: text(maxSeverity(report)),
    failCount: number(countedFailures(report)),
    errorCount: number(report.summary.error),
    mutedCount: number(report.summary.muted),
    ...(hasHistory(report) ? { newCount: number(report.results.filter(isNewFailure).length) } : {}),
    accountId: text(report.scope.accounts.join(',') || 'unknown'),
    scanId: text(report.scanId),
    part: number(part.number),
    partCount: number(part.count),
  };
}

/** The `default` variant: the report without PASS results and API statistics, as compact JSON. */
function machineVariant(report: Report, part: MessagePart): string {
  const { results: _all, stats: _stats, ...rest } = report;
  return JSON.stringify({
    ...rest,
    part: { number: part.number, count: part.count, totalResults: part.totalResults },
    results: part.results,
  });
}

function notification(
  report: Report,
  topicArn: string,
  part: MessagePart,
  options: NotificationOptions,
): Notification {
  return {
    part,
    input: {
      TopicArn: topicArn,
      MessageStructure: 'json',
      Subject: formatSubject(report, part),
      Message: JSON.stringify({
        default: machineVariant(report, part),
        email: formatEmail(report, part, options),
        ...(options.chat ? { https: JSON.stringify(chatNotification(report, part)) } : {}),
      }),
      MessageAttributes: attributes(report, part),
    },
  };
}

/**
 * The order people read them in: new and regressed failures, other counted failures, errors, then
 * muted failures; most severe first within each, rules kept together. The first part of a split
 * message thus carries what changed.
 */
function readingOrder(results: readonly Result[]): Result[] {
  const kind = (result: Result) =>
    isNewFailure(result) ? 0 : isCountedFailure(result) ? 1 : result.status === 'ERROR' ? 2 : 3;
  const rank = (result: Result) => kind(result) * 10 + SEVERITIES.indexOf(result.severity);
  return results
    .map((result, index) => ({ result, index }))
    .sort(
      (a, b) =>
        rank(a.result) - rank(b.result) ||
        a.result.ruleId.localeCompare(b.result.ruleId) ||
        a.index - b.index,
    )
    .map(({ result }) => result);
}

/** A rule heading's fixed words and a section heading, generously. */
const GROUP_TEXT_BYTES = 160;

/**
 * Fills parts greedily with an estimate of what each result adds (its JSON, its email line, the
 * rule's heading and fix the first time the rule appears in a part). The estimate is checked
 * against the real size afterwards.
 */
function packByEstimate(results: readonly Result[], budget: number, options: EmailOptions): Result[][] {
  const chunks: Result[][] = [];
  let current: Result[] = [];
  let used = 0;
  // The fix each rule group of the current part prints once; a result with another fix adds a line.
  let groupFixes = new Map<string, string>();
  const costOf = (result: Result, groupKey: string) => {
    const groupFix = groupFixes.get(groupKey);
    const sharedFix = options.remediations?.[result.ruleId] ?? groupFix ?? result.remediation;
    return (
      escapedBytes(JSON.stringify(result)) +
      1 +
      escapedBytes(`${[resourceLine(result), ...consoleLine(result)].join('\n')}\n`) +
      (result.remediation === sharedFix ? 0 : escapedBytes(result.remediation) + 16) +
      (groupFix === undefined ? escapedBytes(`${result.title}${sharedFix}`) + GROUP_TEXT_BYTES : 0)
    );
  };
  for (const result of results) {
    const groupKey = `${result.status}:${result.ruleId}`;
    if (current.length > 0 && used + costOf(result, groupKey) > budget) {
      chunks.push(current);
      current = [];
      used = 0;
      groupFixes = new Map();
    }
    used += costOf(result, groupKey);
    current.push(result);
    if (!groupFixes.has(groupKey)) {
      groupFixes.set(groupKey, options.remediations?.[result.ruleId] ?? result.remediation);
    }
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current);
  return chunks;
}

/** A result that alone exceeds the limit keeps its verdict and loses its evidence in the SNS copy. */
function withoutEvidence(result: Result): Result {
  return {
    ...result,
    evidence: { omitted: 'evidence too large for an SNS message; see the JSON report of the invocation' },
  };
}

/**
 * Splits the FAIL and ERROR results of a report into SNS publish requests that each fit
 * {@link SNS_MAX_BYTES}, each self-contained (summary, subject and attributes of the whole scan)
 * and numbered. No result is dropped. A clean report gives one all-clear message.
 *
 * @example
 * for (const { input } of buildNotifications(report, topicArn)) await sns.send(new PublishCommand(input));
 */
export interface NotificationOptions extends EmailOptions {
  /** The publish limit; smaller in tests. */
  maxBytes?: number;
  /**
   * Give HTTPS subscribers the chat digest (an Amazon Q Developer in chat applications custom
   * notification) instead of the `default` JSON.
   */
  chat?: boolean;
}

export function buildNotifications(
  report: Report,
  topicArn: string,
  options: NotificationOptions = {},
): Notification[] {
  const { maxBytes = SNS_MAX_BYTES } = options;
  const results = readingOrder(notableResults(report));
  const totalResults = results.length;
  const empty = notification(
    report,
    topicArn,
    { results: [], number: 999, count: 999, totalResults },
    options,
  );
  const budget = maxBytes - publishBytes(empty.input) - 1024;
  let chunks = packByEstimate(results, Math.max(budget, 1), options);
  for (;;) {
    const built = chunks.map((chunk, index) =>
      notification(
        report,
        topicArn,
        {
          results: chunk,
          number: index + 1,
          count: chunks.length,
          totalResults,
        },
        options,
      ),
    );
    const tooBig = built.findIndex(({ input }) => publishBytes(input) > maxBytes);
    const oversized = built[tooBig];
    if (oversized === undefined) return built;
    const chunk = chunks[tooBig] as Result[];
    if (chunk.length > 1) {
      chunks = halved(chunks, tooBig);
    } else if (
      chunk.length === 1 &&
      Object.keys((chunk[0] as Result).evidence).length > 0 &&
      !('omitted' in (chunk[0] as Result).evidence)
    ) {
      chunks = chunks.map((c, index) => (index === tooBig ? [withoutEvidence(chunk[0] as Result)] : c));
    } else {
      throw new Error(
        `SNS message part ${tooBig + 1} is ${publishBytes(oversized.input)} bytes even with one result; the limit is ${maxBytes}`,
      );
    }
  }
}

/** `chunks` with the one at `index` cut in two halves: for a part that came out over SNS's limit. */
export function halved<Item>(chunks: readonly Item[][], index: number): Item[][] {
  const chunk = chunks[index] ?? [];
  const half = Math.ceil(chunk.length / 2);
  return [...chunks.slice(0, index), chunk.slice(0, half), chunk.slice(half), ...chunks.slice(index + 1)];
}

/** Thrown when a part could not be published after the SDK's retries; says what did get through. */
export class PublishError extends Error {
  override readonly name = 'PublishError';

  constructor(
    readonly deliveredParts: number[],
    readonly failedPart: number,
    readonly partCount: number,
    override readonly cause: unknown,
  ) {
    super(
      `SNS publish of part ${failedPart}/${partCount} failed (${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}); delivered parts: ${deliveredParts.length === 0 ? 'none' : deliveredParts.join(', ')}`,
    );
  }
}

export interface PublishOutcome {
  messageIds: string[];
  /** FAIL and ERROR results (a digest's findings) delivered over all parts. */
  resultsPublished: number;
}

/** A numbered part of a message set, with what it lists (results, or a digest's findings). */
export interface PublishItem {
  input: PublishCommandInput;
  part: { number: number; count: number; results: readonly unknown[] };
}

/**
 * Publishes the parts in order. The SDK retries each; if one still fails, the remaining parts are
 * not sent and a {@link PublishError} reports which parts were delivered.
 */
export async function publishNotifications<Item extends PublishItem>(
  client: SNSClient,
  notifications: readonly Item[],
  onDelivered: (notification: Item, messageId: string) => void = () => {},
): Promise<PublishOutcome> {
  const messageIds: string[] = [];
  const delivered: number[] = [];
  let resultsPublished = 0;
  for (const item of notifications) {
    try {
      const output = await client.send(new PublishCommand(item.input));
      messageIds.push(output.MessageId ?? '');
    } catch (error) {
      throw new PublishError(delivered, item.part.number, item.part.count, error);
    }
    delivered.push(item.part.number);
    resultsPublished += item.part.results.length;
    onDelivered(item, messageIds.at(-1) ?? '');
  }
  return { messageIds, resultsPublished };
}
